"""Which runtime a variant is deployed in (``deployment.runtime``), decided from the sweep's rows.

``fastest``: among the runtimes that run the variant and keep its predictions within
tolerance, the one that needs the least CPU time per batch at the deployment's batch size
and thread count, but only if it needs *significantly* less than eager (its interval lies
wholly below eager's, :mod:`lca.ml.significance`); otherwise eager, which needs no
preparation and is the reference. CPU time, not wall-clock latency: a neighbour on the
host lengthens every call's wall time and widens its interval, so on a busy host a choice
made on wall time fell back to eager for 10 of 12 digits variants that a quiet run deployed
in ONNX Runtime or compiled (benchmarks/neighbour_results.md), while the CPU time a call
needs is the program's own and is what the LCA books. Rows of records made before CPU time
was kept fall back to wall time. A named runtime is used when it runs the variant within
tolerance; when it does not, eager is used and the choice says why, so a study naming
``onnxruntime`` still gets an LCA for a variant ONNX cannot export.
"""

from __future__ import annotations

from lca.ml import significance
from lca.records import RuntimeChoice, RuntimeResult


def choose_runtime(rows: list[RuntimeResult], requested: str, batch_size: int, threads: int) -> RuntimeChoice:
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

    def choice(runtime: str, reason: str) -> RuntimeChoice:
        return RuntimeChoice(
            variant=rows[0].variant,
            requested=requested,
            runtime=runtime,
            batch_size=batch_size,
            threads=threads,
            reason=reason,
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

    on_cpu = eager.cpu_interval is not None
    basis = "CPU time" if on_cpu else "latency"
    candidates = []
    for row in rows:
        stat = row.latency_at(batch_size, threads)
        if row.runtime == "eager" or not row.usable or stat is None:
            continue
        if on_cpu and stat.cpu_interval is not None and stat.cpu_median_ms is not None:
            if significance.compare_intervals(stat.cpu_interval, eager.cpu_interval) == significance.LOWER:
                candidates.append((stat.cpu_median_ms, row.runtime))
        elif not on_cpu and significance.compare_intervals(stat.interval, eager.interval) == significance.LOWER:
            candidates.append((stat.median_ms, row.runtime))
    if not candidates:
        return choice(
            "eager", f"no other runtime needs significantly less {basis} within tolerance; eager is the reference"
        )
    median, runtime = min(candidates)
    reference = eager.cpu_median_ms if on_cpu and eager.cpu_median_ms is not None else eager.median_ms
    return choice(
        runtime,
        f"fastest within tolerance at batch {batch_size}, {threads} thread(s): {median:.3g} ms of {basis} per batch "
        f"against eager's {reference:.3g} ms (intervals apart)",
    )
