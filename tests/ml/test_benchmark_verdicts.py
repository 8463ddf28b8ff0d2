"""Speed and energy verdicts against the baseline: a paired test over runs interleaved with it, at a stated alpha.

Each variant's task runs the baseline in alternation with the variant; a verdict compares each
call (or energy window) only with its partner, so that the machine's drift cancels, and states
its test, p-value and alpha.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.ml import significance
from lca.ml.benchmark_verdicts import UNRESOLVED, interleaved_latency_ms, verdicts_against
from lca.records import LatencyStat
from tests.records_factory import bench

DRIFT = np.linspace(1.0, 1.3, 12)  # the machine slows by 30 % over a series


def _latency(own: np.ndarray, paired: np.ndarray = None, reference: np.ndarray = None) -> LatencyStat:
    """A latency record: the variant's own series (its 5th-95th percentile interval) and an interleaved one."""
    low, high = significance.run_interval(own)
    return LatencyStat(
        batch_size=1,
        repeats=len(own),
        warmup=1,
        median_ms=float(np.median(own)),
        p10_ms=float(np.percentile(own, 10)),
        p90_ms=float(np.percentile(own, 90)),
        iqr_ms=0.0,
        items_per_second=1.0,
        timings_ms=list(own),
        interval_low_ms=low,
        interval_high_ms=high,
        interleaved_ms=[] if paired is None else list(paired),
        interleaved_reference_ms=[] if reference is None else list(reference),
    )


def _pair(variant: LatencyStat, baseline: LatencyStat, alpha: float = 0.05):
    return verdicts_against(
        bench("small", 1e-9).model_copy(update={"latency": [variant]}),
        bench("baseline", 1e-9).model_copy(update={"latency": [baseline]}),
        alpha,
    )


def test_identical_runs_are_no_significant_difference_and_say_their_p_and_alpha():
    rng = np.random.default_rng(1)
    runs = DRIFT * rng.lognormal(0, 0.01, 12)
    verdicts = _pair(_latency(runs, runs, runs.copy()), _latency(runs))
    test = verdicts["speed_tests"]["1"]
    assert verdicts["speed_verdicts"] == {"1": "no significant difference"}
    assert test.p_value == 1.0 and test.alpha == 0.05 and test.pairs == 12
    assert test.statement == "no significant difference (paired sign-flip test, 12 pairs, p = 1, alpha = 0.05)"
    same_model = DRIFT * rng.lognormal(0, 0.01, 12)  # the same model timed again next to it: noise, no shift
    assert _pair(_latency(runs, same_model, runs), _latency(runs))["speed_verdicts"] == {
        "1": "no significant difference"
    }


def test_a_clear_shift_is_called_at_the_declared_alpha_and_not_beyond_what_the_pairs_can_show():
    rng = np.random.default_rng(2)
    reference = DRIFT * rng.lognormal(0, 0.01, 12)
    slower = 1.5 * DRIFT * rng.lognormal(0, 0.01, 12)
    verdicts = _pair(_latency(slower, slower, reference), _latency(reference), alpha=0.01)
    test = verdicts["speed_tests"]["1"]
    assert verdicts["speed_verdicts"] == {"1": "slower"} and test.p_value <= 0.01 and test.alpha == 0.01
    assert test.ratio == pytest.approx(1.5, rel=0.02)
    assert test.statement == f"slower (paired sign-flip test, 12 pairs, p = {test.p_value:.3g}, alpha = 0.01)"
    # every pair favours the variant, yet 5 pairs cannot give p below 2 / 2**5 = 0.0625: no verdict at 5 %
    few = _pair(_latency(slower, slower[:5] / 3, reference[:5]), _latency(reference))["speed_tests"]["1"]
    assert few.verdict == "not tested" and few.p_value is None and "at least 6" in few.statement


def test_overlapping_intervals_that_the_pairs_separate_are_a_verdict():
    rng = np.random.default_rng(7)
    baseline = DRIFT * rng.lognormal(0, 0.005, 12)
    faster = 0.97 * DRIFT * rng.lognormal(0, 0.005, 12)  # 3 % faster, timed in alternation under the same drift
    variant, base = _latency(faster, faster, baseline), _latency(baseline)
    assert significance.compare_intervals(variant.interval, base.interval) == significance.SAME, "intervals overlap"
    test = _pair(variant, base)["speed_tests"]["1"]
    assert test.verdict == "faster" and test.p_value < 0.001


