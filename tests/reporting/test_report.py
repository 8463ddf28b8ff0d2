"""The report folder of a run: what it holds, and that it is written once."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from lca.assessment.comparison import result_rows
from lca.errors import OutputExistsError
from lca.orchestration.stages.runtimes import eager_only
from lca.records import (
    GateResult,
    ImpactScore,
    LciaResults,
    Provider,
    RuntimeCheck,
    RuntimeChoice,
    RuntimeLatency,
    RuntimeResult,
    RuntimeSweep,
    ScenarioInventory,
    StageFlow,
    StudyInventory,
)
from lca.reporting.formats import sig
from lca.reporting.run_report import summary_lines, write_report
from lca.settings import safe_name
from lca.study.impact_methods import GWP100
from lca.study.loading import load_study
from lca.uncertainty import Uncertainty
from tests.conftest import DIGITS
from tests.records_factory import bench, energy

RUN_ID = "manual__2026-11-22T04:00:00+00:00"
SPREAD = Uncertainty(distribution="lognormal", gsd=1.5, basis="test spread")
# kg CO2e per functional unit: the ML variants are ~1000x below the reference,
# so the chart needs a log axis.
SCORES = {"baseline": 0.012, "int8_dynamic": 0.008, "pruned_50": 0.010, "reference": 9.8}


def _scenario(name: str, kwh: float) -> ScenarioInventory:
    is_reference = name == "reference"
    return ScenarioInventory(
        name=name,
        label="Reference: done by people" if is_reference else f"ML: {name}",
        is_reference=is_reference,
        stages=[
            StageFlow(
                stage="human work" if is_reference else "inference",
                provider="clerk_hour" if is_reference else "it_electricity",
                amount=kwh,
                uncertainty=SPREAD,
                comment="by hand for the test",
            )
        ],
    )


@pytest.fixture
def study():
    return load_study(DIGITS)


@pytest.fixture
def inventory() -> StudyInventory:
    return StudyInventory(
        study="digits",
        run_id=RUN_ID,
        country="FRA",
        grid_kg_co2e_per_kwh=0.056039,
        grid_uncertainty=SPREAD,
        grid_source="test grid",
        functional_unit="Read one million handwritten digits from scanned forms over one year",
        items=1_000_000,
        providers=[
            Provider(
                name="it_electricity",
                label="IT",
                unit="kilowatt hour",
                electricity_kwh_per_unit=1.58,
                uncertainty=SPREAD,
                comment="PUE",
            ),
            Provider(
                name="clerk_hour",
                label="clerk",
                unit="hour",
                electricity_kwh_per_unit=0.07,
                uncertainty=SPREAD,
                comment="desktop",
            ),
        ],
        scenarios=[_scenario(name, 0.1) for name in SCORES],
    )


@pytest.fixture
def lcia() -> LciaResults:
    return LciaResults(
        study="digits",
        run_id=RUN_ID,
        scores=[ImpactScore(scenario=n, method=GWP100, unit="kg CO2-Eq", score=s) for n, s in SCORES.items()],
        brightway_project="test",
        foreground_database="test",
    )


@pytest.fixture
def reports(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "reports"
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", tmp_path.as_uri())  # reports under <root>/reports
    return root


@pytest.fixture
def write(study, inventory, lcia, reports):
    """write_report with the hand-made records; keyword overrides for one test."""

    def _write(**overrides) -> Path:
        args = dict(
            study=study,
            study_path=DIGITS,
            run_id=RUN_ID,
            inventory=inventory,
            lcia=lcia,
            benchmarks=[
                bench("baseline", 2e-9, 0.97),
                bench("int8_dynamic", 1e-9, 0.96),
                bench("pruned_50", 1.5e-9, 0.95),
            ],
            training_energy=energy("training", 0.01),
            compression_energy={
                "int8_dynamic": energy("compression:int8_dynamic", 0.001),
                "pruned_50": energy("compression:pruned_50", 0.004),
            },
            gates=[GateResult(name="dataset", success=True, failures=[], checked=133, source="dataset.csv")],
        )
        return write_report(**{**args, **overrides})

    return _write


def _csv(folder: Path) -> list[dict[str, str]]:
    with (folder / "results.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_report_goes_to_reports_study_run_with_html_csv_and_chart(write, reports):
    folder = write()

    assert folder == reports / "digits" / safe_name(RUN_ID)
    assert (folder / "report.html").is_file()
    assert (folder / "results.csv").is_file()
    assert sorted(p.name for p in folder.glob("*.png")) == ["pareto_quality_energy.png", "scores_01.png"]
    assert (folder / "scores_01.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_results_csv_has_one_row_per_scenario_and_method_and_the_reference_ratio_is_one(write):
    rows = _csv(write())

    assert [r["scenario"] for r in rows] == list(SCORES)
    assert {r["method"] for r in rows} == {" | ".join(GWP100)}
    reference = next(r for r in rows if r["is_reference"] == "True")
    assert float(reference["ratio_to_reference"]) == 1.0
    assert reference["accuracy"] == ""  # people are not benchmarked
    baseline = rows[0]
    assert float(baseline["ratio_to_reference"]) == pytest.approx(0.012 / 9.8)
    assert float(baseline["accuracy"]) == 0.97
    assert float(baseline["energy_per_item_kwh"]) == 2e-9
    assert baseline["energy_method"] == "codecarbon_estimate"


def test_the_html_links_its_files_relatively_and_cites_every_assumption(write, study):
    html = (write() / "report.html").read_text()

    assert 'src="scores_01.png"' in html and 'href="results.csv"' in html
    assert "Read one million handwritten digits" in html  # the functional unit
    assert RUN_ID in html
    assert "Assumptions and sources" in html
    assert "France" in html and "Our World in Data" in html  # grid factor: country and source
    assert "Uptime Institute" in html  # PUE source
    assert "Keystroke-Level Model" in html  # reference time per item
    assert "ENERGY STAR" in html  # reference device power
    assert "Test CPU" in html and "codecarbon_estimate" in html  # how energy was measured
    assert "lognormal, GSD 1.8" in html  # and how far to trust it
    assert "passed" in html and "dataset.csv" in html  # the data-quality gate


def test_text_from_records_is_escaped_in_the_html(write):
    hostile = bench("baseline", 2e-9).model_copy(update={"description": "<script>alert(1)</script>"})

    html = (write(benchmarks=[hostile]) / "report.html").read_text()

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_second_report_for_the_same_run_is_refused_and_the_first_is_left_intact(write):
    folder = write()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    with pytest.raises(OutputExistsError, match=str(folder)):
        write(gates=[])

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging folder left behind


def test_a_retry_with_the_same_inputs_finds_the_report_complete_and_writes_nothing(write):
    folder = write()
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}

    assert write() == folder

    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["run_id"] == RUN_ID and set(manifest["files"]) >= {"report.html", "results.csv"}


def test_a_partial_report_left_by_a_killed_attempt_is_replaced(write, reports):
    partial = reports / "digits" / safe_name(RUN_ID)
    partial.mkdir(parents=True)
    (partial / "results.csv").write_text("half")  # an object-store upload cut short: no report.html

    folder = write()

    assert folder == partial and (folder / "report.html").is_file()
    assert (folder / "results.csv").read_text() != "half"


def test_a_failed_write_leaves_neither_report_nor_staging_folder(write, reports, monkeypatch):
    def broken_chart(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("lca.reporting.run_report.write_score_charts", broken_chart)

    with pytest.raises(RuntimeError, match="disk full"):
        write()

    assert list((reports / "digits").iterdir()) == []


def test_ratios_compare_each_method_with_the_reference_of_that_method(inventory, lcia):
    other = ("EF v3.1", "climate change", "global warming potential (GWP100)")
    doubled = [
        s.model_copy(update={"method": other, "score": s.score * (4 if s.scenario == "reference" else 2)})
        for s in lcia.scores
    ]
    rows = result_rows(lcia.model_copy(update={"scores": [*lcia.scores, *doubled]}), inventory, [])

    ratios = {(r["scenario"], r["method"]): r["ratio_to_reference"] for r in rows}
    assert ratios[("baseline", " | ".join(other))] == pytest.approx(ratios[("baseline", " | ".join(GWP100))] / 2)


def test_summary_lines_give_each_scenarios_gwp100_and_ratio(lcia, inventory):
    lines = summary_lines(lcia, inventory)

    assert "GWP100" in lines[0] and "kg CO2-Eq" in lines[0]
    assert len(lines) == 1 + len(SCORES)
    assert "ML: int8_dynamic" in lines[2] and "0.008" in lines[2] and "0.000816 x reference" in lines[2]
    assert lines[-1].rstrip().endswith("reference")


def test_a_full_run_report_is_shaped_as_iso_14044_asks_with_its_tables_charts_and_export(
    bw_project, study, reports, tmp_path
):
    from lca.assessment.brightway.export import export_excel
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.lcia import compute_scores_and_stages
    from lca.assessment.characterization import method_unit
    from lca.assessment.interpretation.monte_carlo import monte_carlo
    from lca.assessment.interpretation.sensitivity import sensitivity
    from tests.bw_fixtures import FOUR_METHODS
    from tests.records_factory import digits_inventory

    inv = digits_inventory(RUN_ID)
    database = write_inventory(inv, project=bw_project)
    lcia, _ = compute_scores_and_stages(inv, database, FOUR_METHODS, project=bw_project)
    units = {m: method_unit(m) for m in FOUR_METHODS}
    mc, draws = monte_carlo(inv, FOUR_METHODS, units, 500, 1, draws_file=str(tmp_path / "mc.npz"))
    np.savez_compressed(tmp_path / "mc.npz", **draws)
    sens = sensitivity(inv, FOUR_METHODS, units, ["SWE", "POL"], 100, 1)
    xlsx = export_excel(inv, database, tmp_path / "inventory.xlsx", project=bw_project)
    names = study.variant_names()

    folder = write_report(
        study=study,
        study_path=DIGITS,
        run_id=RUN_ID,
        inventory=inv,
        lcia=lcia,
        benchmarks=[bench(n, 2e-9) for n in names],
        training_energy=energy("training", 0.02),
        compression_energy={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        gates=[],
        monte_carlo=mc,
        sensitivity=sens,
        export_path=xlsx,
    )

    html = (folder / "report.html").read_text()
    sections = [
        "1. Goal and scope",
        "2. Life cycle inventory",
        "3. Life cycle impact assessment",
        "4. Interpretation",
        "5. Recommendations",
    ]
    assert [html.index(s) for s in sections] == sorted(html.index(s) for s in sections)
    for words in (
        "System boundary",
        "Cut-offs",
        "Allocation",
        "Impact categories and methods",
        "Background data",
        "Contribution of each life-cycle stage",
        "Break-even",
        "Grid country",
        "One input at a time",
        "Limitations",
        "devices_and_office",
        "Boavizta",
        "WRI",
        "CIBSE TM46",
        "Antimony",
    ):
        assert words in html, words
    for name in (
        "contributions.csv",
        "monte_carlo.csv",
        "break_even.csv",
        "sensitivity_countries.csv",
        "tornado.csv",
        "contributions_by_source.csv",
        "inventory_brightway.xlsx",
    ):
        assert (folder / name).is_file() and f'href="{name}"' in html, name
    pngs = {p.name.split("_0")[0] for p in folder.glob("*.png")}
    assert {"contributions", "uncertainty", "break_even", "countries", "tornado", "scores"} <= pngs
    # four categories: climate change is the headline, charted in every analysis; the other three are tabled
    assert not list(folder.glob("*_02.png")) and "3 other categories" in html
    rows = _csv(folder)
    assert len(rows) == len(inv.scenarios) * 4  # one row per scenario and method
    baseline = next(r for r in rows if r["scenario"] == "baseline" and r["method"] == " | ".join(GWP100))
    assert float(baseline["mc_p2_5"]) < float(baseline["mc_median"]) < float(baseline["mc_p97_5"])
    assert 0.0 <= float(baseline["p_beats_reference"]) <= 1.0
    assert baseline["break_even_items"] != ""


SLOWER = "slower (paired sign-flip test, 6 pairs, p = 0.0312, alpha = 0.05)"


def test_a_variant_no_better_than_the_trivial_baseline_gets_a_banner_and_the_others_do_not(write):
    from lca.records import LatencyStat, TrivialBaseline, VerdictTest

    def trivial(better: bool) -> TrivialBaseline:
        return TrivialBaseline(
            name="majority class (3)",
            primary_value=0.11,
            difference=0.86 if better else 0.001,
            ci_low=0.8 if better else -0.02,
            ci_high=0.9 if better else 0.02,
            significantly_better=better,
            test="paired bootstrap over the 450 held-out items",
        )

    latency = [
        LatencyStat(
            batch_size=1,
            repeats=5,
            warmup=1,
            median_ms=1.0,
            p10_ms=0.9,
            p90_ms=1.1,
            iqr_ms=0.1,
            items_per_second=1000,
            interval_low_ms=0.95,
            interval_high_ms=1.05,
        )
    ]
    benchmarks = [
        bench("baseline", 2e-9, 0.97).model_copy(update={"trivial": trivial(True), "latency": latency}),
        bench("int8_dynamic", 1e-9, 0.96).model_copy(
            update={
                "trivial": trivial(True),
                "latency": latency,
                "speed_verdicts": {"1": "slower"},
                "speed_tests": {
                    "1": VerdictTest(verdict="slower", statement=SLOWER, p_value=0.03125, alpha=0.05, pairs=6)
                },
            }
        ),
        bench("pruned_50", 1.5e-9, 0.12).model_copy(update={"trivial": trivial(False), "latency": latency}),
    ]
    folder = write(benchmarks=benchmarks)
    html = (folder / "report.html").read_text()
    assert "WARNING: 1 variant(s) not significantly better than a trivial baseline" in html
    banner = html.split('id="quality-floor"')[1].split("</p>")[0]
    assert "<strong>pruned_50</strong>" in banner and "int8_dynamic" not in banner
    assert f'batch 1: <span class="fail">{SLOWER}</span>' in html, "each verdict states its p and alpha"
    rows = {r["scenario"]: r for r in _csv(folder)}
    assert rows["int8_dynamic"]["speed_verdicts"] == f"batch 1: {SLOWER}"


def test_no_banner_when_every_variant_beats_the_trivial_baseline(write):
    assert 'id="quality-floor"' not in (write() / "report.html").read_text()


def test_the_energy_method_is_explained_once_however_many_windows_share_it(write):
    names = [f"variant_{i}" for i in range(15)]
    folder = write(
        benchmarks=[bench(n, 1e-9 * (i + 1)) for i, n in enumerate(names)],
        compression_energy={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
    )
    html = (folder / "report.html").read_text()
    notes = html.split("How the energy was measured")[1].split("</ol>")[0]

    assert notes.count("<li>") == 1  # one note, not one paragraph per row
    assert html.count('<sup class="note">[1]</sup>') >= 30  # every window refers to it


def test_each_windows_own_figures_are_in_its_row_and_in_a_table_not_in_the_shared_note(write):
    """A real run's windows differ in their CPU seconds and memory: those figures must not make a note each."""
    names = ["baseline", "pruned_50", "int8_dynamic"]
    compression = {
        n: energy(f"compression:{n}", 0.001).model_copy(update={"method_detail": f"x {i + 7}.5 task CPU-s"})
        for i, n in enumerate(names[1:])
    }
    folder = write(benchmarks=[bench(n, 1e-9) for n in names], compression_energy=compression)
    html = (folder / "report.html").read_text()
    notes = html.split("How the energy was measured")[1].split("</ol>")[0]
    windows = {r["stage"]: r for r in csv.DictReader((folder / "energy_windows.csv").open())}

    assert "task CPU-s" not in notes and notes.count("<li>") < len(windows)
    assert "x 7.5 task CPU-s" in html and "x 8.5 task CPU-s" in html  # in each window's row on screen
    assert windows["compression:int8_dynamic"]["method_detail"] == "x 8.5 task CPU-s"


