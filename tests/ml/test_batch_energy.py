"""The optional energy sweep over batch sizes, and the warm-up before a GPU window (issue 18, item 7)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from lca.ml.batch_energy import energy_by_batch, warm_up
from lca.ml.benchmarking import benchmark_variant
from lca.ml.data import Split
from lca.ml.models import MLP
from lca.ml.repeated_windows import resolution_of
from lca.records import BatchEnergy
from lca.reporting.energy_section import batch_sweep
from lca.study.machine_learning import BenchmarkSpec, TaskSpec
from lca.study.routing import RoutingSpec
from tests.records_factory import bench, energy

SHORT = {"energy_window_seconds": 0.5, "idle_window_seconds": 0.5, "sampling_interval_seconds": 0.1}


def test_a_gpu_window_is_warmed_up_first_and_a_cpu_window_is_not():
    calls = []

    def one_pass() -> int:
        calls.append(1)
        return 1

    warm_up(one_pass, "cpu", 5)
    assert calls == []
    warm_up(one_pass, "cuda", 3)
    assert len(calls) == 3
    warm_up(one_pass, "cuda", 0)  # a study without warm-up still gets one pass before a GPU window
    assert len(calls) == 4


def test_the_sweep_measures_each_named_batch_size_and_marks_the_booked_one_without_measuring_it_again():
    spec = BenchmarkSpec(**SHORT, batch_size=16, energy_batch_sizes=[64, 4, 16])
    asked = []

    def pass_at(size: int):
        asked.append(size)

        def one_pass() -> int:
            sum(i * i for i in range(200 * size))  # work that grows with the batch
            return size

        return one_pass

    booked = energy("inference:v", 1.6e-8, items=16)
    rows = energy_by_batch("v", pass_at, spec, "FRA", "cpu", (booked, 3, resolution_of([1e-9, 1e-9, 1e-9], 0.2)))
    assert [r.batch_size for r in rows] == [4, 16, 64]
    assert sorted(asked) == [4, 64], "batch_size's energy is the one already measured, not measured again"
    (marked,) = [r for r in rows if r.booked]
    assert marked.batch_size == 16 and marked.kwh_per_item == pytest.approx(1e-9) and marked.windows == 3
    for r in rows:
        if not r.booked:
            assert r.windows >= 2 and r.kwh_per_item > 0 and r.items_per_second > 0 and r.resolution
    assert energy_by_batch("v", pass_at, BenchmarkSpec(**SHORT), "FRA", "cpu", (booked, 3, None)) == []


def test_the_benchmark_records_the_sweep_beside_the_booked_figure():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    torch.manual_seed(0)
    spec = BenchmarkSpec(**SHORT, batch_size=16, latency_batch_sizes=[16], latency_repeats=6, energy_batch_sizes=[4])
    result = benchmark_variant(
        variant="baseline",
        description="d",
        model=MLP(6, [8], 1),
        test=Split(x, y, y),
        task_spec=TaskSpec(kind="binary", target_precision=0.5),
        spec=spec,
        routing=RoutingSpec(rule="flagged"),
        country_iso3="FRA",
    )
    assert [(r.batch_size, r.booked) for r in result.energy_by_batch] == [(4, False), (16, True)]
    assert result.energy_by_batch[1].kwh_per_item == pytest.approx(result.energy_per_item_kwh)


def test_the_sweep_is_opt_in_bounded_and_names_each_batch_size_once():
    assert BenchmarkSpec().energy_batch_sizes == []
    with pytest.raises(ValidationError, match="each batch size once"):
        BenchmarkSpec(energy_batch_sizes=[8, 8])
    with pytest.raises(ValidationError, match="at most 4"):
        BenchmarkSpec(energy_batch_sizes=[1, 2, 4, 8, 16])
    with pytest.raises(ValidationError):
        BenchmarkSpec(energy_batch_sizes=[0])


def row(size: int, kwh: float, booked: bool, resolved: bool = True) -> BatchEnergy:
    return BatchEnergy(
        batch_size=size,
        kwh_per_item=kwh,
        items_per_second=100.0,
        windows=2,
        resolved=resolved,
        resolution="test",
        method="cpu_power_model",
        booked=booked,
    )


def test_the_report_states_the_batch_size_booked_and_how_far_the_lowest_measured_is_from_it():
    swept = bench("baseline", 2e-6).model_copy(
        update={"energy_by_batch": [row(1, 8e-6, False), row(64, 2e-6, True), row(256, 1.5e-6, False, resolved=False)]}
    )
    (v,) = batch_sweep([swept, bench("int8", 1e-6)])  # no sweep: no entry
    assert v["variant"] == "baseline" and [r.batch_size for r in v["rows"]] == [1, 64, 256]
    assert v["statement"].startswith("The LCA books batch size 64 (benchmark.batch_size): 2e-06 kWh/item")
    assert "batch size 256 measured 1.5e-06 kWh/item, 25 % less (an upper bound)" in v["statement"]
    lowest = bench("b", 1e-6).model_copy(update={"energy_by_batch": [row(1, 3e-6, False), row(64, 1e-6, True)]})
    assert "the lowest of the batch sizes measured" in batch_sweep([lowest])[0]["statement"]