def test_separate_intervals_from_a_drifting_machine_are_no_verdict_when_the_pairs_agree():
    """The variant's own series ran while the machine was quiet, the baseline's task while it was busy."""
    rng = np.random.default_rng(3)
    quiet, busy = rng.lognormal(0, 0.01, 12), 1.5 * rng.lognormal(0, 0.01, 12)
    interleaved = DRIFT * rng.lognormal(0, 0.01, 12)
    variant = _latency(quiet, interleaved * rng.lognormal(0, 0.01, 12), interleaved)
    base = _latency(busy)
    assert significance.compare_intervals(variant.interval, base.interval) == significance.LOWER, "clear of each other"
    assert _pair(variant, base)["speed_verdicts"] == {"1": "no significant difference"}


def test_a_record_without_interleaved_runs_is_not_tested_and_the_baseline_is_not_tested_against_itself():
    runs = np.linspace(1.0, 2.0, 12)
    test = _pair(_latency(runs), _latency(runs))["speed_tests"]["1"]
    assert test.verdict == "not tested" and "no calls of the baseline interleaved" in test.statement
    assert "alpha = 0.05" in test.statement
    base = bench("baseline", 1e-9)
    assert verdicts_against(base, base) == {
        "speed_verdicts": {},
        "speed_tests": {},
        "energy_verdict": None,
        "energy_test": None,
    }


def test_energy_per_item_is_compared_window_by_window_with_the_baseline_windows_interleaved_with_it():
    base = bench("baseline", 2e-9)
    leaner = bench("small", 1e-9).model_copy(
        update={
            "energy_windows_kwh_per_item": [1.0e-9, 1.1e-9, 0.9e-9, 1.0e-9, 1.2e-9, 1.0e-9],
            "energy_reference_windows_kwh_per_item": [2.0e-9, 2.3e-9, 1.9e-9, 2.0e-9, 2.2e-9, 2.1e-9],
        }
    )
    test = verdicts_against(leaner, base)["energy_test"]
    assert test.verdict == "significantly lower" and test.p_value == pytest.approx(2 / 2**6) and test.pairs == 6
    assert test.statement == "significantly lower (paired sign-flip test, 6 pairs, p = 0.0312, alpha = 0.05)"
    unpaired = verdicts_against(bench("small", 1e-9), base)["energy_test"]
    assert unpaired.verdict == "not tested" and "benchmark.energy_pairs = 0" in unpaired.statement


def test_an_energy_figure_booked_at_its_upper_bound_draws_no_verdict_and_says_which_and_at_what_alpha():
    base = bench("baseline", 2e-9)
    windows = {
        "energy_windows_kwh_per_item": [1.0e-9, 1.1e-9, 0.9e-9, 1.0e-9, 1.2e-9, 1.0e-9],
        "energy_reference_windows_kwh_per_item": [2.0e-9, 2.3e-9, 1.9e-9, 2.0e-9, 2.2e-9, 2.1e-9],
        "energy_bound": "upper",
    }
    test = verdicts_against(bench("small", 1e-9).model_copy(update=windows), base, alpha=0.01)["energy_test"]
    assert test.verdict == UNRESOLVED and test.p_value is None
    assert "this variant's energy per item is booked at the upper end" in test.statement
    assert test.statement.endswith("no paired test is drawn at alpha = 0.01")


def test_the_interleaved_series_alternates_which_model_goes_first():
    calls = []
    variant = lambda batch: calls.append("variant")  # noqa: E731
    reference = lambda batch: calls.append("reference")  # noqa: E731
    timed, partner = interleaved_latency_ms(variant, reference, torch.zeros(2, 3), repeats=4, warmup=1)
    assert len(timed) == len(partner) == 4
    assert calls[2:] == ["variant", "reference", "reference", "variant"] * 2, "warm-up first, then ABBA"


