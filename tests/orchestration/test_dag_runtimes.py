"""A study with two runtimes runs through its DAG: every variant in each, the deployed one benchmarked and booked."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from lca.records import RuntimeSweep, StudyInventory, VariantBenchmark
from lca.run_layout import RunLayout
from lca.storage import reports_dir
from tests.conftest import REPO
from tests.orchestration.dags import run_dag

pytestmark = pytest.mark.e2e


def _tiny_runtimes(folder):
    """tiny_digits with one compression, benchmarked in eager and ONNX Runtime (export takes a second; no compile)."""
    study = yaml.safe_load((REPO / "tests" / "data" / "tiny_digits.yaml").read_text())
    study["name"] = "tiny_runtimes"
    study["compression"] = [{"name": "int8_dynamic", "method": "dynamic_quantization"}]
    study["benchmark"].update(runtimes=["eager", "onnxruntime"], latency_batch_sizes=[1], threads=1)
    study["deployment"]["runtime"] = "onnxruntime"
    study["baselines"] = {"classical": False}  # runtimes are what this test is about
    (folder / "tiny_runtimes.yaml").write_text(yaml.safe_dump(study))


def test_every_variant_is_swept_in_each_runtime_and_benchmarked_and_booked_in_its_deployed_one(
    airflow_db, tmp_path, monkeypatch, bw_project
):
    folder = tmp_path / "studies"
    folder.mkdir()
    _tiny_runtimes(folder)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))

    run, state = run_dag("tiny_runtimes")

    assert state == "success"
    layout = RunLayout.of("tiny_runtimes", run.run_id)
    from lca.storage import ArtifactStore

    store = ArtifactStore()

    def load(record_type, key):
        return record_type.load(store.path(key))

    sweeps = {v: load(RuntimeSweep, layout.runtimes(v)) for v in ("baseline", "int8_dynamic")}
    for sweep in sweeps.values():
        assert [r.runtime for r in sweep.rows] == ["eager", "onnxruntime"]
    baseline_onnx = sweeps["baseline"].rows[1]
    assert baseline_onnx.supported and baseline_onnx.check.passed and baseline_onnx.preparation_energy is not None
    assert store.is_file(f"{layout.runtime_artefacts('baseline')}/{baseline_onnx.artefact}")
    int8_onnx = sweeps["int8_dynamic"].rows[1]
    assert not int8_onnx.supported and "ONNX" in int8_onnx.reason  # reported, not dropped
    assert sweeps["baseline"].choice.runtime == "onnxruntime"
    assert sweeps["int8_dynamic"].choice.runtime == "eager" and "does not run" in sweeps["int8_dynamic"].choice.reason

    baseline = load(VariantBenchmark, layout.benchmark("baseline"))
    assert baseline.runtime == "onnxruntime" and baseline.runtime_preparation == baseline_onnx.preparation_energy
    assert "eager" in baseline.runtime_effect and "onnxruntime" in baseline.runtime_effect
    assert (
        baseline.runtime_artefact_reused is True and baseline.runtime_load_s > 0
    )  # the stored file, not exported again
    assert load(VariantBenchmark, layout.benchmark("int8_dynamic")).runtime == "eager"

    inventory = load(StudyInventory, layout.inventory)
    booked = {s.name: {f.stage for f in s.stages} for s in inventory.scenarios}
    assert "runtime preparation" in booked["baseline"] and "runtime preparation" not in booked["int8_dynamic"]

    report = reports_dir() / "tiny_runtimes" / layout.folder_name
    assert sorted(pd.read_csv(report / "results.csv")["scenario"]) == ["baseline", "int8_dynamic", "reference"]
    html = (report / "report.html").read_text()
    assert "Runtime (eager &rarr; deployed)" in html
    assert f"<strong>not supported</strong>: {int8_onnx.reason}" in html  # every variant in every runtime
    assert "loaded from the runtimes task&#39;s artefact" in html
