"""Faults and measurements in the DAG: the deployment's retries apply to faults, deterministic errors fail at once,
and no task holds the host for itself (energy is attributed to the task's own processes)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lca import host_lock
from lca.errors import DataQualityError
from lca.orchestration.dag_factory import _fails_fast
from tests.conftest import REPO

MEASURED = {"prepare_data", "train", "fit_classical", "compress", "runtimes", "measure_idle", "benchmark"}

PARSE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="dags")
assert not bag.import_errors, bag.import_errors
dag = bag.dags["tiny_digits"]
print(json.dumps({
    "default_args": dag.default_args,
    "tasks": {
        t.task_id: [t.retries, t.retry_delay.total_seconds()]
        for t in dag.tasks
    },
}))
"""


def test_the_deployment_retries_apply_to_every_task(tmp_path):
    studies = tmp_path / "studies"
    studies.mkdir()
    (studies / "tiny_digits.yaml").write_text((REPO / "tests" / "data" / "tiny_digits.yaml").read_text())
    env = {
        **os.environ,
        "LCA_STUDIES_DIR": str(studies),
        "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "3",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "17",
    }
    out = subprocess.run([sys.executable, "-c", PARSE], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    assert "retries" not in parsed["default_args"]
    tasks = parsed["tasks"]
    assert set(tasks) >= MEASURED | {"check_data", "check_benchmarks", "report"}
    for task_id, (retries, delay) in tasks.items():
        assert (retries, delay) == (3, 17), task_id


def test_a_failed_gate_fails_without_retry_and_other_errors_are_left_to_retries(tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))

    def gate():
        raise DataQualityError("dataset.csv: 2 expectation(s) failed")

    with pytest.raises(AirflowFailException, match="DataQualityError: dataset.csv: 2 expectation"):
        _fails_fast(gate)()

    def lost_connection():
        raise ConnectionError("api-server unreachable")

    with pytest.raises(ConnectionError):
        _fails_fast(lost_connection)()


def test_no_task_holds_the_host_lock_so_a_cpu_measurement_runs_beside_anything(tmp_path, monkeypatch):
    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))
    seen = {}

    def task(run_id=None):
        seen["hold"] = host_lock.held()
        return run_id

    assert _fails_fast(task)(run_id="r1") == "r1"
    assert seen["hold"] is None


def _product_value_error():
    from lca.reporting import history

    history.append(None, "digits", [{"run_id": "a"}, {"run_id": "b"}])  # one of the product's own checks


def _missing_key():
    from lca.storage import ArtifactStore

    ArtifactStore().get("runs/digits/never/lca/inventory.json", Path(os.devnull))


def _truncated_record(tmp_path: Path):
    from lca.records import GateResult

    (tmp_path / "benchmarks.json").write_text('{"name": "bench')
    GateResult.load(tmp_path / "benchmarks.json", key="runs/digits/manual__1/gates/benchmarks.json")


def _contradictory_measurement():
    from lca.errors import MeasurementError

    raise MeasurementError("idle power 90 W above the power under load 40 W")


def _library_value_error():
    json.loads('{"truncated": ')  # a ValueError (JSONDecodeError) raised inside the standard library's parser


def _full_disk():
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("fails", "retried", "message"),
    [
        (_product_value_error, False, "ValueError: history rows of one run expected"),
        (_missing_key, False, "StoreError: 'runs/digits/never/lca/inventory.json' is not in the artefact store"),
        (
            _truncated_record,
            False,
            "StoredArtefactError: stored artefact 'runs/digits/manual__1/gates/benchmarks.json'",
        ),
        (_contradictory_measurement, False, "MeasurementError: idle power"),
        (_library_value_error, True, "Expecting value"),
        (_full_disk, True, "No space left on device"),
        (lambda: (_ for _ in ()).throw(ConnectionResetError("worker lost")), True, "worker lost"),
    ],
    ids=[
        "product_value_error",
        "missing_key",
        "truncated_record",
        "measurement",
        "library_value_error",
        "disk",
        "conn",
    ],
)
def test_deterministic_errors_fail_at_once_and_faults_are_left_to_retries(
    tmp_path, monkeypatch, fails, retried, message
):
    import inspect

    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))

    def task():
        return fails(tmp_path) if inspect.signature(fails).parameters else fails()

    with pytest.raises(Exception, match=re.escape(message)) as caught:
        _fails_fast(task)()
    assert isinstance(caught.value, AirflowFailException) is not retried