def test_the_report_opens_with_the_summary_and_a_table_of_contents_and_folds_its_details(write):
    html = (write() / "report.html").read_text()

    body = html[html.index("<body>") :]
    assert body.index('id="in-short"') < body.index('<nav class="toc"') < body.index('id="goal-and-scope"')
    for anchor in (
        "goal-and-scope",
        "inventory",
        "impact-assessment",
        "interpretation",
        "recommendations",
        "energy",
        "assumptions",
    ):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html, anchor
    for section in ("energy-per-stage", "full-inventory", "assumptions"):
        assert f'<details id="{section}"' in html, section
    assert "@media print" in html and "details::details-content" in html
    page = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)  # the markup, not the charts' JavaScript
    assert page.count('<div class="table-scroll') == page.count("<table")  # every table scrolls in its own box


def test_a_reassessment_says_so_with_its_source_run_and_overrides(write):
    whatif = {
        "source_run": "manual__2026-11-01",
        "overrides": [{"path": "deployment.country", "value": "SE", "original": "FR"}],
    }
    html = (write(whatif=whatif) / "report.html").read_text()

    assert "What-if reassessment" in html and "manual__2026-11-01" in html
    assert "<code>deployment.country</code> = <code>SE</code> (study file: <code>FR</code>)" in html
    assert "What-if reassessment" not in (write(run_id="manual__other") / "report.html").read_text()


