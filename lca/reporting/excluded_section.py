"""Stages the study left out: listed in "In short", and their effect at a typical value in the sensitivity section.

Reads the study (which stages it leaves out), the inventory's notes (data
preparation not measured) and the sensitivity task's results; recomputes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.records import SensitivityResults, StudyInventory
from lca.reporting.tables import labelled, write_csv
from lca.study.excluded_stages import excluded_stages
from lca.study.schema import Study

EXCLUDED_CSV = "sensitivity_excluded_stages.csv"


def excluded_context(
    folder: Path, study: Study, inventory: StudyInventory, sensitivity: SensitivityResults | None
) -> dict[str, Any]:
    listed = [
        {"stage": s.stage, "field": s.field, "why": s.why, "typical": s.typical_label} for s in excluded_stages(study)
    ]
    if any(note.startswith("Data preparation was not measured") for note in inventory.notes):
        listed.append(
            {
                "stage": "data preparation",
                "field": "(measured by the prepare_data task)",
                "why": "no energy record of data preparation in this run",
                "typical": "",
            }
        )
    rows = [labelled(r) for r in (sensitivity.excluded_stages if sensitivity else [])]
    first = rows[0]["method"] if rows else None
    return {
        "listed": listed,
        "rows": [r for r in rows if r["method"] == first],
        "first_method": first,
        "flips": sorted({(r["stage"], r["scenario"]) for r in rows if r["flips"]}),
        "csv": write_csv(folder / EXCLUDED_CSV, rows) if rows else None,
    }
