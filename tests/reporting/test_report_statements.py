"""What every report states about how its comparison is framed and how far its figures go (issues 18 and 19).

One report is built from the digits study's inventory with hand-made measurements
(tests/records_factory.py) and deterministic scores from the assessment's own engine;
each test reads that report and fails if its statement is missing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from markupsafe import escape

from lca.assessment.characterization import method_unit
from lca.assessment.engine import compile_model, deterministic
from lca.assessment.inventory import build_inventory
from lca.assessment.rebound import rebound_rows
from lca.records import BatchEnergy, ImpactScore, LatencyStat, LciaResults, RoutingOutcome, StageScore
from lca.reporting.run_report import write_report
from lca.study.loading import load_study
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import DIGITS
from tests.records_factory import bench, energy

RUN_ID = "manual__2026-12-01T00:00:00+00:00"


def _study():
    """The digits study as written (its rebound declared), with the office boundary."""
    study = load_study(DIGITS)
    return study.model_copy(update={"lca": study.lca.model_copy(update={"system_boundary": "devices_and_office"})})


def _routing(rule: str, i: int) -> RoutingOutcome:
    perfect = rule == "expected_errors"
    return RoutingOutcome(
        rule=rule,
        perfect_detector=perfect,
        threshold=None if perfect else 0.9 + 0.01 * i,
        basis="exactly the wrong test items" if perfect else "chosen on 270 validation items",
        target_error_rate=0.005,
        human_error_rate=0.005,
        n_test=450,
        routed_fraction=0.01 * (i + 1),
        delivered_error_rate=0.004 + 0.001 * i,
        delivered_error_interval=(0.001, 0.012 + 0.001 * i),
        meets_target=True,
    )


def _benchmarks(study):
    return [
        bench(n, 2e-9 / (i + 1), accuracy=0.99 - 0.01 * i).model_copy(
            update={"routing": _routing(study.routing.rule, i), "routed_fraction": 0.01 * (i + 1)}
        )
        for i, n in enumerate(study.variant_names())
    ]


def _training():
    return energy("training", 0.02, duration_s=40.0)


def _compression(study):
    return {n: energy(f"compression:{n}", 0.001 * (i + 1)) for i, n in enumerate(study.variant_names()[1:])}


def _inventory(study=None, benchmarks=None, training=None, compression=None):
    study = study or _study()
    return build_inventory(
        study,
        RUN_ID,
        training=training or _training(),
        compression=compression or _compression(study),
        benchmarks={b.variant: b for b in benchmarks or _benchmarks(study)},
    )


def _lcia(inv) -> LciaResults:
    """Stage and scenario scores as the LCIA task writes them, from the engine's deterministic evaluation."""
    model = compile_model(inv, FOUR_METHODS)
    stage_scores = deterministic(model)[:, :, 0]
    stages, totals = [], {}
    for i, (s, stage, *_rest) in enumerate(model.stages):
        for j, method in enumerate(model.methods):
            name = model.scenario_names[s]
            stages.append(
                StageScore(
                    scenario=name, stage=stage, method=method, unit=method_unit(method), score=stage_scores[i, j]
                )
            )
            totals[(name, method)] = totals.get((name, method), 0.0) + float(stage_scores[i, j])
    scores = [ImpactScore(scenario=n, method=m, unit=method_unit(m), score=v) for (n, m), v in totals.items()]
    return LciaResults(
        study=inv.study, run_id=inv.run_id, brightway_project="-", foreground_database="-", scores=scores, stages=stages
    )


def _write(folder_root: Path, **overrides) -> Path:
    study = overrides.pop("study", None) or _study()
    benchmarks = overrides.pop("benchmarks", None) or _benchmarks(study)
    training = overrides.pop("training_energy", None) or _training()
    compression = overrides.pop("compression_energy", None) or _compression(study)
    inv = _inventory(study, benchmarks, training, compression)
    lcia = _lcia(inv)
    args = dict(
        study=study,
        study_path=DIGITS,
        run_id=RUN_ID,
        inventory=inv,
        lcia=lcia,
        benchmarks=benchmarks,
        training_energy=training,
        compression_energy=compression,
        gates=[],
        rebound=rebound_rows(inv, lcia),
    )
    return write_report(**{**args, **overrides})


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_ARTIFACT_ROOT", root.as_uri())
        return _write(root)


@pytest.fixture(scope="module")
def html(report) -> str:
    return (report / "report.html").read_text()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _section(html: str, anchor: str) -> str:
    """The report from the heading with ``id=anchor`` to the next heading of that level or higher."""
    start = html.index(f'id="{anchor}"')
    ends = [i for i in (html.find("<h2", start), html.find("<h3", start)) if i != -1]
    return html[start : min(ends) if ends else len(html)]