def test_what_must_succeed_runs_on_the_built_folder_before_publishing_and_its_failure_publishes_nothing(write, reports):
    """The report stage updates the study's history there (lca.orchestration.stages.report)."""

    def broken_history(folder: Path) -> None:
        raise ValueError("reports/digits/history.parquet: unreadable")

    with pytest.raises(ValueError, match="history.parquet"):
        write(before_publish=broken_history)
    assert not list(reports.rglob("report.html"))
    assert [p.name for p in reports.rglob("*") if p.name.startswith(".")] == []  # no staging folder either

    seen = []
    folder = write(before_publish=lambda built: seen.append(sorted(p.name for p in built.iterdir())))
    assert "results.csv" in seen[0] and "report.html" in seen[0]  # the whole folder, before it is published
    assert (folder / "report.html").is_file()


def test_a_what_if_report_says_its_energy_was_reused_and_how_its_results_moved_from_the_source_run(
    write, inventory, lcia
):
    source = write(run_id="manual__source")  # the run whose measurements the what-if reuses
    cheaper = lcia.model_copy(update={"scores": [s.model_copy(update={"score": s.score * 0.96}) for s in lcia.scores]})
    whatif = {
        "source_run": "manual__source",
        "overrides": [{"path": "deployment.country", "value": "SE", "original": "FR"}],
    }

    html = (write(run_id="manual__what_if", lcia=cheaper, whatif=whatif) / "report.html").read_text()

    assert "Energy reused from run manual__source" in html and "measured in this run" not in html
    baseline = next(r for r in _csv(source) if r["scenario"] == "baseline" and "GWP100" in r["method"])
    before = float(baseline["score"])
    assert f"uncompressed model {sig(before)} &rarr; {sig(before * 0.96)}" in html and "\u22124 %" in html
    assert '<a href="../manual__source/report.html">Report of run manual__source</a>' in html


