"""What the DAG tests share: the embedded metadata database, a studies folder, the DAGs themselves."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO

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
