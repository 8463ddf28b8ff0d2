"""Which runtime a variant is deployed in (``deployment.runtime``), decided from the sweep's rows.

``fastest``: among the runtimes that run the variant and keep its predictions within
tolerance, the one that needs the least CPU time per call at the deployment's batch size
and thread count, but only if it needs *significantly less than a margin times* eager's;
otherwise eager, which needs no preparation and is the reference.

- **CPU time, not wall time.** A neighbour on the host lengthens every call's wall time; the
  CPU time a call needs is the program's own and is what the LCA books. A runtime faster
  on the clock only (e.g. one that spreads a call over more threads) is not chosen for it.
- **A paired test over the interleaved calls** (:func:`lca.ml.significance.paired_test` at
  the study's ``benchmark.alpha``, the test of every benchmark verdict): the sweep times
  eager and each candidate in alternating rounds (:mod:`lca.ml.runtimes.sweep`), so call
  ``i`` of each met the same load, and each candidate call is compared with its eager
  partner. The choice used to ask for non-overlapping 5-95 % intervals of the single
  calls, which is a statement about the calls' tails, not about the difference: beside one
  busy loop the tails of a 0.16 ms ONNX Runtime call and a 0.4 ms eager call overlapped
  while the paired ratio stayed at 0.40 (p = 1e-4) quiet and busy alike, and 3 of 12 digits
  variants were deployed in another runtime than in a quiet run (issue 18,
  benchmarks/neighbour_results.md).
- **A declared practical margin** (``benchmark.runtime_margin``, 0.9 by default: the test is
  against ``margin x eager``), so that a near-tie keeps eager instead of flipping with the
  load from one run to the next.

The choice record states the basis, the test, alpha, the margin and each candidate's
measured ratio and p-value. Rows of records made before the per-call CPU series was kept
fall back to what those records allow: non-overlapping intervals of CPU time, or of wall
time before CPU time was kept (no stated error rate; the reason says so).

A named runtime is used when it runs the variant within tolerance; when it does not, eager
is used and the choice says why, so a study naming ``onnxruntime`` still gets an LCA for a
variant ONNX cannot export.
"""

from __future__ import annotations

from lca.ml import significance
from lca.records import RuntimeChoice, RuntimeComparison, RuntimeLatency, RuntimeResult
from lca.study.machine_learning import RUNTIME_MARGIN

PAIRED = "paired sign-flip permutation test on the CPU time of interleaved calls"
CPU_INTERVALS = "5-95 % intervals of CPU time per call apart (record without per-call series; no stated error rate)"
WALL_INTERVALS = "5-95 % intervals of latency apart (record without CPU time; no stated error rate)"