def test_after_a_what_if_on_the_functional_unit_its_description_is_marked_as_the_study_files(write, study):
    bigger = study.model_copy(
        update={"functional_unit": study.functional_unit.model_copy(update={"items": 10_000_000})}
    )
    whatif = {
        "source_run": None,
        "overrides": [{"path": "functional_unit.items", "value": "10000000", "original": "1000000"}],
    }

    html = (write(study=bigger, whatif=whatif) / "report.html").read_text()
    plain = (write(run_id="manual__plain") / "report.html").read_text()

    assert "<strong>10,000,000 &times; handwritten digit over 1 year</strong>" in html
    assert (
        f"the study file describes its functional unit as\n  &ldquo;{study.functional_unit.description}&rdquo;" in html
    )
    assert f"<strong>{study.functional_unit.description}</strong>" in plain and "what-if value" not in plain


def test_the_console_summary_states_the_functional_unit_from_its_figures_after_a_what_if(lcia, inventory):
    lines = summary_lines(lcia, inventory, {"functional_unit.items": inventory.items})

    assert lines[0].endswith(
        f"for: {inventory.items:,} items (what-if; the study file describes: {inventory.functional_unit})"
    )
    assert summary_lines(lcia, inventory)[0].endswith(f"for: {inventory.functional_unit}")