def test_goal_and_scope_states_the_framework_and_the_serving_mode(html):
    inv = _inventory()
    scope = html[html.index('id="goal-and-scope"') : html.index('id="inventory"')]

    assert inv.framework_statement.startswith("Framework: attributional")
    assert escape(inv.framework_statement) in scope
    assert inv.serving_statement and escape(inv.serving_statement) in scope


def test_the_rebound_scenario_stands_beside_the_main_result_with_its_basis(html, report):
    inv = _inventory()
    part = _section(html, "rebound")
    rows = _csv(report / "rebound.csv")

    assert html.index('id="impact-assessment"') < html.index('id="rebound"') < html.index('id="interpretation"')
    assert inv.rebound is not None and escape(inv.rebound.basis.split(" Elasticity")[0]) in part
    assert {r["scenario"] for r in rows} == set(load_study(DIGITS).variant_names())
    baseline = next(r for r in rows if r["scenario"] == "baseline" and r["method"].startswith("IPCC 2021"))
    assert float(baseline["rebound_score"]) > float(baseline["score"])  # the extra items cost something
    assert 'href="rebound.csv"' in part


def test_the_data_quality_table_shows_every_reference_figure_in_html_and_csv(html, report):
    inv = _inventory()
    rows = _csv(report / "dqi.csv")
    part = _section(html, "data-quality")

    assert [r["label"] for r in rows] == [d.label for d in inv.dqi] and rows
    assert any(r["judgement"] == "True" for r in rows) and any(r["reliability"] for r in rows)
    for d in inv.dqi:
        assert f"<code>{d.label}</code>" in part, d.label
    assert 'href="dqi.csv"' in part and "<strong>judgement</strong>" in part


def test_what_to_pin_down_first_names_the_judgement_inputs(html):
    inv = _inventory()
    part = html[html.index('<section id="recommendations">') :]
    pin = part[part.index("What to pin down first") :].split("</li>")[0]

    assert inv.judgement_inputs
    for field in inv.judgement_inputs:
        assert f"&#39;{field}&#39;" in pin, field


def test_every_report_states_the_routing_rule_and_the_delivered_error_rate_of_both_sides(html):
    part = _section(html, "routing")

    assert "Routing rule <code>confidence</code>" in part
    assert "delivered error rate" in part and "0.5 %" in part  # the reference's: human_error_rate_key_digit
    assert "0.4 % [0.1&ndash;1.2 %]" in part  # the baseline's, with its 95 % interval
    assert "chosen on 270 validation items" in part
    assert "perfect detector" not in html  # nothing here is a bound


@pytest.fixture(scope="module")
def perfect_report(tmp_path_factory) -> Path:
    study = _study()
    study = study.model_copy(update={"routing": study.routing.model_copy(update={"rule": "expected_errors"})})
    root = tmp_path_factory.mktemp("perfect")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_ARTIFACT_ROOT", root.as_uri())
        return _write(root, study=study)


def test_a_perfect_detector_result_is_labelled_a_bound_wherever_it_appears(perfect_report):
    html = (perfect_report / "report.html").read_text()
    rows = _csv(perfect_report / "results.csv")
    in_short = html[html.index('id="in-short"') : html.index('<nav class="toc"')]

    ml = [r for r in rows if r["is_reference"] == "False"]
    assert ml and all(r["perfect_detector"] == "True" for r in ml)
    assert all(r["label"].endswith("(perfect detector (a bound))") for r in ml)
    assert all(r["perfect_detector"] == "" for r in rows if r["is_reference"] == "True")
    assert "perfect detector (a bound)" in in_short
    assert "ML: baseline (perfect detector (a bound))" in html[html.index('id="impact-assessment"') :]
    assert "Routing rule <code>expected_errors</code>" in _section(html, "routing")


def _attributed(record, contaminated: bool = False):
    from lca.records import Attribution

    return record.model_copy(
        update={
            "method": "cpu_power_model",
            "attribution": Attribution(
                samples=20,
                task_cpu_s=8.0,
                task_rss_gb_mean=0.4,
                cpu_w_per_thread=4.0,
                cpu_source="include/data/cpu_power.csv: Test CPU",
                ram_w_per_gb=0.375,
                ram_source="cited W/GB",
                contaminated=contaminated,
            ),
        }
    )


