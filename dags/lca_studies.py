"""One Airflow DAG per study file in include/studies/ (see lca.orchestration.dag_factory).

Kept light on purpose: the worker re-parses this file at every task start.
The words "airflow" and "dag" must stay in this file: Airflow's safe mode skips
any file of the DAG folder that contains neither.
"""

from lca.orchestration.dag_factory import build_all
from lca.settings import studies_dir

globals().update(build_all(studies_dir()))
