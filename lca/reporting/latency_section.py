"""Every variant's latency at every batch size timed, with its verdict against the baseline, as a CSV.

The report's tables show each batch size on screen; the printed report keeps the batch size the
LCA books (``benchmark.batch_size``) and points here for the others (issue 23: a real digits run's
report must print to 15 A4 pages without losing a figure), so this table holds every one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.records import VariantBenchmark
from lca.reporting.tables import write_csv

LATENCY_CSV = "latency.csv"
COLUMNS = [
    "variant",
    "runtime",
    "device",
    "threads",
    "batch_size",
    "booked",
    "repeats",
    "median_ms",
    "p10_ms",
    "p90_ms",
    "interval_low_ms",
    "interval_high_ms",
    "items_per_second",
    "speed_vs_baseline",
    "speed_test",
]


def latency_table(folder: Path, benchmarks: list[VariantBenchmark]) -> dict[str, Any] | None:
    """The CSV's name and how many batch sizes print leaves out; None when no variant timed a batch size."""
    rows: list[dict[str, Any]] = []
    for b in benchmarks:
        for s in b.latency:
            size = str(s.batch_size)
            test = b.speed_tests.get(size)
            rows.append(
                {
                    "variant": b.variant,
                    "runtime": b.runtime,
                    "device": b.device,
                    "threads": b.threads,
                    "batch_size": s.batch_size,
                    "booked": s.batch_size == b.batch_size,
                    "repeats": s.repeats,
                    "median_ms": s.median_ms,
                    "p10_ms": s.p10_ms,
                    "p90_ms": s.p90_ms,
                    "interval_low_ms": s.interval_low_ms,
                    "interval_high_ms": s.interval_high_ms,
                    "items_per_second": s.items_per_second,
                    "speed_vs_baseline": b.speed_verdicts.get(size, ""),
                    "speed_test": test.statement if test is not None else "",
                }
            )
    if not rows:
        return None
    sizes = sorted({s.batch_size for b in benchmarks for s in b.latency if s.batch_size != b.batch_size})
    return {"csv": write_csv(folder / LATENCY_CSV, rows, COLUMNS), "other_sizes": sizes}