_LATENCY = LatencyStat(
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


_SWEEP = [
    BatchEnergy(
        batch_size=size,
        kwh_per_item=kwh,
        items_per_second=100.0 * size,
        windows=2,
        resolved=True,
        resolution="+/-5.0% (95 %) over 2 windows, within +/-20%",
        method="cpu_power_model",
        booked=size == 64,
    )
    for size, kwh in ((1, 8e-9), (64, 2e-9), (256, 1.5e-9))
]


@pytest.fixture(scope="module")
def measured_report(tmp_path_factory) -> Path:
    """Attributed energy throughout; one benchmark unresolved (an upper bound), one window contaminated."""
    study = _study()
    benchmarks = _benchmarks(study)
    benchmarks = [
        b.model_copy(
            update={
                "energy": _attributed(b.energy, contaminated=i == 2),
                "energy_resolved": i != 1,
                "energy_bound": "upper" if i == 1 else None,
                "energy_contaminated": i == 2,
                "energy_verdict": "significantly higher energy" if i == 1 else None,
                "latency": [_LATENCY],
                "energy_by_batch": _SWEEP if i == 0 else [],
            }
        )
        for i, b in enumerate(benchmarks)
    ]
    names = study.variant_names()
    root = tmp_path_factory.mktemp("measured")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_ARTIFACT_ROOT", root.as_uri())
        return _write(
            root,
            study=study,
            benchmarks=benchmarks,
            training_energy=_attributed(energy("training", 0.02, duration_s=40.0)),
            compression_energy={
                n: _attributed(energy(f"compression:{n}", 0.001 * (i + 1))) for i, n in enumerate(names[1:])
            },
        )


def test_the_report_names_the_energy_source_of_each_measured_stage(measured_report):
    html = (measured_report / "report.html").read_text()
    part = html[html.index('id="energy-sources"') : html.index("</table>", html.index('id="energy-sources"'))]

    assert "cited power model (no counters)" in part
    assert "include/data/cpu_power.csv: Test CPU" in part
    for stage in ("training", "compression:", "inference:baseline"):
        assert stage in part, stage


def test_an_energy_sweep_over_batch_sizes_is_shown_with_the_batch_size_booked(measured_report, html):
    report = (measured_report / "report.html").read_text()
    part = _section(report, "energy-by-batch")

    assert "The LCA books batch size 64 (benchmark.batch_size): 2e-09 kWh/item" in part
    assert "batch size 256 measured 1.5e-09 kWh/item, 25 % less" in part
    assert "64 (booked)" in part and part.count("<tr>") == 4  # header and three batch sizes
    assert 'id="energy-by-batch"' not in html, "no sweep declared: no section"


def test_an_unresolved_figure_is_an_upper_bound_with_no_energy_verdict(measured_report):
    html = (measured_report / "report.html").read_text()
    unresolved = load_study(DIGITS).variant_names()[1]
    variants = html[html.index('id="model-variants"') :]
    row = variants[variants.index(f"<strong>{unresolved}</strong>") :].split("</tr>")[0]

    assert '<span class="fail">upper bound</span>' in row
    assert "significantly higher energy" not in html
    assert "upper bound: no verdict" in html


def test_in_short_and_the_limitations_say_which_windows_were_contaminated_or_unresolved(measured_report):
    html = (measured_report / "report.html").read_text()
    names = load_study(DIGITS).variant_names()
    in_short = html[html.index('id="in-short"') : html.index('<nav class="toc"')]
    limitations = _section(html, "limitations")

    for part in (in_short, limitations):
        assert f"inference:{names[2]}" in part and "could not be separated from other" in part
        assert f"Inference energy of {names[1]} was not resolved" in part


def test_every_report_states_whether_measured_energy_can_change_a_conclusion(html, measured_report):
    in_short = html[html.index('id="in-short"') : html.index('<nav class="toc"')]

    assert "Measured energy (data preparation, training, compression, inference) makes up " in in_short
    assert "&#39;uncompressed model&#39; " in in_short and " % of each ML score" in in_short
    assert "no energy figure measured here can change a conclusion of this study" in in_short


def test_the_idle_power_limitation_is_stated_only_for_whole_machine_figures(html, measured_report):
    stale = "includes the machine&#39;s idle power during the window"
    attributed = (measured_report / "report.html").read_text()

    assert stale in _section(html, "limitations")  # CodeCarbon's whole-machine estimate
    assert stale not in attributed and "differently from the benchmark window." in _section(attributed, "limitations")


def test_a_flag_on_a_few_windows_names_them_and_on_many_counts_them_and_points_at_the_table():
    """On a shared host every window can be contended: 24 stage names in one warning filled a printed page."""
    from lca.reporting.energy_section import LISTED_STAGES, contended_warning

    def rows(n: int, of: int) -> list[dict]:
        return [{"stage": f"inference:v{i}", "contended": i < n} for i in range(of)]

    few = contended_warning(rows(2, 26), [])
    assert few.startswith("Energy of 2 windows (inference:v0, inference:v1) was measured beside")
    many = contended_warning(rows(LISTED_STAGES + 20, 26), [])
    assert many.startswith(f'Energy of {LISTED_STAGES + 20} of 26 windows (marked "contended" in the table below)')
    assert "inference:v0" not in many
    assert contended_warning(rows(0, 26), []) == ""
