"""What the DAG tests share: the embedded metadata database, a studies folder, the DAGs themselves."""

from __future__ import annotations

import shutil

import pytest

from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir
from tests.conftest import REPO
from tests.orchestration.dags import state_of, study_dag

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


@pytest.fixture(scope="module")
def airflow_db():
    from lca.orchestration import embedded_airflow

    embedded_airflow.migrate_db()


@pytest.fixture
def studies(tmp_path, monkeypatch):
    """A studies folder holding the tiny digits study, which the DAG folder then reads."""
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(TINY, folder / TINY.name)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))
    return folder


@pytest.fixture
def measured_run(studies, bw_project) -> str:
    """A finished tiny_digits run that measured: the one test_dag_run left in this session, or a new one."""
    from lca.orchestration import embedded_airflow

    embedded_airflow.migrate_db()
    for folder in sorted((runs_dir() / "tiny_digits").glob("*")) if (runs_dir() / "tiny_digits").is_dir() else []:
        if (folder / "models" / "baseline.pt").is_file() and (
            reports_dir() / "tiny_digits" / folder.name / "report.html"
        ).is_file():
            return folder.name
    run = study_dag("tiny_digits").test()
    assert state_of(run) == "success"
    return safe_name(run.run_id)
