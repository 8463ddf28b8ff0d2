"""A speed-up, an energy saving or a better-than-trivial model counts only when a test at a stated error rate says so.

Speed and energy: a paired sign-flip test over runs of the variant and the baseline measured in
alternation, at the declared alpha. Better than trivial: a paired bootstrap over the held-out items.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.errors import DataQualityError
from lca.ml import significance
from lca.ml.benchmark_verdicts import UNRESOLVED
from lca.ml.benchmarking import benchmark_variant, score_against_baseline, trivial_comparison
from lca.ml.data import Split
from lca.ml.models import MLP
from lca.ml.quality_gates import check_better_than_trivial
from lca.ml.tasks import task_for
from lca.study.machine_learning import BenchmarkSpec, TaskSpec
from lca.study.routing import RoutingSpec

MULTICLASS = TaskSpec(kind="multiclass")


def test_the_run_interval_holds_nine_runs_in_ten_and_needs_at_least_two_runs():
    rng = np.random.default_rng(1)
    runs = rng.normal(10, 1, 1000)
    low, high = significance.run_interval(runs)
    assert ((runs >= low) & (runs <= high)).mean() == pytest.approx(0.9, abs=0.01)
    assert significance.run_interval([3.0]) is None, "one run has no spread: no interval, no verdict"


def test_a_ratio_of_medians_above_one_is_not_a_speed_up_when_the_intervals_overlap():
    rng = np.random.default_rng(2)
    baseline = rng.normal(1.00, 0.05, 50)
    drifted = rng.normal(0.99, 0.05, 50)  # the same model a moment later: 1 % faster by the medians
    assert np.median(baseline) / np.median(drifted) > 1
    verdict = significance.compare_intervals(significance.run_interval(drifted), significance.run_interval(baseline))
    assert verdict == significance.SAME
    clearly = rng.normal(0.5, 0.02, 50)
    verdict = significance.compare_intervals(significance.run_interval(clearly), significance.run_interval(baseline))
    assert significance.speed_verdict(verdict) == "faster"
    slower = significance.compare_intervals(
        significance.run_interval(baseline * 3), significance.run_interval(baseline)
    )
    assert significance.speed_verdict(slower) == "slower"
    assert significance.compare_intervals(None, (1.0, 2.0)) == significance.UNTESTED


def _benchmark(name, model, spec, test, reference=None):
    return benchmark_variant(
        reference=reference,
        variant=name,
        description=name,
        model=model,
        test=test,
        task_spec=MULTICLASS,
        spec=spec,
        routing=RoutingSpec(rule="expected_errors"),  # routing is not under test here
        country_iso3="FRA",
        train_y=test.y_true,
    )


def test_real_timings_of_a_much_smaller_model_say_faster_and_the_verdicts_land_on_every_batch_size():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 256)).astype(np.float32)
    y = rng.integers(0, 4, 64)
    test = Split(x, y, y)
    spec = BenchmarkSpec(
        energy_window_seconds=1.0,
        energy_windows=2,
        sampling_interval_seconds=0.1,
        batch_size=64,
        latency_batch_sizes=[256],
        warmup=2,
        latency_repeats=15,
        threads=1,
    )
    torch.manual_seed(0)
    big = _benchmark("baseline", MLP(256, [1024, 1024, 1024], 4), spec, test)
    small = _benchmark("small", MLP(256, [8], 4), spec, test, reference=MLP(256, [1024, 1024, 1024], 4))
    scored = {b.variant: b for b in score_against_baseline([big, small], alpha=0.01)}
    assert scored["small"].speed_verdicts == {"64": "faster", "256": "faster"}
    for test_ in scored["small"].speed_tests.values():
        assert test_.pairs == 15 and test_.alpha == 0.01 and test_.p_value <= 0.01
        assert test_.statement.startswith(f"faster (paired sign-flip test, 15 pairs, p = {test_.p_value:.3g}")
        assert test_.statement.endswith("alpha = 0.01)")
    assert len(small.energy_windows_kwh_per_item) >= 2 and small.energy_interval_kwh_per_item is not None
    # no energy_pairs declared: no baseline windows were interleaved, so no energy verdict (on a busy machine
    # the figure may also stay unresolved within the time cap: an upper bound, no verdict either)
    energy = scored["small"].energy_test
    assert energy.verdict in {significance.UNTESTED, UNRESOLVED} and energy.p_value is None
    assert energy.verdict == UNRESOLVED or "benchmark.energy_pairs = 0; alpha = 0.01" in energy.statement
    assert all(
        len(s.timings_ms) == 15 and s.interval_low_ms <= s.median_ms <= s.interval_high_ms for s in small.latency
    )
    assert all(len(s.interleaved_ms) == len(s.interleaved_reference_ms) == 15 for s in small.latency)
    assert small.energy.duration_s >= 1.0, "the two windows add up to the whole energy window"
    assert scored["baseline"].speed_verdicts == {} and scored["baseline"].energy_verdict is None, "not against itself"


def test_a_perfect_classifier_beats_the_majority_class_and_the_majority_class_itself_does_not():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 200)
    train_y = np.array([0] * 50 + [1] * 30 + [2] * 20)
    task = task_for("multiclass")
    perfect = np.eye(3)[y]
    result = trivial_comparison(task, MULTICLASS, perfect, y, train_y)
    assert result.name == "majority class (0)" and result.significantly_better
    assert result.primary_value == pytest.approx((y == 0).mean())
    assert result.ci_low > 0 and result.difference == pytest.approx(1 - (y == 0).mean())
    _, majority = task.trivial_outputs(train_y, len(y))
    floor = trivial_comparison(task, MULTICLASS, majority, y, train_y)
    assert not floor.significantly_better and floor.difference == 0


def test_a_regression_must_beat_the_mean_predictor_on_its_error_metric():
    rng = np.random.default_rng(4)
    truth = rng.normal(100, 10, 300)
    spec = TaskSpec(kind="regression", primary_metric="mae")
    task = task_for("regression")
    good = trivial_comparison(task, spec, (truth + rng.normal(0, 1, 300)).reshape(-1, 1), truth, truth)
    assert good.significantly_better and good.difference > 0, "lower MAE than the mean is better: positive difference"
    noisy = trivial_comparison(task, spec, (truth + rng.normal(0, 30, 300)).reshape(-1, 1), truth, truth)
    assert not noisy.significantly_better and noisy.difference < 0


def test_the_gate_warns_about_a_variant_no_better_than_trivial_and_fails_when_the_study_requires_it():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 120)
    task = task_for("multiclass")
    _, majority = task.trivial_outputs(y, len(y))
    from tests.records_factory import bench

    good = bench("baseline", 1e-9).model_copy(
        update={"trivial": trivial_comparison(task, MULTICLASS, np.eye(3)[y], y, y)}
    )
    bad = bench("pruned", 1e-9, accuracy=0.35).model_copy(
        update={"trivial": trivial_comparison(task, MULTICLASS, majority, y, y)}
    )
    warnings = check_better_than_trivial([good, bad], required=False, source="study.yaml")
    assert (
        len(warnings) == 1 and "variant 'pruned' is not significantly better than the trivial baseline" in warnings[0]
    )
    with pytest.raises(
        DataQualityError, match="study.yaml: field 'task.require_better_than_trivial' is true.*'pruned'"
    ):
        check_better_than_trivial([good, bad], required=True, source="study.yaml")
    assert check_better_than_trivial([good], required=True, source="study.yaml") == []


def _exact_sign_flip_p(logs):
    """The two-sided p of the sign-flip test by brute force: every one of the 2**n sign patterns."""
    import itertools

    observed = abs(np.mean(logs))
    means = [abs(np.mean(np.array(signs) * logs)) for signs in itertools.product([1, -1], repeat=len(logs))]
    return np.mean(np.array(means) >= observed - 1e-12)


def test_the_paired_test_needs_enough_pairs_to_reach_its_alpha_and_says_not_tested_below():
    assert significance.pairs_needed(0.05) == 6  # 2 / 2**6 = 0.031 <= 0.05 < 2 / 2**5 = 0.0625
    assert significance.pairs_needed(0.01) == 8 and significance.pairs_needed(0.0625) == 5
    five = significance.paired_test([1.0] * 5, [2.0] * 5)  # halved in every pair, yet 5 pairs cannot reach 5 %
    assert five.verdict == significance.UNTESTED and five.p_value is None
    assert "at least 6 are needed to reach alpha = 0.05" in five.statement()
    six = significance.paired_test([1.0, 1.1, 0.9, 1.0, 1.0, 1.2], [2.0] * 6)
    assert six.verdict == significance.LOWER and six.p_value == pytest.approx(2 / 2**6)
    assert six.statement() == "significantly lower (paired sign-flip test, 6 pairs, p = 0.0312, alpha = 0.05)"


@pytest.mark.parametrize(
    "logs",
    [
        [0.3, 0.2, 0.25, -0.05, 0.4, 0.1, 0.15, 0.2],  # one pair against
        [0.1, -0.1, 0.2, -0.2, 0.05, 0.3, -0.02, 0.1, 0.01],  # mixed
        [-0.5, -0.4, -0.45, -0.6, -0.1, 0.05, -0.3],
    ],
)
def test_the_paired_test_gives_the_exact_sign_flip_p_value(logs):
    baseline = np.linspace(1.0, 3.0, len(logs))  # the machine drifts between pairs: it cancels out
    verdict = significance.paired_test(baseline * np.exp(logs), baseline)
    assert verdict.p_value == pytest.approx(_exact_sign_flip_p(np.array(logs)))
    expected = (
        significance.SAME
        if verdict.p_value > 0.05
        else (significance.HIGHER if np.mean(logs) > 0 else significance.LOWER)
    )
    assert verdict.verdict == expected and verdict.alpha == 0.05 and verdict.pairs == len(logs)


def test_a_small_real_difference_under_drift_is_found_by_pairs_and_missed_by_overlapping_intervals():
    rng = np.random.default_rng(7)
    drift = np.linspace(1.0, 1.3, 12)  # the machine slows by 30 % over the series
    baseline = drift * rng.lognormal(0, 0.005, 12)
    faster = 0.97 * drift * rng.lognormal(0, 0.005, 12)  # 3 % faster, measured in alternation
    intervals = significance.compare_intervals(significance.run_interval(faster), significance.run_interval(baseline))
    assert intervals == significance.SAME
    paired = significance.paired_test(faster, baseline)
    assert (
        paired.verdict == significance.LOWER
        and paired.p_value < 0.001
        and paired.ratio == pytest.approx(0.97, abs=0.01)
    )
    same = significance.paired_test(drift * rng.lognormal(0, 0.005, 12), baseline)
    assert same.verdict == significance.SAME


def test_a_margin_tests_against_a_target_ratio_rather_than_equality():
    plain = np.array([10.0, 10.5, 9.8, 10.2, 10.1, 9.9, 10.3, 10.0])
    tracked = plain * np.array([1.02, 1.01, 1.03, 1.02, 1.01, 1.02, 1.03, 1.02])  # about 2 % overhead
    below = significance.paired_test(tracked, plain, margin=1.05)
    assert below.verdict == significance.LOWER, "2 % is clearly under a 5 % target"
    assert significance.paired_test(tracked, plain).verdict == significance.HIGHER, "and clearly above none"
    with pytest.raises(ValueError, match="pairs"):
        significance.paired_test([1.0, 2.0], [1.0])
