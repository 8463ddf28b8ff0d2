"""What-if runs through the real DAG: Params, reuse of an earlier run's measurements, the study's history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from lca.errors import StudyError
from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir
from tests.conftest import REPO
from tests.orchestration.dags import state_of, study_dag

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


def test_each_study_dag_offers_the_what_if_params():
    from lca.orchestration.dag_factory import build_study_dag

    params = build_study_dag(TINY).params
    assert {
        "reuse_measurements_from",
        "country",
        "pue",
        "items",
        "routing_threshold",
        "monte_carlo_iterations",
        "overrides",
    } <= set(params.keys())
    # The form starts at the study's values (left so, they are no override); nothing else is overridden.
    assert params["country"] == "SWE" and params["items"] == 10000 and params["overrides"] == {}


def test_a_reassessment_reuses_the_measurements_redoes_the_assessment_and_adds_to_the_history(measured_run):
    source = runs_dir() / "tiny_digits" / measured_run

    run = study_dag("tiny_digits").test(
        run_conf={"reuse_measurements_from": measured_run, "country": "POL", "monte_carlo_iterations": 150}
    )

    assert state_of(run) == "success"
    folder = runs_dir() / "tiny_digits" / safe_name(run.run_id)
    assert not (folder / "models").exists() and not (folder / "energy").exists()  # nothing trained nor measured
    report = reports_dir() / "tiny_digits" / safe_name(run.run_id)
    html = (report / "report.html").read_text()
    assert "What-if reassessment" in html and measured_run in html
    assert "<code>deployment.country</code> = <code>POL</code> (study file: <code>SE</code>)" in html
    inventory = pd.read_json(folder / "lca" / "inventory.json", typ="series")
    assert inventory["country"] == "POL"
    new = pd.read_csv(report / "results.csv").set_index("scenario")
    old = pd.read_csv(reports_dir() / "tiny_digits" / measured_run / "results.csv").set_index("scenario")
    assert (new["energy_per_item_kwh"].dropna() == old["energy_per_item_kwh"].dropna()).all()  # same measurements
    assert (new["score"] > old["score"]).all()  # Poland's grid is dirtier than Sweden's
    # the same benchmark records, copied: every figure but none re-measured
    for name in ("baseline", "int8_dynamic", "pruned_30"):
        assert (folder / "benchmarks" / f"{name}.json").read_text() == (
            source / "benchmarks" / "scored" / f"{name}.json"
        ).read_text()

    table = pd.read_parquet(reports_dir() / "tiny_digits" / "history.parquet")
    done = {p.name for p in (reports_dir() / "tiny_digits").iterdir() if (p / "report.html").is_file()}
    assert set(table["run_folder"]) == done and len(done) >= 2
    assert (table.groupby("scenario")["run_id"].nunique() == len(done)).all()  # one point per run and scenario
    latest = table[table["run_id"] == run.run_id]
    assert set(latest["source_run"]) == {measured_run} and '"deployment.country": "POL"' in latest["overrides"].iloc[0]
    page = (reports_dir() / "tiny_digits" / "history.html").read_text()
    assert "overrides (none -&gt; deployment.country=POL" in page or "deployment.country=POL" in page


def _run(run_id: str):
    from lca.orchestration.run import Run

    return Run(TINY, "tiny_digits", run_id)


def test_a_bad_param_fails_the_run_in_its_first_task_with_the_study_files_error(measured_run):
    from lca.orchestration.stages.settings import write_settings

    with pytest.raises(StudyError, match=r"field 'deployment.country': value 'XX'"):
        write_settings(_run("manual__check"), {"country": "XX"})

    # The form's list refuses an unknown country before the run starts; a free-form override reaches the first task.
    run = study_dag("tiny_digits").test(
        run_conf={"reuse_measurements_from": measured_run, "overrides": {"deployment.country": "XX"}}
    )

    assert state_of(run) == "failed"
    states = {ti.task_id: state_of(ti) for ti in run.get_task_instances()}
    assert states["settings"] == "failed" and states["report"] == "upstream_failed"
    assert not (reports_dir() / "tiny_digits" / safe_name(run.run_id)).exists()


def test_an_unchecked_or_unknown_source_run_is_refused(measured_run, tmp_path):
    from lca.orchestration.stages.settings import write_settings

    with pytest.raises(StudyError, match="no run of study 'tiny_digits'"):
        write_settings(_run("manual__check"), {"reuse_measurements_from": "manual__never"})
    broken = runs_dir() / "tiny_digits" / "manual__broken_gate"
    shutil.copytree(runs_dir() / "tiny_digits" / measured_run / "gates", broken / "gates")
    (broken / "gates" / "benchmarks.json").write_text('{"name": "benchmarks", "success": false}')
    with pytest.raises(StudyError, match="its benchmarks gate did not pass"):
        write_settings(_run("manual__check"), {"reuse_measurements_from": "manual__broken_gate"})
    shutil.rmtree(broken)


def test_a_new_routing_threshold_redoes_the_routed_share_from_the_stored_models_not_the_energy(measured_run):
    import json

    from lca.orchestration.stages.benchmarks import benchmark
    from lca.orchestration.stages.settings import write_settings
    from lca.records import VariantBenchmark

    run = _run("manual__routing_check")
    write_settings(run, {"reuse_measurements_from": measured_run, "routing_threshold": 0.99})
    source = run.source
    try:
        key = benchmark(run, run.layout.dataset("unused"), source.variant("baseline"))  # a key of the artefact store
        copied = VariantBenchmark.load(run.store.path(key))
        original = VariantBenchmark.load(run.store.path(source.scored("baseline")))

        assert run.study.routing.rule == "low_confidence"
        assert original.routing.rule == "confidence" and copied.routing.rule == "low_confidence"
        assert copied.routing.threshold == 0.99  # recomputed under this run's rule, from the stored model
        # a 2-epoch model is rarely 99 % sure: at least every item it gets wrong goes to a person
        assert copied.routed_fraction >= 1 - original.primary_value
        assert copied.energy == original.energy and copied.energy_per_item_kwh == original.energy_per_item_kwh
        settings = json.loads(run.store.read_text(run.layout.settings))
        assert settings["overrides"]["routing.confidence_threshold"] == 0.99
    finally:
        shutil.rmtree(run.dir, ignore_errors=True)


def test_the_cli_reassessment_prints_one_line_per_task_and_keeps_airflows_output_in_its_log(measured_run, studies):
    import os
    import re
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "lca.cli", "reassess", "tiny_digits", "--from", measured_run, "--set", "lca.seed=7"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
    )

    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    progress = [line for line in lines if re.match(r"^\[\s*\d+ s\] ok ", line)]
    from lca.study.loading import load_study

    study = load_study(TINY)
    n = len(study.compression)  # one compress task per compressed variant
    variants = len(study.variant_names())  # one runtimes and one benchmark task per model
    # The measuring tasks only hand on the earlier run's records: one line says how many, not one each.
    reused = 1 + 1 + len(study.classical_names()) + n + variants + 1 + variants
    tasks = [
        "settings",
        "(measurements)",
        "collect_variants",
        "score_variants",
        "check_benchmarks",
        "build_inventory",
        "lcia",
        "uncertainty",
        "sensitivity",
        "export_inventory",
        "compare",
        "report",
    ]
    assert sorted(line.split()[4] for line in progress) == sorted(tasks)  # one line per task, nothing else
    assert f"reused {reused} measurements from {measured_run}" in out.stdout
    assert "lca.seed=7" in progress[0]
    # the progress, the summary and its measurement warnings (as many as the host's load flags), no log noise
    noise = [line for line in lines if re.search(r"\b(INFO|DEBUG)\b|\[(info|debug)|airflow\.", line)]
    assert noise == [], noise
    log_file = Path(re.search(r"its log: (\S+)", out.stdout).group(1))
    log = log_file.read_text()
    assert "[error" not in out.stdout + out.stderr + log  # e.g. no "XCom not found" on a successful run
    assert "dag_id" in log or "tiny_digits" in log  # Airflow's own output went to the log
    assert "Study 'tiny_digits', run" in out.stdout and "History:" in out.stdout
