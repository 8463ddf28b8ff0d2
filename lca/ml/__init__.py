"""The ML half: datasets and their gates, models, training, compression, benchmarks and energy measurement.

Everything here produces records (energy records, benchmarks, dataset cards) that the
assessment reads; it may import :mod:`lca.study` and the shared modules, never
:mod:`lca.assessment` or :mod:`lca.reporting`. torch is imported here and nowhere below.
"""
