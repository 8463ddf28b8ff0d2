"""The report's 'when' beside 'where': the hourly grid profile and the carbon-aware training scenario.

Reads :class:`lca.records.TimeOfUseResults` (computed by the
sensitivity task) and writes its two tables as CSV; recomputes nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from lca.records import SensitivityResults

CARBON_AWARE_CSV = "carbon_aware.csv"
WHEN_CSV = "sensitivity_when.csv"


def _label(method) -> str:
    return " | ".join(method)


def _write(path: Path, rows: list[dict[str, Any]]) -> str:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path.name


def when_context(folder: Path, sensitivity: SensitivityResults | None) -> dict[str, Any]:
    found = sensitivity.time_of_use if sensitivity is not None else None
    if found is None:
        return {"ran": False}
    aware = [{**r.model_dump(), "method": _label(r.method)} for r in found.carbon_aware]
    when = [{**r.model_dump(), "method": _label(r.method)} for r in found.when]
    first = found.carbon_aware[0].method if found.carbon_aware else None
    hours = [r for r in found.when if r.method == first and r.scenario == "baseline"] if first else []
    return {
        "ran": True,
        "info": found,
        "carbon_aware": [r for r in aware if r["method"] == _label(first)] if first else [],
        "first_method": _label(first) if first else "",
        "hours": hours,
        "carbon_aware_csv": _write(folder / CARBON_AWARE_CSV, aware) if aware else None,
        "when_csv": _write(folder / WHEN_CSV, when) if when else None,
    }
