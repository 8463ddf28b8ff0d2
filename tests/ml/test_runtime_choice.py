"""The deployed runtime ('fastest') is chosen on CPU time per call, by a paired test against a margin x eager.

Issue 18: beside one busy loop, 3 of 12 digits variants were deployed in another runtime than
in a quiet run, because the choice asked for non-overlapping 5-95 % intervals of single calls,
whose tails a neighbour stretches. These specify the choice that replaced it: eager and each
candidate timed in alternating rounds, compared call by call (paired sign-flip test at the
study's alpha) against a declared margin, so a near-tie keeps eager and a clear saving is
chosen whatever the load.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.ml import significance
from lca.ml.runtimes.base import Prepared
from lca.ml.runtimes.onnx_runtime import OnnxRuntime, open_session
from lca.ml.runtimes.selection import PAIRED, choose_runtime
from lca.ml.runtimes.sweep import interleaved_latency
from lca.records import RuntimeChoice, RuntimeLatency, RuntimeResult
from lca.study.machine_learning import RUNTIME_MARGIN, BenchmarkSpec

PAIRS = 30  # the digits study's latency_repeats


def _load(seed: int, heavy: bool) -> np.ndarray:
    """What each round's calls share: the host's load. Beside a neighbour, one round in four is slowed 2-4 x."""
    rng = np.random.default_rng(seed)
    load = rng.lognormal(0.0, 0.05, PAIRS)
    if heavy:
        slowed = rng.random(PAIRS) < 0.25
        load[slowed] *= rng.uniform(2, 4, int(slowed.sum()))
    return load


def _timed(cpu: np.ndarray, wall: np.ndarray | None = None) -> RuntimeLatency:
    wall = cpu if wall is None else wall
    cpu_interval, interval = significance.run_interval(cpu.tolist()), significance.run_interval(wall.tolist())
    return RuntimeLatency(
        batch_size=64,
        threads=1,
        repeats=len(cpu),
        median_ms=float(np.median(wall)),
        interval_low_ms=interval[0],
        interval_high_ms=interval[1],
        cpu_median_ms=float(np.median(cpu)),
        cpu_interval_low_ms=cpu_interval[0],
        cpu_interval_high_ms=cpu_interval[1],
        cpu_ms=cpu.tolist(),
    )


def _row(runtime: str, stat: RuntimeLatency) -> RuntimeResult:
    return RuntimeResult(variant="v", runtime=runtime, supported=True, reason="r", latency=[stat])


def _series(ms: float, load: np.ndarray, seed: int) -> np.ndarray:
    """One runtime's CPU time per call: its own cost, times the round's load, times a little noise of its own."""
    return ms * load * np.random.default_rng(seed).lognormal(0.0, 0.02, len(load))


@pytest.mark.parametrize("heavy", [False, True], ids=["quiet", "beside a neighbour"])
def test_a_runtime_that_needs_clearly_less_cpu_time_is_chosen_quiet_and_beside_a_neighbour(heavy):
    load = _load(0, heavy)
    eager, onnx = _series(0.40, load, 1), _series(0.16, load, 2)
    if heavy:  # the old rule's failure: the single calls' 5-95 % intervals overlap beside the neighbour
        assert significance.compare_intervals(
            significance.run_interval(onnx.tolist()), significance.run_interval(eager.tolist())
        ) == (significance.SAME)
    choice = choose_runtime([_row("eager", _timed(eager)), _row("onnxruntime", _timed(onnx))], "fastest", 64, 1)
    assert choice.runtime == "onnxruntime"
    assert "fastest within tolerance" in choice.reason and "paired sign-flip test, 30 pairs" in choice.reason
    assert choice.basis == "CPU time" and choice.test == PAIRED
    assert choice.alpha == significance.ALPHA and choice.margin == RUNTIME_MARGIN == 0.9
    (tested,) = choice.comparisons
    assert tested.runtime == "onnxruntime" and tested.verdict == significance.LOWER and tested.pairs == PAIRS
    assert tested.ratio == pytest.approx(0.4, rel=0.05) and tested.p_value <= choice.alpha


def test_a_near_tie_keeps_eager_although_the_candidate_is_consistently_a_little_faster():
    load = _load(3, heavy=True)
    eager, compiled = _series(2.0, load, 4), _series(1.9, load, 5)  # 5 % less CPU time, every round
    rows = [_row("eager", _timed(eager)), _row("compiled", _timed(compiled))]
    choice = choose_runtime(rows, "fastest", 64, 1)
    assert choice.runtime == "eager" and "0.9 x eager's CPU time" in choice.reason
    assert choice.comparisons[0].ratio == pytest.approx(0.95, rel=0.02)
    assert choice.comparisons[0].verdict == significance.HIGHER  # significantly above 0.9 x eager
    # the margin is what keeps eager: without one the 5 % would be significant and chosen
    assert choose_runtime(rows, "fastest", 64, 1, margin=1.0).runtime == "compiled"


def test_a_runtime_faster_only_on_the_clock_is_not_chosen():
    """Spreading a call over more threads can shorten its wall time without saving any CPU time."""
    load = _load(6, heavy=False)
    eager = _series(1.0, load, 7)
    threaded_cpu = _series(1.0, load, 8)
    rows = [_row("eager", _timed(eager)), _row("onnxruntime", _timed(threaded_cpu, wall=threaded_cpu / 2))]
    choice = choose_runtime(rows, "fastest", 64, 1)
    assert choice.runtime == "eager" and choice.comparisons[0].verdict != significance.LOWER


def test_of_several_candidates_below_the_margin_the_one_needing_least_cpu_time_is_chosen():
    load = _load(9, heavy=True)
    eager = _series(1.0, load, 10)
    rows = [
        _row("eager", _timed(eager)),
        _row("compiled", _timed(_series(0.7, load, 11))),
        _row("onnxruntime", _timed(_series(0.5, load, 12))),
    ]
    assert choose_runtime(rows, "fastest", 64, 1).runtime == "onnxruntime"
    failing = rows[2].model_copy(update={"check": _failed_check()})
    assert (
        choose_runtime([*rows[:2], failing], "fastest", 64, 1).runtime == "compiled"
    )  # out of tolerance: not a candidate


def test_too_few_pairs_to_reach_alpha_keep_eager():
    load = _load(13, heavy=False)[:5]
    eager, onnx = _series(1.0, load, 14), _series(0.3, load, 15)
    choice = choose_runtime([_row("eager", _timed(eager)), _row("onnxruntime", _timed(onnx))], "fastest", 64, 1)
    assert choice.runtime == "eager" and choice.comparisons[0].verdict == significance.UNTESTED


def test_the_study_declares_the_margin_within_bounds():
    assert BenchmarkSpec().runtime_margin == RUNTIME_MARGIN
    for bad in (0.3, 1.2):
        with pytest.raises(ValueError, match="runtime_margin"):
            BenchmarkSpec(runtime_margin=bad)


def test_a_record_made_before_the_paired_test_loads_and_its_rows_fall_back_to_intervals():
    old_choice = {
        "variant": "v",
        "requested": "fastest",
        "runtime": "onnxruntime",
        "batch_size": 64,
        "threads": 1,
        "reason": "fastest within tolerance at batch 64, 1 thread(s): 3.5 ms of CPU time per batch (intervals apart)",
    }
    loaded = RuntimeChoice.model_validate(old_choice)
    assert loaded.runtime == "onnxruntime" and loaded.test is None and loaded.comparisons == []
    old_stat = {"batch_size": 64, "threads": 1, "repeats": 5, "median_ms": 10.0}
    eager = RuntimeLatency.model_validate(
        {**old_stat, "interval_low_ms": 9, "interval_high_ms": 11, "cpu_median_ms": 10.0}
        | {"cpu_interval_low_ms": 9, "cpu_interval_high_ms": 11}
    )
    onnx = RuntimeLatency.model_validate(
        {**old_stat, "median_ms": 3.5, "interval_low_ms": 3, "interval_high_ms": 4, "cpu_median_ms": 3.5}
        | {"cpu_interval_low_ms": 3, "cpu_interval_high_ms": 4}
    )
    assert eager.cpu_ms == []
    choice = choose_runtime([_row("eager", eager), _row("onnxruntime", onnx)], "fastest", 64, 1)
    assert choice.runtime == "onnxruntime" and "intervals of CPU time per call apart" in choice.test


def test_the_sweep_times_runtimes_in_rounds_whose_order_alternates_and_keeps_each_calls_cpu_time():
    calls: list[str] = []

    def runner(name):
        def run(batch):
            calls.append(name)
            return batch

        return Prepared(runtime=name, runner=run, preparation_s=0.0, set_threads=lambda n: None)

    ready = {"eager": runner("eager"), "onnxruntime": runner("onnxruntime")}
    threads = torch.get_num_threads()
    try:
        stats = interleaved_latency(ready, torch.zeros(4, 3), [2], [1], repeats=4, warmup=0)
    finally:
        torch.set_num_threads(threads)
    assert calls == ["eager", "onnxruntime", "onnxruntime", "eager"] * 2
    for name in ready:
        (stat,) = stats[name]
        assert len(stat.cpu_ms) == 4 and all(t >= 0 for t in stat.cpu_ms)


def test_onnx_runtime_sessions_do_not_spin_and_use_the_deployments_thread_count(tmp_path):
    """A spinning pool books CPU time with no inference done, more or less of it as a neighbour wants the core."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)).eval()
    prepared = OnnxRuntime().prepare(model, torch.zeros(4, 1, 8, 8), threads=2, cache_dir=tmp_path)
    for threads, expected in ((2, 2), (None, torch.get_num_threads())):
        options = open_session(prepared.artefact, threads).get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == expected  # never 0, ONNX Runtime's one-per-physical-core default
        assert options.inter_op_num_threads == 1


def _failed_check():
    from lca.records import RuntimeCheck

    return RuntimeCheck(
        reference="eager",
        tolerance_kind="float",
        n_items=10,
        max_abs_difference=1.0,
        changed_items=3,
        changed_predictions=3,
        primary_metric="accuracy",
        reference_value=1.0,
        runtime_value=0.7,
        loss=0.3,
        loss_p2_5=0.2,
        loss_p97_5=0.4,
        tolerance="float",
        passed=False,
        verdict="changed",
    )
