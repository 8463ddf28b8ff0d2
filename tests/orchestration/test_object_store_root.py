"""A whole run on an object-store artefact root: no folders, no rename, no file locks.

fsspec's in-memory filesystem (``memory://``) stands in for ``s3://`` or ``gs://``: it
has the semantics of an object store (one put per object, no atomic rename) and, as
``dag.test()`` runs every task in this process, every task sees the same bucket. Every
artefact the run hands on, the report, the study's history and the run's settings
must land in that bucket, and nothing of it on the host's disk.
"""

from __future__ import annotations

import json
import shutil
import uuid

import pandas as pd
import pytest

from lca.settings import safe_name
from tests.conftest import REPO
from tests.orchestration.dags import state_of, study_dag

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


def test_a_run_and_its_reassessment_on_an_object_store_root_keep_every_artefact_and_the_history_in_the_bucket(
    airflow_db, tmp_path, monkeypatch, bw_project, session_home
):
    from lca.storage import ArtifactStore

    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(TINY, folder / TINY.name)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", f"memory://lca-bucket-{uuid.uuid4().hex[:8]}")
    store = ArtifactStore()

    dag = study_dag("tiny_digits")
    run = dag.test()
    state = state_of(run)

    assert state == "success"
    report = f"reports/tiny_digits/{safe_name(run.run_id)}"
    assert "</html>" in store.read_text(f"{report}/report.html")
    results = pd.read_csv(store.get(f"{report}/results.csv", tmp_path / "results.csv"))
    assert "reference" in set(results["scenario"])
    settings = json.loads(store.read_text(f"runs/tiny_digits/{safe_name(run.run_id)}/settings.json"))
    assert settings == {"overrides": {}, "reuse_measurements_from": None}
    history = pd.read_parquet(store.get("reports/tiny_digits/history.parquet", tmp_path / "history.parquet"))
    assert set(history["run_id"]) == {run.run_id}
    assert "tiny_digits" in store.read_text("reports/tiny_digits/history.html")
    # Nothing of the run was kept beside the bucket on this host's disk (Airflow's own task logs aside).
    kept = [p for p in session_home.rglob("*") if safe_name(run.run_id) in str(p) and "/airflow/logs/" not in str(p)]
    assert kept == []

    # A what-if reassessment reads the measured run from the bucket and joins its history there.
    what_if = dag.test(run_conf={"reuse_measurements_from": safe_name(run.run_id), "country": "POL"})
    assert state_of(what_if) == "success"
    assert "What-if reassessment" in store.read_text(f"reports/tiny_digits/{safe_name(what_if.run_id)}/report.html")
    assert not store.exists(f"runs/tiny_digits/{safe_name(what_if.run_id)}/models")  # nothing trained again
    history = pd.read_parquet(store.get("reports/tiny_digits/history.parquet", tmp_path / "history2.parquet"))
    assert set(history["run_id"]) == {run.run_id, what_if.run_id}
