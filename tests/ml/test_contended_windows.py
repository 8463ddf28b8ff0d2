"""Contended windows: measured again a bounded number of times, then kept, flagged and widened both ways, and the
flag and the widened interval reach the benchmark record, results.csv, the benchmark table, the report and the LCA."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from lca.limits import MAX_CONTENDED_REMEASURES, MAX_ENERGY_REMEASURES
from lca.records import Attribution, VariantBenchmark
from tests.records_factory import bench, energy


def _attribution(divisor: float = 1.0, contended: bool = False, foreign_cpu_s: float = 0.0) -> Attribution:
    return Attribution(
        samples=10,
        task_cpu_s=10.0,
        machine_busy_cpu_s=10.0 + foreign_cpu_s,
        foreign_cpu_s=foreign_cpu_s,
        task_rss_gb_mean=0.2,
        cpu_source="test CPU figure",
        contention_divisor=divisor,
        contended=contended,
    )


def _window(kwh_per_item: float, divisor: float = 1.0, items: int = 1000):
    record = energy("inference:v", kwh_per_item * items, items=items)
    return record.model_copy(
        update={
            "method": "cpu_power_model_family",
            "attribution": _attribution(divisor, divisor > 1.0, 10.0 if divisor > 1.0 else 0.0),
        }
    )


def _series(monkeypatch, contended: list[bool], contaminated: list[bool] | None = None):
    """measure_windows over fake windows: the n-th window measured is contended / contaminated as given."""
    from lca.ml import repeated_windows
    from lca.study.machine_learning import BenchmarkSpec

    measured = []

    @contextmanager
    def tracked(stage, *args, **kwargs):
        measurement = SimpleNamespace(items=0)
        yield measurement
        n = len(measured)
        flag = contended[n] if n < len(contended) else contended[-1]
        dirty = (contaminated or [False])[min(n, len(contaminated or [False]) - 1)]
        measured.append(flag)
        window = SimpleNamespace(background_cpu_cores=1.0 if flag else 0.0)
        measurement.record = SimpleNamespace(
            method="cpu_power_model_family", contaminated=dirty, contended=flag, kwh_per_item=1e-9, window=window
        )

    monkeypatch.setattr(repeated_windows, "track_energy", tracked)
    monkeypatch.setattr(repeated_windows, "run_for_at_least", lambda seconds, one_pass: one_pass())
    spec = BenchmarkSpec(energy_window_seconds=1.0, sampling_interval_seconds=0.1, energy_windows=2)
    loads, _, _ = repeated_windows.measure_windows("v", lambda: 10, spec, "FRA", "cpu")
    return loads, measured


def test_a_lasting_neighbour_costs_at_most_the_series_remeasure_budget_then_the_windows_are_kept_flagged(monkeypatch):
    loads, measured = _series(monkeypatch, [True])
    assert len(loads) == 2 and all(w.contended for w in loads), "kept, and still flagged"
    assert len(measured) == 2 + MAX_CONTENDED_REMEASURES, "measured again a bounded number of times, no more"


def test_a_passing_neighbour_is_measured_again_and_the_quiet_window_kept(monkeypatch):
    loads, measured = _series(monkeypatch, [True, False])
    assert measured == [True, False, False] and not any(w.contended for w in loads)


def test_the_contaminated_bound_per_window_still_holds_beside_the_contended_budget(monkeypatch):
    loads, measured = _series(monkeypatch, [True], contaminated=[True])
    assert len(measured) <= 2 * (1 + MAX_ENERGY_REMEASURES)
    assert len(loads) == 2


def test_the_stated_interval_is_widened_both_ways_by_the_most_contended_window_kept():
    from lca.ml.repeated_windows import stated_interval
    from lca.ml.significance import run_interval

    quiet = [_window(v) for v in (1.0e-9, 1.1e-9, 1.2e-9, 1.05e-9)]
    interval, divisor = stated_interval(quiet)
    assert divisor == 1.0 and interval == run_interval([w.kwh_per_item for w in quiet]), "a quiet series: as before"
    busy = [*quiet[:3], _window(1.05e-9, divisor=1.5)]
    (low, high), divisor = stated_interval(busy)
    raw_low, raw_high = run_interval([w.kwh_per_item for w in busy])
    assert divisor == 1.5 and low == pytest.approx(raw_low / 1.5) and high == pytest.approx(raw_high * 1.5)


def _contended_bench(variant: str = "pruned_50", kwh_per_item: float = 1e-9) -> VariantBenchmark:
    b = bench(variant, kwh_per_item)
    window = _window(kwh_per_item, divisor=1.5)
    return b.model_copy(
        update={
            "energy": window,
            "energy_contended": True,
            "energy_foreign_cores": 1.02,
            "energy_contention_divisor": 1.5,
            "energy_interval_kwh_per_item": (0.9e-9 / 1.5, 1.1e-9),
        }
    )


def test_the_contended_flag_reaches_results_csv_and_the_benchmark_table(tmp_path):
    import csv

    from lca.assessment.comparison import result_rows
    from lca.orchestration.stages.benchmarks import benchmark_table
    from lca.reporting.impact_section import write_results_csv

    quiet, busy = bench("baseline", 1e-9), _contended_bench()
    table = benchmark_table([quiet, busy]).set_index("variant")
    assert bool(table.loc["pruned_50", "energy_contended"]) and not bool(table.loc["baseline", "energy_contended"])
    assert table.loc["pruned_50", "energy_contention_divisor"] == 1.5

    inventory = SimpleNamespace(
        scenarios=[SimpleNamespace(name=n, label=n, is_reference=False) for n in ("baseline", "pruned_50")],
        electricity_kwh=lambda name: 1.0,
    )
    score = SimpleNamespace(method=("m",), unit="kg", score=1.0)
    lcia = SimpleNamespace(scores=[SimpleNamespace(scenario=n, **vars(score)) for n in ("baseline", "pruned_50")])
    rows = result_rows(lcia, inventory, [quiet, busy])
    write_results_csv(tmp_path, rows)
    with (tmp_path / "results.csv").open() as fh:
        written = {r["scenario"]: r for r in csv.DictReader(fh)}
    assert written["pruned_50"]["energy_contended"] == "True" and written["pruned_50"]["energy_foreign_cores"] == "1.02"
    assert float(written["pruned_50"]["energy_interval_low_kwh_per_item"]) == pytest.approx(0.6e-9)
    assert written["baseline"]["energy_contended"] == "False"


def test_the_report_says_which_windows_were_contended_in_the_in_short_box_and_the_limitations():
    from lca.records import LciaResults
    from lca.reporting.energy_section import energy_context
    from tests.records_factory import digits_inventory

    inventory = digits_inventory("r")
    lcia = LciaResults(study="digits", run_id="r", brightway_project="-", foreground_database="-", scores=[])
    quiet = energy_context(inventory, lcia, [bench("baseline", 1e-9)], [])
    assert not any("contended" in w for w in quiet["energy_warnings"])
    report = energy_context(inventory, lcia, [bench("baseline", 1e-9), _contended_bench()], [])
    (said,) = [w for w in report["energy_warnings"] if "contended" in w]
    assert "inference:v" in said and "1 foreign CPU cores" in said and "x1.5" in said and "cpu_contention.yaml" in said
    (row,) = [g for g in report["energy_source_groups"] if g["contended"]]
    assert row["stages"] == ["inference:v"]


def test_the_lca_monte_carlo_draws_a_contended_inference_across_its_widened_range():
    from lca.assessment.dominance import measurement_interval
    from lca.assessment.inventory import build_inventory
    from lca.study.life_cycle import LcaSpec
    from lca.study.loading import load_study
    from tests.conftest import DIGITS

    study = load_study(DIGITS)
    study = study.model_copy(update={"lca": LcaSpec(system_boundary="devices_and_office")})
    names = study.variant_names()
    benchmarks = {n: bench(n, 2e-9) for n in names}
    benchmarks[names[1]] = _contended_bench(names[1], 2e-9)

    def built(benches):
        return build_inventory(
            study,
            "r",
            training=energy("training", 0.02, duration_s=40.0),
            compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
            benchmarks=benches,
        )

    inventory = built(benchmarks)
    stages = {s.name: {f.stage: f for f in s.stages} for s in inventory.scenarios}
    busy = stages[names[1]]["inference"]
    assert busy.uncertainty.distribution == "triangular"
    assert busy.uncertainty.minimum == pytest.approx(busy.amount / 1.5)
    assert busy.uncertainty.maximum == pytest.approx(busy.amount * 1.5)
    assert stages["baseline"]["inference"].uncertainty.distribution == "none", "a quiet window keeps its certainty"
    quiet_low, quiet_high = measurement_interval(built({n: bench(n, 2e-9) for n in names}))
    low, high = measurement_interval(inventory)
    assert low == pytest.approx(quiet_low / 1.5) and high == pytest.approx(quiet_high * 1.5), "dominance sees it too"


def test_a_benchmark_record_written_before_the_contention_term_still_loads(tmp_path):
    record = bench("baseline", 1e-9).model_dump(mode="json")
    for key in ("energy_contended", "energy_foreign_cores", "energy_contention_divisor"):
        record.pop(key)
    old = VariantBenchmark.model_validate(record)
    assert not old.energy_contended and old.energy_contention_divisor == 1.0 and not old.energy.contended
    attribution = _attribution().model_dump(mode="json")
    attribution.pop("contended"), attribution.pop("contention_divisor")
    assert Attribution.model_validate(attribution).contention_divisor == 1.0
