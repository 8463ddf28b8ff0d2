"""The project's DAGs as Airflow's DAG processor sees them, for tests that run them with ``dag.test()``."""

from __future__ import annotations

from tests.conftest import REPO


def study_dag(dag_id: str):
    """The DAG ``dag_id`` parsed from dags/ (and LCA_STUDIES_DIR), with no import error anywhere."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def state_of(item) -> str:
    """A DAG run's or task instance's state as plain text (``dag.test()`` returns enums)."""
    return str(getattr(item.state, "value", item.state))


def run_dag(dag_id: str):
    run = study_dag(dag_id).test()
    return run, state_of(run)