def test_every_table_of_the_report_downloads_as_one_excel_workbook_with_numbers_as_numbers(write):
    from openpyxl import load_workbook

    folder = write()
    book = load_workbook(folder / "tables.xlsx")

    assert book.sheetnames[0] == "results"
    assert {p.stem for p in folder.glob("*.csv")} == set(book.sheetnames)
    sheet = book["results"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]]))
    assert isinstance(first["score"], float) and first["scenario"] == _csv(folder)[0]["scenario"]
    assert 'href="tables.xlsx"' in (folder / "report.html").read_text()


def test_each_chart_is_interactive_from_one_inline_script_that_fetches_nothing_and_its_png_stays_for_print(write):
    folder = write()
    html = (folder / "report.html").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())

    assert re.findall(r"<script\b[^>]*\bsrc\s*=", html) == []  # nothing fetched, from a CDN or anywhere
    assert html.count('<script id="lca-charts">') == 1  # the libraries once per report, not once per chart
    specs = re.findall(r'<script type="application/json" class="lca-vega">(.*?)</script>', html, re.S)
    pngs = re.findall(r'<figure class="chart-figure[^"]*"><img class="chart" src="([^"]+)"', html)
    assert len(specs) == len(pngs) == len(list(folder.glob("*.png"))) >= 2  # the scores and the Pareto chart
    titles = [" ".join(json.loads(s)["title"]["text"]) for s in specs]
    assert " | ".join(GWP100) in titles and any(t.startswith("Quality vs energy") for t in titles)
    script = html.split('<script id="lca-charts">', 1)[1].split("</script>", 1)[0]
    # what the Airflow plugin's CSP lets run in this report: this script, by its hash, and nothing else
    assert manifest["scripts_sha256"] == [base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()]


