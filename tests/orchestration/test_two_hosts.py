"""A study run whose tasks alternate between two hosts that share only the artefact store.

Each "host" has its own LCA_HOME and Brightway directory; the other host's
directory is moved out of reach while a stage runs, so a stage that reached for
a path on another host's disk fails here as it would on a real cluster. The
stages are called in DAG order, as Airflow calls them, with what the previous
ones returned (what XCom would carry).
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from lca.orchestration import stages
from lca.orchestration.run import Run
from lca.study.loading import load_study
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"
RUN_ID = "manual__2026-12-01T08:00:00+00:00"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def absolute_paths(value) -> list[str]:
    """Strings that name a place on some host's disk (or a URL) rather than a key of the store."""
    return [s for s in _strings(value) if os.path.isabs(s) or s.startswith(("file:", "~"))]


class Hosts:
    def __init__(self, base: Path, template_brightway: Path):
        self.base = base
        self.names = ("worker1", "worker2")
        for name in self.names:
            home = base / name
            home.mkdir(parents=True)
            # What `lca-ml setup` leaves on each host: a Brightway project of its own (copied, to save time;
            # tests/assessment/brightway/test_foreground_hosts.py builds one from nothing).
            shutil.copytree(template_brightway, home / "var" / "brightway")
        self.calls: list[str] = []

    @contextmanager
    def on(self, name: str, monkeypatch):
        home = self.base / name
        others = [self.base / n for n in self.names if n != name]
        for other in others:
            other.rename(other.with_name(other.name + ".unreachable"))
        monkeypatch.setenv("LCA_HOME", str(home))
        monkeypatch.setenv("BRIGHTWAY2_DIR", str(home / "var" / "brightway"))
        try:
            yield
            cache = home / "var" / "cache"
            assert not cache.exists() or list(cache.iterdir()) == [], (
                f"{name} kept scratch files: {list(cache.iterdir())}"
            )
        finally:
            for other in others:
                other.with_name(other.name + ".unreachable").rename(other)

    def run(self, monkeypatch, task_id, stage, *args, **kwargs):
        name = self.names[len(self.calls) % 2]
        self.calls.append(f"{task_id}@{name}")
        with self.on(name, monkeypatch):
            return stage(*args, **kwargs)


def test_a_run_alternating_between_two_hosts_completes_with_one_report_and_only_relative_paths(
    bw_project, tmp_path, monkeypatch, capsys
):
    from lca.assessment.brightway.project import use_brightway_dir

    shared = tmp_path / "shared"
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", shared.as_uri())
    session_brightway = use_brightway_dir()
    hosts = Hosts(tmp_path / "hosts", session_brightway)
    study = load_study(TINY)
    names = [c.name for c in study.compression]
    xcom: dict[str, object] = {}

    def task(task_id, stage, *args, **kwargs):
        xcom[task_id] = hosts.run(monkeypatch, task_id, stage, Run(TINY, study.name, RUN_ID), *args, **kwargs)
        return xcom[task_id]

    try:
        task("settings", stages.settings.write_settings, None)
        dataset = task("prepare_data", stages.data.prepare_data)
        data_gate = task("check_data", stages.data.check_data, dataset)
        baseline = task("train", stages.models.train, dataset)
        variants = [baseline] + [task(f"compress.{n}", stages.models.compress, dataset, baseline, n) for n in names]
        variants.append(task("fit_classical", stages.models.fit_classical, dataset))  # the classical baseline
        idle = task("measure_idle", stages.benchmarks.measure_idle)
        measured = [
            task(f"benchmark.{i}", stages.benchmarks.benchmark, dataset, v, idle) for i, v in enumerate(variants)
        ]
        scored = task("score_variants", stages.benchmarks.score_variants, measured)
        bench_gate = task("check_benchmarks", stages.benchmarks.check_benchmarks, scored)
        inventory = task("build_inventory", stages.assessment.build_inventory, variants, scored)
        lcia = task("lcia", stages.assessment.lcia, inventory)
        monte_carlo = task("uncertainty", stages.interpretation.uncertainty, inventory)
        sensitivity = task("sensitivity", stages.interpretation.sensitivity, inventory)
        exported = task("export_inventory", stages.interpretation.export_inventory, inventory)
        task("compare", stages.interpretation.compare, lcia, inventory, scored, monte_carlo)
        report_args = dict(
            variant_keys=variants,
            benchmark_keys=scored,
            gate_keys=[data_gate, bench_gate],
            inventory_key=inventory,
            lcia_key=lcia,
            dataset_key=dataset,
            monte_carlo_key=monte_carlo,
            sensitivity_key=sensitivity,
            export_key=exported,
        )
        report = task("report", stages.report.report, **report_args)
        html = shared / report / "report.html"
        first = html.read_bytes()
        # The report task retried on the other host: the run's report is found complete, nothing is rewritten.
        again = task("report.retry", stages.report.report, **report_args)
    finally:
        monkeypatch.setenv("BRIGHTWAY2_DIR", str(session_brightway))
        use_brightway_dir()

    assert {c.rsplit("@", 1)[1] for c in hosts.calls} == {"worker1", "worker2"}
    where = dict(c.split("@") for c in hosts.calls)
    assert where["build_inventory"] != where["lcia"]  # lcia rebuilt the run's database on its own host
    assert where["report"] != where["report.retry"]
    assert again == report == "reports/tiny_digits/manual__2026-12-01T08_00_00_00_00"
    assert html.read_bytes() == first
    runs = [
        p.name for p in (shared / "reports" / "tiny_digits").iterdir() if p.is_dir() and not p.name.startswith(".")
    ]  # beside the history files
    assert runs == [Path(report).name]
    assert {"report.html", "results.csv", "manifest.json", "inventory_brightway.xlsx"} <= {
        p.name for p in (shared / report).iterdir()
    }
    manifest = json.loads((shared / report / "manifest.json").read_text())
    assert set(manifest["inputs"]) >= {inventory, lcia, monte_carlo, exported, *variants, *scored}

    # Nothing handed from task to task names a host's disk: not XCom, not a JSON record in the store.
    assert absolute_paths(xcom) == [], xcom
    records = sorted(shared.rglob("*.json"))
    assert len(records) > 15
    for record in records:
        assert absolute_paths(json.loads(record.read_text())) == [], record
        assert str(tmp_path) not in record.read_text(), record
    from lca.cli import print_summary  # what `lca-ml demo` prints, read from the store

    capsys.readouterr()
    print_summary("tiny_digits", RUN_ID, 1.0)
    assert f"Report: {shared / report / 'report.html'}" in capsys.readouterr().out

    for host in hosts.names:  # and no host kept a run artefact outside its Brightway project
        leftovers = [p for p in (tmp_path / "hosts" / host).rglob("*") if p.is_file() and "brightway" not in p.parts]
        assert leftovers == [], leftovers
