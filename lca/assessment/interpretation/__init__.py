"""Interpretation of the inventory: paired Monte Carlo and break-even, and the sensitivity analyses."""