# --- every variant in every runtime (lca.reporting.runtimes_section) ---

ONNX_CANNOT = "torchao dynamic int8 (quantize_) stores weights as int8 tensor subclasses"


def _timed(median: float) -> list[RuntimeLatency]:
    return [
        RuntimeLatency(
            batch_size=512,
            threads=1,
            repeats=30,
            median_ms=median,
            interval_low_ms=median * 0.9,
            interval_high_ms=median * 1.1,
        )
    ]


def _check() -> RuntimeCheck:
    return RuntimeCheck(
        reference="eager",
        tolerance_kind="float",
        n_items=450,
        max_abs_difference=1e-6,
        changed_items=0,
        primary_metric="accuracy",
        changed_predictions=0,
        loss_p2_5=0.0,
        loss_p97_5=0.0,
        reference_value=0.97,
        runtime_value=0.97,
        loss=0.0,
        tolerance="float",
        passed=True,
        verdict="same predictions as eager",
    )


def _sweep(variant: str, onnx: RuntimeResult, deployed: str, why: str) -> RuntimeSweep:
    eager = RuntimeResult(variant=variant, runtime="eager", supported=True, reason="", latency=_timed(10.0))
    choice = RuntimeChoice(
        variant=variant, requested="fastest", runtime=deployed, batch_size=512, threads=1, reason=why
    )
    return RuntimeSweep(variant=variant, rows=[eager, onnx], choice=choice)


def _sweeps() -> list[RuntimeSweep]:
    exported = RuntimeResult(
        variant="baseline",
        runtime="onnxruntime",
        supported=True,
        reason="exported",
        preparation_s=2.2,
        check=_check(),
        latency=_timed(3.6),
        artefact="abc.onnx",
    )
    refused = RuntimeResult(variant="int8_dynamic", runtime="onnxruntime", supported=False, reason=ONNX_CANNOT)
    return [
        _sweep("baseline", exported, "onnxruntime", "fastest within tolerance"),
        _sweep("int8_dynamic", refused, "eager", "no other runtime is significantly faster"),
    ]


def test_a_variant_a_runtime_cannot_run_is_a_not_supported_row_with_its_reason(write):
    folder = write(runtime_sweeps=_sweeps())

    html = (folder / "report.html").read_text()
    assert "Every variant in every runtime" in html
    assert f"<strong>not supported</strong>: {ONNX_CANNOT}" in html
    with (folder / "runtime_sweep.csv").open(newline="") as fh:
        rows = {(r["variant"], r["runtime"]): r for r in csv.DictReader(fh)}
    assert set(rows) == {(v, r) for v in ("baseline", "int8_dynamic") for r in ("eager", "onnxruntime")}
    refused = rows["int8_dynamic", "onnxruntime"]
    assert refused["supported"] == "False" and refused["not_supported_reason"] == ONNX_CANNOT
    assert refused["latency_ms_median"] == "" and refused["deployed"] == "False"
    exported = rows["baseline", "onnxruntime"]
    assert exported["deployed"] == "True" and float(exported["latency_ms_median"]) == 3.6
    assert exported["predictions_vs_eager"] == "same predictions as eager"
    assert rows["int8_dynamic", "eager"]["deployed"] == "True"


def test_a_study_run_in_eager_alone_has_no_runtime_table(write):
    folder = write(runtime_sweeps=[eager_only("baseline", "eager", 512)])

    assert "Every variant in every runtime" not in (folder / "report.html").read_text()
    assert not (folder / "runtime_sweep.csv").exists()


def test_a_variant_benchmarked_from_the_runtimes_tasks_artefact_says_so_and_how_long_it_took_to_load(write):
    deployed = bench("baseline", 2e-9, 0.97).model_copy(
        update={"runtime": "compiled", "runtime_artefact_reused": True, "runtime_load_s": 2.5}
    )
    again = bench("pruned_50", 1.5e-9, 0.95).model_copy(
        update={"runtime": "compiled", "runtime_artefact_reused": False, "runtime_load_s": 40.0}
    )

    html = (write(benchmarks=[deployed, again]) / "report.html").read_text()

    assert "loaded from the runtimes task&#39;s artefact in 2.5 s" in html
    assert "prepared again (no reusable artefact) in 40 s" in html
