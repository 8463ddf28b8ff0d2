"""Every runtime runs a variant with eager's predictions, or says why it cannot; its preparation is costed.

A small CNN trained for a few seconds on the digits stands in for a study's model. The
two sweeps that compile (float and PT2E int8) run once per module: compiling is the
slow part, so only the tests that need a compiled model use them.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lca.ml.compression import compress
from lca.ml.compression.context import CompressionContext
from lca.ml.energy import track_energy
from lca.ml.models import SmallCNN
from lca.ml.runtimes import runtime_for
from lca.ml.runtimes.correctness import check_against_eager
from lca.ml.runtimes.selection import choose_runtime
from lca.ml.runtimes.sweep import sweep_variant
from lca.ml.training import fit
from lca.records import RuntimeCheck, RuntimeLatency, RuntimeResult
from lca.study.compression import DynamicQuantization, StaticQuantization
from lca.study.machine_learning import TaskSpec, TrainingSpec

ALL = ["eager", "compiled", "onnxruntime", "onnxruntime_int8"]
TASK = TaskSpec(kind="multiclass", max_quality_loss=0.02)
SWEEP = dict(batch_sizes=[32], threads=[1, 2], repeats=3, warmup=1)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None]
    return x[:1200], data.target[:1200], x[1200:], data.target[1200:]


@pytest.fixture(scope="module")
def model(digits) -> nn.Module:
    x, y, _, _ = digits
    torch.manual_seed(0)
    net = SmallCNN(channels=4, hidden=32)
    fit(net, x, y, epochs=12, batch_size=32, learning_rate=5e-3, seed=0)
    return net.eval()


@pytest.fixture(scope="module")
def ctx(digits) -> CompressionContext:
    x, y, _, _ = digits
    return CompressionContext(x, y, TrainingSpec(epochs=1, batch_size=64, seed=0))


@pytest.fixture(scope="module")
def static_int8(model, ctx) -> nn.Module:
    return compress(StaticQuantization(method="static_quantization", calibration_items=256), model, ctx)[0]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("runtime-cache")


@pytest.fixture(scope="module")
def float_rows(model, digits, cache) -> dict[str, RuntimeResult]:
    _, _, x, y = digits
    rows = sweep_variant("baseline", model, x, y, TASK, runtimes=ALL, cache_dir=cache, **SWEEP)
    return {r.runtime: r for r in rows}


@pytest.fixture(scope="module")
def int8_rows(static_int8, digits, cache) -> dict[str, RuntimeResult]:
    _, _, x, y = digits
    rows = sweep_variant("int8_static", static_int8, x, y, TASK, runtimes=ALL, cache_dir=cache, **SWEEP)
    return {r.runtime: r for r in rows}


def test_each_runtime_reproduces_eager_predictions_of_a_float_model(float_rows):
    assert list(float_rows) == ALL
    for name in ("compiled", "onnxruntime"):
        check = float_rows[name].check
        assert check.tolerance_kind == "float" and check.passed, check.verdict
        assert check.changed_items == 0 and check.changed_predictions == 0
        assert check.max_abs_difference < 1e-3
        assert check.runtime_value == check.reference_value > 0.8  # the model has learnt the digits
    assert float_rows["eager"].check is None  # eager is the reference


def test_onnx_runtime_int8_quantizes_the_float_graph_and_is_held_to_the_int8_tolerance(float_rows):
    row = float_rows["onnxruntime_int8"]
    assert row.supported and row.artefact.endswith(".int8.onnx")
    assert row.check.tolerance_kind == "int8" and row.check.passed, row.check.verdict
    assert row.check.loss_p97_5 <= TASK.max_quality_loss
    assert row.check.max_abs_difference > 0  # int8 weights: the outputs do move


def test_the_pt2e_int8_graph_keeps_its_predictions_when_compiled_or_exported(int8_rows, static_int8):
    for name in ("compiled", "onnxruntime"):
        row = int8_rows[name]
        assert row.supported, row.reason
        assert row.check.tolerance_kind == "int8" and row.check.passed, row.check.verdict
        assert row.check.changed_predictions <= 0.02 * row.check.n_items
    assert "intended path" in int8_rows["compiled"].reason
    assert "reference kernels" in runtime_for("eager").prepare(static_int8, torch.zeros(2, 1, 8, 8)).note


def test_a_variant_a_runtime_cannot_run_gets_a_not_supported_row_with_the_reason(int8_rows, model, ctx, digits):
    row = int8_rows["onnxruntime_int8"]
    assert not row.supported and "already int8" in row.reason and not row.latency and row.check is None
    dynamic = compress(DynamicQuantization(method="dynamic_quantization"), model, ctx)[0]
    _, _, x, y = digits
    rows = sweep_variant(
        "int8_dynamic",
        dynamic,
        x,
        y,
        TASK,
        runtimes=["eager", "onnxruntime"],
        batch_sizes=[32],
        threads=[1],
        repeats=2,
        warmup=0,
    )
    assert [r.runtime for r in rows] == ["eager", "onnxruntime"]  # the row is there, not dropped
    assert rows[0].supported and not rows[1].supported
    assert "cannot translate to ONNX" in rows[1].reason


class DataDependent(nn.Module):
    """A branch on the values of the input: torch.export, hence the ONNX exporter, cannot capture it."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        if x.sum() > 0:
            return self.linear(x.flatten(1))
        return -self.linear(x.flatten(1))


