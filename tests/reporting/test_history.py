"""A study's history: one row per run, scenario and category; safe appends; flags and input diffs."""

from __future__ import annotations

import csv
import json
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from lca.reporting import history, history_page
from lca.reporting.history_page import compared_runs
from lca.storage import ArtifactStore, store_root
from tests.conftest import DIGITS

FIELDS = [
    "scenario",
    "label",
    "is_reference",
    "method",
    "unit",
    "score",
    "energy_method",
    "mc_median",
    "mc_p2_5",
    "mc_p97_5",
]
GWP = "IPCC 2021 | climate change | global warming potential (GWP100)"


def _report(store: ArtifactStore, run: str, scores: dict[str, float], spread: float = 2.0) -> str:
    """A finished report folder as lca.reporting.run_report publishes it (only results.csv matters here); its key."""
    folder = store.path(f"reports/digits/{run}")
    folder.mkdir(parents=True)
    with (folder / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for name, score in scores.items():
            writer.writerow(
                {
                    "scenario": name,
                    "label": f"ML: {name}" if name != "reference" else "Reference",
                    "is_reference": name == "reference",
                    "method": GWP,
                    "unit": "kg CO2-Eq",
                    "score": score,
                    "energy_method": "" if name == "reference" else "codecarbon_estimate",
                    "mc_median": score,
                    "mc_p2_5": score / spread,
                    "mc_p97_5": score * spread,
                }
            )
    (folder / "report.html").write_text("<html></html>")
    return f"reports/digits/{run}"


def _record(store: ArtifactStore, key: str, run: str, **kwargs) -> Path:
    """What the report stage does before publishing: record the run from its (local) results.csv."""
    page = history.record_run(
        store.path(key) / "results.csv",
        study_name="digits",
        study_path=DIGITS,
        run_id=run,
        run_folder=key.rsplit("/", 1)[-1],
        store=store,
        **kwargs,
    )
    return store.path(page)


@pytest.fixture
def store(tmp_path) -> ArtifactStore:
    return ArtifactStore(tmp_path)


def test_two_runs_give_two_points_per_scenario_and_a_page_linking_both_reports(store):
    study = store.path("reports/digits")
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(store, _report(store, "run_2", {"baseline": 9.7, "reference": 90.0}), "run_2")

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


def test_a_result_outside_the_previous_interval_is_flagged_and_the_changed_inputs_named(store):
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(
        store,
        _report(store, "run_2", {"baseline": 40.0, "reference": 91.0}),
        "run_2",
        source_run="run_1",
        overrides={"deployment.country": "PL"},
    )

    runs = compared_runs(history.load(store, "digits"))
    assert runs[0]["compared_with"] == "" and runs[0]["flagged"] == []
    assert runs[1]["flagged"] == ["ML: baseline (global warming potential (GWP100)): 9.5 -> 40"]
    assert "overrides (none -> deployment.country=PL)" in runs[1]["changes"]
    assert "measurements reused from run_1" in runs[1]["changes"]
    assert "moved beyond the base run" in page.read_text()


def test_changes_name_the_reference_data_file_the_study_file_and_the_code():
    before = {
        "study_sha256": "a" * 64,
        "reference_data": json.dumps({"grid.csv": "1", "parameters.yaml": "2"}),
        "code_version": "0.1.0+abc",
        "energy_method": "codecarbon_estimate",
        "host": "vm",
        "overrides": "{}",
        "source_run": "",
    }
    after = {
        **before,
        "study_sha256": "b" * 64,
        "reference_data": json.dumps({"grid.csv": "1", "parameters.yaml": "3"}),
        "code_version": "0.1.0+def",
    }

    assert history_page.changes(before, after) == [
        "study file (sha256 aaaaaaaaaa -> bbbbbbbbbb)",
        "reference data parameters.yaml (changed)",
        "code (0.1.0+abc -> 0.1.0+def)",
    ]
    assert history_page.changes(before, before) == []


def test_a_run_already_in_the_history_is_not_added_twice_nor_changed(store):
    study = store.path("reports/digits")
    key = _report(store, "run_1", {"baseline": 9.5})
    _record(store, key, "run_1")
    first = pd.read_parquet(study / "history.parquet")
    _record(store, key, "run_1")

    pd.testing.assert_frame_equal(pd.read_parquet(study / "history.parquet"), first)


def _rows(run: str) -> list[dict]:
    return [
        {
            **dict.fromkeys(history.COLUMNS, ""),
            "run_id": run,
            "completed_at": run,
            "scenario": "baseline",
            "method": GWP,
            "unit": "kg CO2-Eq",
            "score": 1.0,
            "mc_median": None,
            "mc_p2_5": None,
            "mc_p97_5": None,
            "is_reference": False,
            "reference_data": "{}",
            "overrides": "{}",
        }
    ]


def _append_in_another_process(args) -> None:
    root, run = args
    store = ArtifactStore(Path(root))
    history.append(store, "digits", _rows(run))
    history.rebuild(store, "digits")


def test_concurrent_runs_append_and_rebuild_without_losing_a_row(tmp_path):
    runs = [f"run_{i:02d}" for i in range(8)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_append_in_another_process, [(str(tmp_path), r) for r in runs])

    study = tmp_path / "reports" / "digits"
    assert sorted(pd.read_parquet(study / "history.parquet")["run_id"]) == runs
    assert [p.name for p in study.rglob("*") if p.name.endswith(".tmp")] == []  # no staging file left


def test_on_an_object_store_each_run_is_its_own_object_and_the_table_holds_them_all(tmp_path):
    import uuid

    bucket = ArtifactStore(store_root(f"memory://history-{uuid.uuid4().hex[:8]}"))
    for run in ("run_1", "run_2"):
        history.append(bucket, "digits", _rows(run))
    history.append(bucket, "digits", [{**_rows("run_1")[0], "score": 99.0}])  # a retry: kept as first stored
    page = history.rebuild(bucket, "digits")

    assert bucket.list_files("reports/digits/.history") == [
        "reports/digits/.history/run_1.parquet",
        "reports/digits/.history/run_2.parquet",
    ]
    table = pd.read_parquet(bucket.get("reports/digits/history.parquet", tmp_path / "h.parquet"))
    assert table[["run_id", "score"]].values.tolist() == [["run_1", 1.0], ["run_2", 1.0]]
    assert 'href="history.parquet"' in bucket.read_text(page)


def test_a_table_written_before_the_per_run_objects_keeps_its_runs(store, tmp_path):
    legacy = pd.DataFrame(_rows("run_0"), columns=list(history.COLUMNS))
    folder = store.path("reports/digits")
    folder.mkdir(parents=True)
    legacy.to_parquet(folder / "history.parquet", index=False)
    history.append(store, "digits", _rows("run_1"))
    history.rebuild(store, "digits")

    assert list(pd.read_parquet(folder / "history.parquet")["run_id"]) == ["run_0", "run_1"]


@pytest.mark.parametrize(("score", "flag"), [(5.0, False), (2.0, False), (1.9, True), (20.1, True)])
def test_moved_means_outside_the_previous_95_percent_interval(score, flag):
    assert history_page.moved({"mc_p2_5": 2.0, "mc_p97_5": 20.0}, {"score": score}) is flag
    assert history_page.moved({"mc_p2_5": None, "mc_p97_5": None}, {"score": score}) is False


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_history_table_heals_from_the_per_run_objects_with_a_warning_naming_its_key(store, caplog, damage):
    study = store.path("reports/digits")
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    table = study / "history.parquet"
    whole = table.read_bytes()
    table.write_bytes({"truncated": whole[: len(whole) // 2], "garbage": b"PAR1 not a table", "empty": b""}[damage])

    with caplog.at_level("WARNING", logger="lca.reporting.history"):
        page = _record(store, _report(store, "run_2", {"baseline": 9.7, "reference": 90.0}), "run_2")

    assert sorted(set(pd.read_parquet(table)["run_id"])) == ["run_1", "run_2"]  # healed: both runs
    assert "'reports/digits/history.parquet' is unreadable" in caplog.text
    assert "rebuilt from the per-run objects" in caplog.text
    assert "history_load" not in caplog.text  # the key, not the scratch copy
    html = page.read_text()
    assert 'href="run_1/report.html"' in html and 'href="run_2/report.html"' in html


def test_a_missing_history_table_and_charts_are_rebuilt_by_the_next_run(store):
    study = store.path("reports/digits")
    _record(store, _report(store, "run_1", {"baseline": 9.5}), "run_1")
    for derived in ("history.parquet", "history_01.png", "history.html"):
        (study / derived).unlink()

    _record(store, _report(store, "run_2", {"baseline": 9.7}), "run_2")

    assert sorted(set(pd.read_parquet(study / "history.parquet")["run_id"])) == ["run_1", "run_2"]
    assert (study / "history_01.png").read_bytes()[:4] == b"\x89PNG" and (study / "history.html").is_file()


def test_an_unreadable_run_object_is_left_out_with_a_warning_instead_of_failing_every_later_run(store, caplog):
    study = store.path("reports/digits")
    _record(store, _report(store, "run_1", {"baseline": 9.5}), "run_1")
    (study / ".history" / "run_1.parquet").write_bytes(b"truncated")

    with caplog.at_level("WARNING", logger="lca.reporting.history"):
        _record(store, _report(store, "run_2", {"baseline": 9.7}), "run_2")

    assert "'reports/digits/.history/run_1.parquet' is unreadable" in caplog.text
    assert set(pd.read_parquet(study / "history.parquet")["run_id"]) >= {"run_2"}


def test_rows_a_failed_report_left_in_the_table_are_dropped_by_the_next_rebuild(store):
    """The report stage takes a run's object out again when it publishes nothing (lca.orchestration.stages.report)."""
    study = store.path("reports/digits")
    _record(store, _report(store, "run_1", {"baseline": 9.5}), "run_1")
    _record(store, _report(store, "run_2", {"baseline": 9.7}), "run_2")  # then its report failed to publish:
    history.forget(store, "digits", "run_2")

    _record(store, _report(store, "run_3", {"baseline": 9.8}), "run_3")

    assert sorted(set(pd.read_parquet(study / "history.parquet")["run_id"])) == ["run_1", "run_3"]


def test_a_measured_run_after_a_what_if_is_compared_with_the_last_measured_run_not_the_what_if(store):
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    _record(
        store,
        _report(store, "run_2", {"baseline": 40.0, "reference": 91.0}),
        "run_2",
        source_run="run_1",
        overrides={"deployment.country": "PL"},
    )
    page = _record(store, _report(store, "run_3", {"baseline": 9.6, "reference": 91.0}), "run_3")

    runs = {r["run_id"]: r for r in compared_runs(history.load(store, "digits"))}
    assert runs["run_2"]["compared_with"] == "run_1" and runs["run_2"]["what_if"]
    assert runs["run_3"]["compared_with"] == "run_1" and runs["run_3"]["flagged"] == []  # not "undoing" run_2
    assert runs["run_3"]["changes"] == []  # same study file, reference data, code and host as run_1
    assert "its source run <code>run_1</code>" in page.read_text()


def test_a_what_if_on_the_functional_unit_is_marked_and_never_flagged_against_another_unit(store):
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(
        store,
        _report(store, "run_2", {"baseline": 95.0, "reference": 910.0}),
        "run_2",
        source_run="run_1",
        overrides={"functional_unit.items": 10_000_000},
    )

    what_if = compared_runs(history.load(store, "digits"))[1]
    assert what_if["functional_unit_changed"] and not what_if["comparable"] and what_if["flagged"] == []
    assert "other functional unit: scores not comparable" in page.read_text()


def test_the_history_has_a_csv_and_a_table_of_the_charted_numbers_beside_the_parquet(store):
    _record(store, _report(store, "run_1", {"baseline": 9.5, "reference": 91.0}), "run_1")
    page = _record(store, _report(store, "run_2", {"baseline": 9.7, "reference": 90.0}), "run_2", source_run="run_1")

    table = pd.read_csv(store.path("reports/digits/history.csv"))
    assert len(table) == 4 and list(table["what_if"]) == [False, False, True, True]
    assert set(table[table["run_id"] == "run_2"]["compared_with"]) == {"run_1"}
    html = page.read_text()
    assert 'href="history.csv"' in html and "<summary>The numbers</summary>" in html
    assert '<td class="num">9.7<br><span class="small">4.85&ndash;19.4</span></td>' in html
