"""The DAG folder parses cleanly and cheaply: one DAG per study, no heavy imports at parse time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO

PARSE = """
import json, os, sys
from lca.orchestration import embedded_airflow
embedded_airflow.configure()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=os.path.join({repo!r}, "dags"))
heavy = sorted(m for m in ("torch", "bw2data", "bw2calc", "pandas", "great_expectations", "codecarbon", "sklearn")
               if m in sys.modules)
dag = bag.dags.get("digits")
print(json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "dags": sorted(bag.dag_ids),
    "heavy": heavy,
    "tasks": sorted(dag.task_ids) if dag else [],
}}))
"""


def parse(env_overrides: dict[str, str] | None = None) -> dict:
    env = {**os.environ, **(env_overrides or {})}
    env["AIRFLOW_HOME"] = os.path.join(env["LCA_HOME"], "airflow-parse")
    out = subprocess.run(
        [sys.executable, "-c", PARSE.format(repo=str(REPO))], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_dag_folder_imports_without_errors_and_builds_one_dag_per_study():
    result = parse()
    assert result["errors"] == {}
    assert "digits" in result["dags"]
    assert {
        "prepare_data",
        "check_data",
        "train",
        "compress",
        "benchmark",
        "check_benchmarks",
        "build_inventory",
        "lcia",
        "compare",
        "report",
    } <= set(result["tasks"])


def test_parsing_the_dag_folder_imports_no_heavy_library():
    assert parse()["heavy"] == []


def test_an_invalid_study_file_is_skipped_without_hiding_the_valid_ones(tmp_path):
    (tmp_path / "good.yaml").write_text((REPO / "include" / "studies" / "digits.yaml").read_text())
    (tmp_path / "bad.yaml").write_text("name: Not A Valid Name\n")
    result = parse({"LCA_STUDIES_DIR": str(tmp_path)})
    assert result["errors"] == {}
    assert result["dags"] == ["digits"]


def test_files_sharing_a_name_and_a_schedule_airflow_refuses_skip_only_those_studies(tmp_path):
    """One parse for both cases (each parse of the DAG folder costs seconds)."""
    studies = REPO / "include" / "studies"
    digits = (studies / "digits.yaml").read_text()
    (tmp_path / "digits.yaml").write_text(digits)
    (tmp_path / "digits_copy.yaml").write_text(digits)  # copied, not renamed
    fraud = (studies / "fraud_screening.yaml").read_text()
    assert "\nschedule:" not in fraud
    (tmp_path / "fraud.yaml").write_text(
        fraud.replace("\nfunctional_unit:", "\nschedule: '61 25 * * *'\nfunctional_unit:", 1)
    )
    (tmp_path / "grid.yaml").write_text((studies / "grid_load.yaml").read_text())
    env = {
        **os.environ,
        "LCA_STUDIES_DIR": str(tmp_path),
        "AIRFLOW_HOME": os.path.join(os.environ["LCA_HOME"], "airflow-parse"),
    }
    out = subprocess.run(
        [sys.executable, "-c", PARSE.format(repo=str(REPO))], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}  # the DAG file itself imports cleanly
    assert result["dags"] == ["grid_load"]  # the other DAGs still load
    logged = out.stdout + out.stderr
    assert "2 study files declare this name" in logged
    assert str(tmp_path / "digits.yaml") in logged and str(tmp_path / "digits_copy.yaml") in logged
    assert str(tmp_path / "fraud.yaml") in logged and "61 25 * * *" in logged
