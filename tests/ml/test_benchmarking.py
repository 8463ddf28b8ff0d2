"""Benchmarks a reviewer can trust: repeated timings at several batch sizes, idle-corrected energy, loss flags."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.errors import MeasurementError
from lca.ml.benchmarking import _dynamic_energy, benchmark_variant, score_against_baseline, verdicts_against
from lca.ml.data import Split
from lca.ml.models import MLP
from lca.ml.repeated_windows import booked_at_upper_bound, resolution_of
from lca.reporting.ml_charts import pareto_chart, pareto_front
from lca.settings import current_host
from lca.study.machine_learning import BenchmarkSpec, TaskSpec
from lca.study.routing import RoutingSpec
from tests.records_factory import bench, energy


def test_a_variant_is_timed_at_every_batch_size_with_warm_up_and_spread_and_measured_against_idle(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    torch.manual_seed(0)
    spec = BenchmarkSpec(
        energy_window_seconds=0.5,
        idle_window_seconds=0.5,
        sampling_interval_seconds=0.1,
        batch_size=16,
        latency_batch_sizes=[1, 64],
        warmup=2,
        latency_repeats=6,
    )
    # 0.36 W (a sleeping process's resident memory), measured on this host (from another host: measured again here)
    idle = energy("idle", 1e-7, duration_s=1.0).model_copy(update={"host": current_host()})
    result = benchmark_variant(
        variant="baseline",
        description="d",
        model=MLP(6, [8], 1),
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="binary", target_precision=0.5),
        spec=spec,
        routing=RoutingSpec(rule="flagged"),
        country_iso3="FRA",
        idle=idle,
    )
    assert [s.batch_size for s in result.latency] == [1, 16, 64]
    assert all(s.repeats == 6 and s.warmup == 2 and s.p10_ms <= s.median_ms <= s.p90_ms for s in result.latency)
    assert result.threads == torch.get_num_threads()
    # at least two windows of 0.5 s, repeated until +/-20 % or the cap of 3 x 0.5 s
    assert result.energy.duration_s >= 1.0 and result.energy.items % 16 == 0
    assert len(result.energy_windows_kwh_per_item) >= 2 and result.energy.attributed
    assert result.energy_precision is not None and result.energy_resolution
    if result.energy_bound is None:
        assert result.energy_resolved and result.energy_precision <= spec.energy_precision
        assert result.energy_per_item_kwh == pytest.approx(result.energy.kwh_per_item)
    assert result.idle_power_w == pytest.approx(0.36)
    assert 0 <= result.dynamic_energy_per_item_kwh <= result.energy_per_item_kwh
    assert set(result.quality) >= {"pr_auc", "recall_at_precision"} and result.primary_metric == "pr_auc"
    assert result.accuracy is None, "accuracy is not a fraud-screening metric"


def test_a_variant_prepared_in_another_runtime_is_timed_measured_and_scored_in_that_runtime(tmp_path):
    from lca.ml.runtimes import runtime_for

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    torch.manual_seed(0)
    model = MLP(6, [8], 1)
    spec = BenchmarkSpec(
        energy_window_seconds=0.5, idle_window_seconds=0.5, sampling_interval_seconds=0.1, batch_size=16, warmup=1
    )
    prepared = runtime_for("onnxruntime").prepare(model, torch.from_numpy(x[:8]), cache_dir=tmp_path)
    calls = []
    onnx_runner = prepared.runner
    prepared.runner = lambda batch: calls.append(len(batch)) or onnx_runner(batch)

    def measured(prepared=None):
        return benchmark_variant(
            variant="baseline",
            description="d",
            model=model,
            test=Split(x, y, y),
            task_spec=TaskSpec(kind="binary", target_precision=0.5),
            spec=spec,
            routing=RoutingSpec(rule="flagged"),
            country_iso3="FRA",
            prepared=prepared,
        )

    eager, onnx = measured(), measured(prepared)
    assert (eager.runtime, onnx.runtime) == ("eager", "onnxruntime")
    # every timed call, every call of the energy window and the predictions scored went through ONNX Runtime
    assert len(calls) >= spec.latency_repeats + onnx.energy.items // spec.batch_size
    assert onnx.quality == pytest.approx(eager.quality)


def _sampled(record, interval=0.1):
    return record.model_copy(update={"sampling_interval_s": interval})


def test_dynamic_energy_is_the_total_less_idle_power_over_the_window():
    window = _sampled(energy("inference:x", 10e-6, items=1000, duration_s=2.0))  # 18 W on average, 20 readings
    idle = _sampled(energy("idle", 5e-6, duration_s=3.0))  # 6 W, 30 readings
    idle_power, dynamic, detail = _dynamic_energy(window, idle)
    assert idle_power == pytest.approx(6.0)
    assert dynamic == pytest.approx((10e-6 - 6.0 * 2.0 / 3.6e6) / 1000)
    assert "above idle" in detail and "NOT RESOLVED" not in detail


def test_idle_power_above_the_power_under_load_is_an_error_of_the_measurement_never_a_silent_zero():
    window = _sampled(energy("inference:x", 10e-6, items=1000, duration_s=2.0))  # 18 W
    with pytest.raises(MeasurementError, match=r"idle power 180 W .* above the power under load 18 W"):
        _dynamic_energy(window, _sampled(energy("idle", 50e-6, duration_s=1.0)))  # 180 W


def test_a_difference_within_the_windows_resolution_is_booked_at_its_upper_bound_not_at_zero():
    # 18 W under load over 5 readings (1 s at 0.2 s), 17.5 W idle over 5 readings: resolution 18/5 + 17.5/5 = 7.1 W
    window = _sampled(energy("inference:x", 5e-6, items=1000, duration_s=1.0), 0.2)
    idle = _sampled(energy("idle", 17.5 / 3.6e6, duration_s=1.0), 0.2)
    _, dynamic, detail = _dynamic_energy(window, idle)
    assert dynamic == pytest.approx((18 / 5 + 17.5 / 5) * 1.0 / 3.6e6 / 1000)
    assert dynamic > 0
    assert detail.startswith("NOT RESOLVED")  # kept, so the record and the tables can say it


def test_energy_per_item_is_resolved_only_within_the_declared_precision():
    steady = resolution_of([1.0e-9, 1.02e-9, 0.98e-9, 1.01e-9], precision=0.2)
    assert steady.resolved and steady.relative_halfwidth < 0.05 and "within" in steady.detail
    noisy = resolution_of([0.5e-9, 1.5e-9, 0.8e-9], precision=0.2)
    assert not noisy.resolved and noisy.detail.startswith("NOT RESOLVED")
    assert noisy.upper_kwh_per_item > np.mean([0.5e-9, 1.5e-9, 0.8e-9])
    assert not resolution_of([1e-9], precision=0.2).resolved  # one window has no interval


def test_an_unresolved_figure_is_booked_at_its_upper_bound_and_draws_no_energy_verdict():
    record = energy("inference:x", 1e-6, items=1000)
    noisy = resolution_of([0.5e-9, 1.5e-9, 0.8e-9], precision=0.2)
    booked = booked_at_upper_bound(record, noisy)
    assert booked.kwh_per_item == pytest.approx(noisy.upper_kwh_per_item)
    assert "NOT RESOLVED" in booked.method_detail
    base = bench("baseline", 2e-9)
    low = bench("small", 1e-9).model_copy(
        update={"energy_interval_kwh_per_item": (0.9e-9, 1.1e-9), "energy_resolved": False, "energy_bound": "upper"}
    )
    windows = {"energy_windows_kwh_per_item": [1e-9] * 6, "energy_reference_windows_kwh_per_item": [2e-9] * 6}
    low = low.model_copy(update=windows)  # halved in each of six interleaved pairs: p = 2 / 2**6 < 0.05
    assert verdicts_against(low, base)["energy_verdict"].startswith("not resolved")
    resolved = low.model_copy(update={"energy_resolved": True, "energy_bound": None})
    assert verdicts_against(resolved, base)["energy_verdict"] == "significantly lower"


def test_quality_loss_is_set_against_the_baseline_and_variants_beyond_the_limit_are_flagged_not_dropped():
    benchmarks = [
        bench("baseline", 2e-9, accuracy=0.98).model_copy(update={"max_quality_loss": 0.01}),
        bench("small_loss", 1e-9, accuracy=0.975).model_copy(update={"max_quality_loss": 0.01}),
        bench("big_loss", 1e-9, accuracy=0.95).model_copy(update={"max_quality_loss": 0.01}),
    ]
    scored = {b.variant: b for b in score_against_baseline(benchmarks)}
    assert len(scored) == 3
    assert scored["baseline"].quality_loss == 0 and not scored["baseline"].exceeds_max_quality_loss
    assert (
        scored["small_loss"].quality_loss == pytest.approx(0.005) and not scored["small_loss"].exceeds_max_quality_loss
    )
    assert scored["big_loss"].quality_loss == pytest.approx(0.03) and scored["big_loss"].exceeds_max_quality_loss


def test_the_pareto_front_keeps_variants_no_other_beats_on_both_energy_and_quality(tmp_path):
    benchmarks = [
        bench("baseline", 4e-9, 0.98),
        bench("cheap", 1e-9, 0.95),
        bench("dominated", 3e-9, 0.94),
        bench("middle", 2e-9, 0.97),
    ]
    assert pareto_front(benchmarks) == ["baseline", "cheap", "middle"]
    path = pareto_chart(benchmarks, tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
