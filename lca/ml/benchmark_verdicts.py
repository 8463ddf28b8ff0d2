"""Speed and energy verdicts of a variant against the baseline, from pairs measured in alternation.

Each variant is benchmarked in a task of its own, so its series and the baseline's were
measured at different times, perhaps on different hosts: the drift between them is not
noise a test can see. The variant's task therefore also runs the baseline, interleaved
with the variant (:func:`interleaved_latency_ms`; the energy windows in
:func:`lca.ml.repeated_windows.measure_windows`), and the verdicts compare each call or
window with its partner only (:func:`lca.ml.significance.paired_test`, at the study's
``benchmark.alpha``). Why this pairing and no other: :mod:`lca.ml.significance`.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from lca.ml import significance
from lca.ml.device import synchronize
from lca.records import LatencyStat, VariantBenchmark, VerdictTest

UNRESOLVED = "not resolved: no verdict (upper bound)"


@torch.no_grad()
def interleaved_latency_ms(model, reference, batch, repeats: int, warmup: int) -> tuple[list[float], list[float]]:
    """``repeats`` pairs of calls, the variant's and the reference's; the order within a pair alternates.

    Both are warmed up first (``warmup`` calls each). In even pairs the variant is called first, in
    odd ones the reference, so that whatever the first call of a pair pays (a cache the other model
    evicted, a clock ramping up) falls on each side equally often.
    """
    for _ in range(warmup):
        model(batch)
        reference(batch)
    synchronize(batch.device)
    timings: dict[str, list[float]] = {"variant": [], "reference": []}
    for i in range(repeats):
        order = (("variant", model), ("reference", reference))
        for name, runner in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            runner(batch)
            synchronize(batch.device)
            timings[name].append((time.perf_counter() - start) * 1000.0)
    return timings["variant"], timings["reference"]


def reference_on(reference, run_on: torch.device, threads: int | None):
    """The baseline ready to run next to the variant on ``run_on``; None where it cannot (a CPU runtime off the CPU)."""
    if reference is None:
        return None
    if isinstance(reference, nn.Module):
        return reference.to(run_on).eval()
    if run_on.type != "cpu":
        return None
    if threads:
        reference.set_threads(threads)
    return reference


def verdict_test(paired: significance.PairedVerdict, words=lambda verdict: verdict, why: str = "") -> VerdictTest:
    """The record of a paired test; ``why`` replaces the statement of one that was not run."""
    verdict = words(paired.verdict)
    return VerdictTest(
        verdict=verdict,
        statement=why or paired.statement(words),
        p_value=paired.p_value,
        alpha=paired.alpha,
        pairs=paired.pairs,
        ratio=paired.ratio,
    )


def _speed(stat: LatencyStat, alpha: float) -> VerdictTest:
    if not stat.interleaved_ms or len(stat.interleaved_ms) != len(stat.interleaved_reference_ms):
        untested = significance.PairedVerdict(significance.UNTESTED, None, alpha, 0, None)
        why = f"not tested (no calls of the baseline interleaved with this variant's; alpha = {alpha:g})"
        return verdict_test(untested, why=why)
    paired = significance.paired_test(stat.interleaved_ms, stat.interleaved_reference_ms, alpha=alpha)
    return verdict_test(paired, significance.speed_verdict)


def _energy(variant: VariantBenchmark, base: VariantBenchmark, alpha: float) -> VerdictTest:
    untested = significance.PairedVerdict(significance.UNTESTED, None, alpha, 0, None)
    if variant.energy_bound or base.energy_bound:
        which = " and ".join(
            name for name, b in (("this variant's", variant), ("the baseline's", base)) if b.energy_bound
        )
        why = (
            f"{UNRESOLVED}: {which} energy per item is booked at the upper end of its 95 % interval (wider than "
            f"benchmark.energy_precision), so no paired test is drawn at alpha = {alpha:g}"
        )
        return verdict_test(untested, why=why, words=lambda _: UNRESOLVED)
    windows, references = variant.energy_windows_kwh_per_item, variant.energy_reference_windows_kwh_per_item
    if not references or len(windows) != len(references):
        why = (
            "not tested (no energy windows of the baseline interleaved with this variant's: "
            f"benchmark.energy_pairs = 0; alpha = {alpha:g})"
        )
        return verdict_test(untested, why=why)
    return verdict_test(significance.paired_test(windows, references, alpha=alpha))


def verdicts_against(variant: VariantBenchmark, base: VariantBenchmark, alpha: float = significance.ALPHA) -> dict:
    """Speed per batch size and energy per item against the baseline: paired tests at ``alpha``.

    The baseline itself is not tested against itself: its verdicts stay empty. An energy figure
    booked at its upper bound (either side) draws no verdict: "not resolved".
    """
    if variant.variant == base.variant:
        return {"speed_verdicts": {}, "speed_tests": {}, "energy_verdict": None, "energy_test": None}
    base_sizes = {s.batch_size for s in base.latency}
    speed = {str(s.batch_size): _speed(s, alpha) for s in variant.latency if s.batch_size in base_sizes}
    energy = _energy(variant, base, alpha)
    return {
        "speed_verdicts": {size: test.verdict for size, test in speed.items()},
        "speed_tests": speed,
        "energy_verdict": energy.verdict,
        "energy_test": energy,
    }