def test_energy_windows_of_the_baseline_are_measured_in_alternation_with_the_variant_s_when_pairs_are_declared(
    monkeypatch,
):
    from contextlib import contextmanager
    from types import SimpleNamespace

    from lca.ml import repeated_windows
    from lca.study.machine_learning import BenchmarkSpec

    order = []

    @contextmanager
    def tracked(stage, *args, **kwargs):
        measurement = SimpleNamespace(items=0)
        yield measurement
        order.append(stage)
        measurement.record = SimpleNamespace(
            method="rapl", contaminated=False, contended=False, kwh_per_item=1e-9, stage=stage
        )

    monkeypatch.setattr(repeated_windows, "track_energy", tracked)
    monkeypatch.setattr(repeated_windows, "run_for_at_least", lambda seconds, one_pass: one_pass())
    spec = BenchmarkSpec(energy_window_seconds=1.0, sampling_interval_seconds=0.1, energy_pairs=6)
    loads, resolution, references = repeated_windows.measure_windows(
        "v", lambda: 10, spec, "FRA", "cpu", reference_pass=lambda: 10, reference_stage="b"
    )
    assert len(loads) == len(references) == 6 and resolution.resolved, "at least energy_pairs pairs"
    assert order == ["v", "b", "b", "v"] * 3, "each pair measured back to back, the order alternating"
    order.clear()
    loads, _, references = repeated_windows.measure_windows("v", lambda: 10, spec, "FRA", "cpu")
    assert references == [] and order == ["v", "v"], "without a reference: the variant's windows only"


def test_a_benchmark_with_the_baseline_as_reference_keeps_the_pairs_its_verdicts_need():
    from lca.ml.benchmarking import benchmark_variant
    from lca.ml.data import Split
    from lca.ml.models import MLP
    from lca.study.machine_learning import BenchmarkSpec, TaskSpec
    from lca.study.routing import RoutingSpec

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    spec = BenchmarkSpec(
        energy_window_seconds=0.5,
        sampling_interval_seconds=0.1,
        batch_size=16,
        latency_batch_sizes=[1],
        warmup=1,
        latency_repeats=6,
        energy_pairs=6,
        energy_time_cap_seconds=0.5,
    )
    torch.manual_seed(0)
    result = benchmark_variant(
        variant="small",
        description="d",
        model=MLP(6, [4], 1),
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="binary", target_precision=0.5),
        spec=spec,
        routing=RoutingSpec(rule="flagged"),
        country_iso3="FRA",
        reference=MLP(6, [64, 64], 1),
    )
    assert all(len(s.interleaved_ms) == len(s.interleaved_reference_ms) == 6 for s in result.latency)
    assert len(result.energy_windows_kwh_per_item) == len(result.energy_reference_windows_kwh_per_item) >= 6
    test = verdicts_against(result, bench("baseline", 1e-9).model_copy(update={"latency": result.latency}))
    assert test["energy_test"].pairs >= 6 or test["energy_verdict"].startswith("not resolved")
    assert all(t.pairs == 6 and t.p_value is not None for t in test["speed_tests"].values())


def test_the_benchmark_table_carries_each_verdict_with_its_p_and_alpha_and_passes_the_gate():
    from lca.ml.benchmarking import score_against_baseline
    from lca.ml.quality_gates import check_benchmarks
    from lca.orchestration.stages.benchmarks import benchmark_table

    rng = np.random.default_rng(4)
    reference = DRIFT * rng.lognormal(0, 0.01, 12)
    faster = 0.5 * DRIFT * rng.lognormal(0, 0.01, 12)
    benchmarks = [
        bench("baseline", 2e-9).model_copy(update={"latency": [_latency(reference)]}),
        bench("small", 1e-9).model_copy(update={"latency": [_latency(faster, faster, reference)]}),
        bench("old_record", 1e-9).model_copy(update={"latency": [_latency(faster)]}),  # no interleaved runs
    ]
    table = benchmark_table(score_against_baseline(benchmarks, alpha=0.01)).set_index("variant")
    assert table.loc["small", "speed_b1"] == "faster"
    assert table.loc["small", "speed_b1_test"].startswith("faster (paired sign-flip test, 12 pairs, p = ")
    assert table.loc["small", "speed_b1_test"].endswith("alpha = 0.01)")
    assert (
        table.loc["old_record", "speed_b1"] == "not tested"
        and "alpha = 0.01" in table.loc["old_record", "speed_b1_test"]
    )
    assert table.loc["baseline", "speed_b1"] == table.loc["baseline", "energy_verdict"] == "the reference"
    gate = check_benchmarks(table.reset_index(), expected_variants=list(table.index), source="benchmarks.csv")
    assert gate.success, gate
