"""A speed-up, an energy saving or a better-than-trivial model counts only with intervals that clear each other."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.errors import DataQualityError
from lca.ml import significance
from lca.ml.benchmarking import benchmark_variant, score_against_baseline, trivial_comparison
from lca.ml.data import Split
from lca.ml.models import MLP
from lca.ml.quality_gates import check_better_than_trivial
from lca.ml.tasks import task_for
from lca.study.machine_learning import BenchmarkSpec, RoutingSpec, TaskSpec

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


def _benchmark(name, model, spec, test):
    return benchmark_variant(
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
    small = _benchmark("small", MLP(256, [8], 4), spec, test)
    scored = {b.variant: b for b in score_against_baseline([big, small])}
    assert scored["small"].speed_verdicts == {"64": "faster", "256": "faster"}
    assert len(small.energy_windows_kwh_per_item) == 2 and small.energy_interval_kwh_per_item is not None
    assert scored["small"].energy_verdict in {significance.LOWER, significance.SAME}  # CodeCarbon's estimate is coarse
    assert all(
        len(s.timings_ms) == 15 and s.interval_low_ms <= s.median_ms <= s.interval_high_ms for s in small.latency
    )
    assert small.energy.duration_s >= 1.0, "the two windows add up to the whole energy window"
    assert scored["baseline"].speed_verdicts == {"64": "no significant difference", "256": "no significant difference"}


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
