"""The report of a run: HTML and CSV tables, charts, templates, and the index the Airflow plugin serves.

Reads records written by the stages (benchmarks, inventory, LCIA and Monte Carlo results)
and never recomputes them: it must not import the engine, the interpretation, Brightway,
training or compression. May import record and data-reading modules of every layer below.
"""
