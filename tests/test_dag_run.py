"""A whole study runs through its Airflow DAG (``dag.test()``, SQLite, in-process)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from lca.settings import reports_dir, runs_dir, safe_name
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


@pytest.fixture(scope="module")
def airflow_db():
    from lca import airflow_env

    airflow_env.migrate_db()


@pytest.fixture
def studies(tmp_path, monkeypatch):
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(TINY, folder / TINY.name)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))
    return folder


def run_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    run = bag.dags[dag_id].test()
    return run, str(getattr(run.state, "value", run.state))


def test_the_tiny_study_runs_end_to_end_and_writes_a_report_with_one_row_per_scenario(airflow_db, studies, bw_project):
    run, state = run_dag("tiny_digits")
    assert state == "success"
    report = reports_dir() / "tiny_digits" / safe_name(run.run_id)
    assert (report / "report.html").is_file()
    results = pd.read_csv(report / "results.csv")
    assert sorted(results["scenario"].unique()) == ["baseline", "int8_dynamic", "pruned_30", "reference"]
    assert len(results) == 4  # one impact method in this study
    assert (results["score"] > 0).all()
    reference = results[results["scenario"] == "reference"].iloc[0]
    assert reference["ratio_to_reference"] == pytest.approx(1.0)


def test_a_corrupted_dataset_stops_the_run_at_the_data_gate_and_writes_no_report(
    airflow_db, studies, bw_project, monkeypatch
):
    import lca.data

    real = lca.data.prepare_dataset

    def corrupted(spec, out_path):
        real(spec, out_path)
        frame = pd.read_csv(out_path)
        frame.loc[3, "pixel_10"] = None
        frame.loc[5, "label"] = 42
        frame.to_csv(out_path, index=False)
        return out_path

    monkeypatch.setattr(lca.data, "prepare_dataset", corrupted)
    run, state = run_dag("tiny_digits")
    assert state == "failed"
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
    assert states["check_data"] == "failed"
    assert states["train"] == "upstream_failed"
    assert states["report"] == "upstream_failed"
    assert not (reports_dir() / "tiny_digits" / safe_name(run.run_id)).exists()
    assert not (runs_dir() / "tiny_digits" / safe_name(run.run_id) / "models").exists()
