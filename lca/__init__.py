"""Life-cycle assessment of machine-learning systems against a non-ML reference.

Importing this package is cheap and never imports Airflow, torch or Brightway:
the DAG files import it at parse time.
"""

__version__ = "0.1.0"
