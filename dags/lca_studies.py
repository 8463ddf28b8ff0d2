"""One DAG per study file in include/studies/ (see lca.airflow_dag).

Kept light on purpose: the worker re-parses this file at every task start.
"""

from lca.airflow_dag import build_all
from lca.settings import studies_dir

globals().update(build_all(studies_dir()))
