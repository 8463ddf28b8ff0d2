"""The report's runtime table: every variant in every runtime the study names, and the one it is deployed in.

A variant a runtime cannot run (torchao's dynamic int8 in ONNX Runtime, say) is a row that
says "not supported" and why (lca.ml.runtimes), never a missing row: a reader must see that
the runtime was tried, not guess it was forgotten. Latencies are those at the deployment's
batch size and thread count, the ones the deployed runtime was chosen on
(lca.ml.runtimes.selection), each with its interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.records import RuntimeResult, RuntimeSweep
from lca.reporting.tables import write_csv

RUNTIME_SWEEP_CSV = "runtime_sweep.csv"
COLUMNS = [
    "variant",
    "runtime",
    "deployed",
    "supported",
    "not_supported_reason",
    "preparation_s",
    "predictions_vs_eager",
    "check_passed",
    "batch_size",
    "threads",
    "latency_ms_median",
    "latency_ms_interval_low",
    "latency_ms_interval_high",
    "note",
    "why_deployed",
]


def runtimes_section(folder: Path, sweeps: list[RuntimeSweep]) -> dict[str, Any] | None:
    """The table's rows and its CSV (written in ``folder``); None when no variant was run in a runtime but eager."""
    if all(len(sweep.rows) < 2 for sweep in sweeps):
        return None
    rows = [_row(sweep, row) for sweep in sweeps for row in sweep.rows]
    return {"rows": rows, "csv": write_csv(folder / RUNTIME_SWEEP_CSV, rows, COLUMNS)}


def _row(sweep: RuntimeSweep, row: RuntimeResult) -> dict[str, Any]:
    choice = sweep.choice
    stat = row.latency_at(choice.batch_size, choice.threads)
    if row.runtime == "eager":
        check = "reference"
    elif row.check is not None:
        check = row.check.verdict
    else:
        check = ""
    return {
        "variant": row.variant,
        "runtime": row.runtime,
        "deployed": row.runtime == choice.runtime,
        "supported": row.supported,
        "not_supported_reason": "" if row.supported else row.reason,
        "preparation_s": row.preparation_s,
        "predictions_vs_eager": check,
        "check_passed": row.check.passed if row.check is not None else None,
        "batch_size": choice.batch_size,
        "threads": choice.threads,
        "latency_ms_median": stat.median_ms if stat else None,
        "latency_ms_interval_low": stat.interval_low_ms if stat else None,
        "latency_ms_interval_high": stat.interval_high_ms if stat else None,
        "note": row.note,
        "why_deployed": choice.reason if row.runtime == choice.runtime else "",
    }