def test_an_export_that_fails_gives_a_not_supported_row_with_the_exporters_reason(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((20, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 20)
    rows = sweep_variant(
        "odd",
        DataDependent(),
        x,
        y,
        TASK,
        runtimes=["eager", "onnxruntime"],
        batch_sizes=[4],
        threads=[1],
        repeats=2,
        warmup=0,
        cache_dir=tmp_path,
    )
    assert not rows[1].supported and rows[1].reason.startswith("torch.onnx.export (dynamo) failed")
    assert not list(tmp_path.glob("*.onnx"))  # no half-written file left for the next task to reuse


def test_the_preparation_cost_is_reported_and_the_artefact_cached_for_the_run(float_rows, model, cache):
    assert float_rows["compiled"].preparation_s > 0.5  # Inductor compiles C++ for real
    assert float_rows["onnxruntime"].preparation_s > 0 and float_rows["onnxruntime"].artefact.endswith(".onnx")
    assert (cache / "inductor").is_dir() and float_rows["compiled"].artefact == str(cache / "inductor.tar")
    again = runtime_for("onnxruntime").prepare(model, torch.zeros(4, 1, 8, 8), cache_dir=cache)
    assert again.from_cache and str(again.artefact) == float_rows["onnxruntime"].artefact


def test_the_preparation_energy_is_booked_under_its_own_stage(model, digits, tmp_path):
    _, _, x, y = digits
    rows = sweep_variant(
        "baseline",
        model,
        x,
        y,
        TASK,
        runtimes=["eager", "onnxruntime"],
        batch_sizes=[8],
        threads=[1],
        repeats=2,
        warmup=0,
        cache_dir=tmp_path,
        track=lambda stage: track_energy(stage, "FRA", measure_power_secs=0.5),
    )
    energy = rows[1].preparation_energy
    assert energy is not None and energy.stage == "prepare:baseline:onnxruntime" and energy.energy_kwh > 0
    assert rows[0].preparation_energy is None  # eager prepares nothing


def test_every_runtime_is_timed_at_each_batch_size_and_thread_count(float_rows):
    for row in float_rows.values():
        assert {(s.batch_size, s.threads) for s in row.latency} == {(32, 1), (32, 2)}
        assert all(s.interval_low_ms <= s.median_ms <= s.interval_high_ms for s in row.latency)
        assert all(s.cpu_interval_low_ms <= s.cpu_median_ms <= s.cpu_interval_high_ms for s in row.latency)


def test_a_float_output_moved_beyond_the_tolerance_fails_the_check():
    rng = np.random.default_rng(1)
    eager = rng.normal(size=(50, 10))
    moved = eager.copy()
    moved[3, 0] += 1e-2
    check = check_against_eager(eager, moved, eager.argmax(axis=1), TASK, int8=False)
    assert not check.passed and check.changed_items == 1 and "1 of 50" in check.verdict
    assert check_against_eager(eager, eager + 1e-6, eager.argmax(axis=1), TASK, int8=False).passed


def test_an_int8_runtime_losing_accuracy_beyond_the_study_limit_fails_the_paired_test():
    rng = np.random.default_rng(2)
    eager = rng.normal(size=(400, 10))
    truth = eager.argmax(axis=1)
    worse = eager.copy()
    worse[:40] = np.roll(worse[:40], 1, axis=1)  # 10 % of the items now predicted wrong
    failing = check_against_eager(eager, worse, truth, TASK, int8=True)
    assert not failing.passed and failing.loss == pytest.approx(0.1) and failing.loss_p2_5 > TASK.max_quality_loss
    slightly = eager.copy()
    slightly[:2] = np.roll(slightly[:2], 1, axis=1)  # 0.5 %: within the 0.02 limit
    assert check_against_eager(eager, slightly, truth, TASK, int8=True).passed
    no_limit = check_against_eager(eager, worse, truth, TaskSpec(kind="multiclass"), int8=True)
    assert not no_limit.passed and "no significant loss" in no_limit.tolerance


def _row(runtime: str, low: float, median: float, high: float, *, passed=True, supported=True) -> RuntimeResult:
    check = None
    if runtime != "eager":
        check = RuntimeCheck(
            reference="eager",
            tolerance_kind="float",
            n_items=10,
            max_abs_difference=0.0,
            changed_items=0,
            changed_predictions=0,
            primary_metric="accuracy",
            reference_value=1.0,
            runtime_value=1.0,
            loss=0.0,
            loss_p2_5=0.0,
            loss_p97_5=0.0,
            tolerance="float",
            passed=passed,
            verdict="test",
        )
    latency = (
        [
            RuntimeLatency(
                batch_size=64, threads=1, repeats=5, median_ms=median, interval_low_ms=low, interval_high_ms=high
            )
        ]
        if supported
        else []
    )
    return RuntimeResult(variant="v", runtime=runtime, supported=supported, reason="r", check=check, latency=latency)


def test_fastest_is_the_quickest_runtime_significantly_faster_than_eager_within_tolerance():
    """Rows without per-call CPU series (records from before the paired test, tests/ml/test_runtime_choice.py)."""
    rows = [_row("eager", 9, 10, 11), _row("compiled", 2, 3, 4), _row("onnxruntime", 1, 1.5, 2, passed=False)]
    choice = choose_runtime(rows, "fastest", 64, 1)
    assert choice.runtime == "compiled" and "fastest within tolerance" in choice.reason
    overlapping = [_row("eager", 9, 10, 11), _row("compiled", 8, 9, 10)]
    assert choose_runtime(overlapping, "fastest", 64, 1).runtime == "eager"


def _on_cpu(row: RuntimeResult, low: float, median: float, high: float) -> RuntimeResult:
    stat = row.latency[0].model_copy(
        update={"cpu_interval_low_ms": low, "cpu_median_ms": median, "cpu_interval_high_ms": high}
    )
    return row.model_copy(update={"latency": [stat]})


def test_fastest_is_decided_on_cpu_time_which_a_busy_neighbour_does_not_blur():
    """Beside a neighbour the wall-clock intervals overlap, but the CPU time each call needs still separates.

    Rows with CPU intervals but no per-call series: a record from before the paired test.
    """
    busy = [
        _on_cpu(_row("eager", 5, 10, 40), 9, 10, 11),
        _on_cpu(_row("onnxruntime", 2, 4, 30), 3, 3.5, 4),
    ]
    choice = choose_runtime(busy, "fastest", 64, 1)
    assert choice.runtime == "onnxruntime" and "3.5 ms of CPU time per batch" in choice.reason
    same_cpu = [_on_cpu(_row("eager", 9, 10, 11), 9, 10, 11), _on_cpu(_row("onnxruntime", 1, 2, 3), 9, 9.5, 10)]
    assert choose_runtime(same_cpu, "fastest", 64, 1).runtime == "eager"  # faster on the clock, not on the CPU


def test_a_named_runtime_that_cannot_run_the_variant_falls_back_to_eager_and_says_why():
    rows = [_row("eager", 9, 10, 11), _row("onnxruntime", 0, 0, 0, supported=False)]
    choice = choose_runtime(rows, "onnxruntime", 64, 1)
    assert choice.runtime == "eager" and "does not run this variant" in choice.reason
    assert choose_runtime([_row("eager", 9, 10, 11), _row("compiled", 8, 9, 10)], "compiled", 64, 1).runtime == (
        "compiled"
    )
