"""A study's history: one row per run, scenario and category; safe appends; flags and input diffs."""

from __future__ import annotations

import csv
import json
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from lca.reporting import history
from tests.conftest import DIGITS

FIELDS = ["scenario", "label", "is_reference", "method", "unit", "score", "energy_method", "mc_median", "mc_p2_5", "mc_p97_5"]
GWP = "IPCC 2021 | climate change | global warming potential (GWP100)"


def _report(study_folder: Path, run: str, scores: dict[str, float], spread: float = 2.0) -> Path:
    """A finished report folder as lca.reporting.run_report writes it (only results.csv matters here)."""
    folder = study_folder / run
    folder.mkdir(parents=True)
    with (folder / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for name, score in scores.items():
            writer.writerow({
                "scenario": name, "label": f"ML: {name}" if name != "reference" else "Reference", "is_reference": name == "reference",
                "method": GWP, "unit": "kg CO2-Eq", "score": score, "energy_method": "" if name == "reference" else "codecarbon_estimate",
                "mc_median": score, "mc_p2_5": score / spread, "mc_p97_5": score * spread,
            })
    (folder / "report.html").write_text("<html></html>")
    return folder


def _record(folder: Path, run: str, **kwargs) -> Path:
    return history.record_run(folder, study_name="digits", study_path=DIGITS, run_id=run, **kwargs)


def test_two_runs_give_two_points_per_scenario_and_a_page_linking_both_reports(tmp_path):
    study = tmp_path / "digits"
    _record(_report(study, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(_report(study, "run_2", {"baseline": 9.7, "reference": 90.0}), "run_2")

    table = pd.read_parquet(study / "history.parquet")
    assert table.groupby("scenario")["run_id"].nunique().to_dict() == {"baseline": 2, "reference": 2}
    assert set(history.COLUMNS) <= set(table.columns)
    row = table.iloc[0]
    assert row["study_sha256"] == history.sha256_file(DIGITS) and row["host"] and row["code_version"]
    assert "parameters.yaml" in json.loads(row["reference_data"])
    html = page.read_text()
    assert 'href="run_1/report.html"' in html and 'href="run_2/report.html"' in html
    assert (study / "history_01.png").read_bytes()[:4] == b"\x89PNG"
    assert "moved beyond" not in html  # 9.5 -> 9.7 is well inside the previous interval


def test_a_result_outside_the_previous_interval_is_flagged_and_the_changed_inputs_named(tmp_path):
    study = tmp_path / "digits"
    _record(_report(study, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(
        _report(study, "run_2", {"baseline": 40.0, "reference": 91.0}), "run_2",
        source_run="run_1", overrides={"deployment.country": "PL"},
    )

    runs = history.run_summaries(history.load(study))
    assert runs[0]["first"] and runs[0]["flagged"] == []
    assert runs[1]["flagged"] == ["ML: baseline (global warming potential (GWP100)): 9.5 -> 40"]
    assert "overrides (none -> deployment.country=PL)" in runs[1]["changes"]
    assert "measurements reused from run_1" in runs[1]["changes"]
    assert "moved beyond the previous run" in page.read_text()


def test_changes_name_the_reference_data_file_the_study_file_and_the_code():
    before = {"study_sha256": "a" * 64, "reference_data": json.dumps({"grid.csv": "1", "parameters.yaml": "2"}),
              "code_version": "0.1.0+abc", "energy_method": "codecarbon_estimate", "host": "vm", "overrides": "{}",
              "source_run": ""}
    after = {**before, "study_sha256": "b" * 64, "reference_data": json.dumps({"grid.csv": "1", "parameters.yaml": "3"}),
             "code_version": "0.1.0+def"}

    assert history.changes(before, after) == [
        "study file (sha256 aaaaaaaaaa -> bbbbbbbbbb)", "reference data parameters.yaml (changed)",
        "code (0.1.0+abc -> 0.1.0+def)",
    ]
    assert history.changes(before, before) == []


def test_a_run_already_in_the_history_is_not_added_twice_nor_changed(tmp_path):
    study = tmp_path / "digits"
    folder = _report(study, "run_1", {"baseline": 9.5})
    _record(folder, "run_1")
    first = pd.read_parquet(study / "history.parquet")
    _record(folder, "run_1")

    pd.testing.assert_frame_equal(pd.read_parquet(study / "history.parquet"), first)


def _append_in_another_process(args) -> None:
    study, run = args
    rows = [{**dict.fromkeys(history.COLUMNS, ""), "run_id": run, "completed_at": run, "scenario": "baseline",
             "score": 1.0, "mc_median": None, "mc_p2_5": None, "mc_p97_5": None, "is_reference": False}]
    history.append(Path(study), rows)


def test_concurrent_runs_append_without_losing_a_row(tmp_path):
    study = tmp_path / "digits"
    runs = [f"run_{i:02d}" for i in range(12)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_append_in_another_process, [(str(study), r) for r in runs])

    assert sorted(pd.read_parquet(study / "history.parquet")["run_id"]) == runs
    assert [p.name for p in study.iterdir() if p.name.endswith(".tmp")] == []  # no staging file left


@pytest.mark.parametrize(("score", "flag"), [(5.0, False), (2.0, False), (1.9, True), (20.1, True)])
def test_moved_means_outside_the_previous_95_percent_interval(score, flag):
    assert history.moved({"mc_p2_5": 2.0, "mc_p97_5": 20.0}, {"score": score}) is flag
    assert history.moved({"mc_p2_5": None, "mc_p97_5": None}, {"score": score}) is False