def choose_runtime(  # noqa: PLR0913 - the sweep's rows, the deployment and the test's declared settings
    rows: list[RuntimeResult],
    requested: str,
    batch_size: int,
    threads: int,
    *,
    alpha: float = significance.ALPHA,
    margin: float = RUNTIME_MARGIN,
) -> RuntimeChoice:
    """``rows``: one variant's results, eager's among them, measured at ``batch_size`` and ``threads``."""
    variants = {r.variant for r in rows}
    if len(variants) != 1:
        raise ValueError(f"choose a runtime per variant; rows of {sorted(variants)}")
    by_name = {r.runtime: r for r in rows}
    if "eager" not in by_name:
        raise ValueError("the eager row is the reference and must be among the rows")
    eager = by_name["eager"].latency_at(batch_size, threads)
    if eager is None:
        raise ValueError(f"eager was not timed at batch {batch_size} with {threads} thread(s)")
    if not 0 < margin <= 1:
        raise ValueError(f"the runtime margin {margin!r} must be in (0, 1]: a candidate must need less than eager")

    def choice(runtime: str, reason: str, **tested) -> RuntimeChoice:
        return RuntimeChoice(
            variant=rows[0].variant,
            requested=requested,
            runtime=runtime,
            batch_size=batch_size,
            threads=threads,
            reason=reason,
            **tested,
        )

    if requested != "fastest":
        row = by_name.get(requested)
        if row is None:
            raise ValueError(f"deployment.runtime {requested!r} was not benchmarked")
        if not row.supported:
            return choice("eager", f"{requested} does not run this variant ({row.reason}); deployed in eager")
        if not row.usable:
            return choice("eager", f"{requested} changes the predictions ({row.check.verdict}); deployed in eager")
        return choice(requested, "named in deployment.runtime")

    basis, test = _basis(eager)
    comparisons = []
    for row in rows:
        stat = row.latency_at(batch_size, threads)
        if row.runtime != "eager" and row.usable and stat is not None:
            comparisons.append(compare(row.runtime, stat, eager, test, alpha=alpha, margin=margin))
    tested = {"basis": basis, "test": test, "alpha": alpha, "margin": margin, "comparisons": comparisons}
    lower = [c for c in comparisons if c.verdict == significance.LOWER and c.ratio is not None]
    if not lower:
        return choice(
            "eager",
            f"no other runtime needs significantly less than {margin:g} x eager's {basis} within tolerance "
            f"({test}); eager is the reference",
            **tested,
        )
    best = min(lower, key=lambda c: c.ratio or 0.0)
    measured = _median(by_name[best.runtime].latency_at(batch_size, threads), basis)
    return choice(
        best.runtime,
        f"fastest within tolerance at batch {batch_size}, {threads} thread(s): {measured:.3g} ms of {basis} per "
        f"batch against eager's {_median(eager, basis):.3g} ms, {best.ratio:.2f} x; {best.statement}",
        **tested,
    )


def compare(  # noqa: PLR0913 - one candidate against eager, under the declared test settings
    runtime: str, stat: RuntimeLatency, eager: RuntimeLatency, test: str, *, alpha: float, margin: float
) -> RuntimeComparison:
    """Is ``stat`` significantly below ``margin`` x eager's? By the paired test where both have per-call series."""
    if test == PAIRED:
        if len(stat.cpu_ms) != len(eager.cpu_ms) or min(stat.cpu_ms + eager.cpu_ms, default=0.0) <= 0:
            why = (
                f"not tested: {len(stat.cpu_ms)} {runtime} calls against {len(eager.cpu_ms)} of eager, or a CPU time "
                "of 0 (a clock too coarse for one call)"
            )
            return RuntimeComparison(runtime=runtime, verdict=significance.UNTESTED, statement=why, ratio=None)
        paired = significance.paired_test(stat.cpu_ms, eager.cpu_ms, alpha=alpha, margin=margin)
        ratio = paired.ratio * margin if paired.ratio is not None else None
        return RuntimeComparison(
            runtime=runtime,
            verdict=paired.verdict,
            statement=f"{paired.statement()}, against {margin:g} x eager",
            ratio=ratio,
            p_value=paired.p_value,
            pairs=paired.pairs,
        )
    on_cpu = test == CPU_INTERVALS
    mine, theirs = (stat.cpu_interval, eager.cpu_interval) if on_cpu else (stat.interval, eager.interval)
    verdict = significance.compare_intervals(mine, theirs)
    ratio = _median(stat, "CPU time" if on_cpu else "latency") / _median(eager, "CPU time" if on_cpu else "latency")
    if verdict == significance.LOWER and ratio > margin:
        verdict = significance.SAME  # apart, but a near-tie: not below the margin
    return RuntimeComparison(runtime=runtime, verdict=verdict, statement=f"{verdict} ({test})", ratio=ratio)


def _basis(eager: RuntimeLatency) -> tuple[str, str]:
    """What the record allows: the paired test on CPU time, or, in older records, intervals of CPU or wall time."""
    if eager.cpu_ms:
        return "CPU time", PAIRED
    if eager.cpu_interval is not None and eager.cpu_median_ms is not None:
        return "CPU time", CPU_INTERVALS
    return "latency", WALL_INTERVALS


def _median(stat: RuntimeLatency | None, basis: str) -> float:
    if stat is None:
        raise ValueError("a compared runtime was timed at the chosen batch size and threads")
    if basis == "CPU time" and stat.cpu_median_ms is not None:
        return stat.cpu_median_ms
    return stat.median_ms
