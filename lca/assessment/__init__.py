"""The assessment half: inventory, background data, hardware, characterization, engine, interpretation, Brightway.

Turns a study and the ML side's records into life-cycle inventories, impact scores,
paired Monte Carlo statistics, contributions, break-even and sensitivity. May import
:mod:`lca.study` and the shared modules; never :mod:`lca.ml` and never torch: it works
from records, so it can be re-run on old measurements.
"""
