"""The report's inventory section (templates ``lca_inventory.html.j2``, ``lca_dqi.html.j2``): background data, devices,
the data quality (DQI) table of the reference figures and the export.

Lists every background activity the run used with its source, data quality and
uncertainty, the hardware behind the devices, and copies the Brightway Excel
export (written by the assessment) into the report folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lca.assessment.characterization import CARRIERS
from lca.assessment.comparison import describe_uncertainty
from lca.assessment.hardware import hardware_table
from lca.records import StudyInventory
from lca.reporting.tables import write_csv

EXPORT_XLSX = "inventory_brightway.xlsx"
DQI_CSV = "dqi.csv"
# Every stage of every scenario: the full inventory table, which the printed report leaves out (issue 23).
INVENTORY_CSV = "inventory_stages.csv"
# What each provider uses per unit: on screen a table, in print a pointer here.
PROVIDER_INPUTS_CSV = "provider_inputs.csv"
BACKGROUND_CSV = "background_data.csv"


def inventory_context(folder: Path, inventory: StudyInventory, export_path: Path | None) -> dict[str, Any]:
    export = None
    if export_path is not None and Path(export_path).is_file():
        shutil.copyfile(export_path, folder / EXPORT_XLSX)
        export = EXPORT_XLSX
    dqi = [row.model_dump() for row in inventory.dqi]
    background = _background(inventory)
    return {
        "background": background,
        "background_csv": write_csv(folder / BACKGROUND_CSV, background) if background else None,
        "devices": _devices(inventory),
        "export": export,
        "dqi": {"rows": dqi, "csv": write_csv(folder / DQI_CSV, dqi) if dqi else None},
        "inventory_stages": _stages_table(folder, inventory),
        "provider_inputs": _provider_inputs(folder, inventory),
    }


def _csv_only(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A table the report points to in print: its row count and its CSV (None when it has no rows)."""
    return {"rows": len(rows), "csv": write_csv(path, rows) if rows else None}


def _provider_inputs(folder: Path, inventory: StudyInventory) -> dict[str, Any]:
    rows = [
        {
            "provider": p.name,
            "label": p.label,
            "unit": p.unit,
            "input": u.input,
            "amount": u.amount,
            "uncertainty": describe_uncertainty(u.uncertainty),
            "basis": u.comment,
        }
        for p in inventory.providers
        for u in p.uses
    ]
    return _csv_only(folder / PROVIDER_INPUTS_CSV, rows)


def _stages_table(folder: Path, inventory: StudyInventory) -> dict[str, Any]:
    """The full inventory as a CSV (and so a sheet of tables.xlsx): on screen it is a table, in print a pointer."""
    rows = [
        {
            "scenario": s.name,
            "label": s.label,
            "is_reference": s.is_reference,
            "stage": f.stage,
            "amount": f.amount,
            "provider": f.provider,
            "uncertainty": describe_uncertainty(f.uncertainty),
            "how_computed": f.comment,
        }
        for s in inventory.scenarios
        for f in s.stages
    ]
    return _csv_only(folder / INVENTORY_CSV, rows)


def _background(inventory: StudyInventory) -> list[dict[str, Any]]:
    rows = []
    for activity in inventory.background_activities():
        for flow in activity.flows:
            rows.append(
                {
                    "activity": activity.name,
                    "where": activity.database or "this run's foreground (study override)",
                    "category": CARRIERS[flow.category].label,
                    "total": flow.total,
                    "unit": f"{CARRIERS[flow.category].total_unit} / {activity.unit}",
                    "source": flow.source,
                    "uncertainty": describe_uncertainty(flow.uncertainty),
                    "basis": flow.uncertainty.basis,
                }
            )
        for method, score in activity.scores.items():  # linked to the practitioner's own Brightway background
            rows.append(
                {
                    "activity": activity.name,
                    "where": f"{activity.database} (your Brightway project), code {activity.database_code}",
                    "category": method,
                    "total": score,
                    "unit": f"per {activity.unit}",
                    "source": activity.comment,
                    "uncertainty": "Brightway's own Monte Carlo of the linked background",
                    "basis": "paired draws of all linked activities, one MultiLCA (cached)",
                }
            )
    return rows


def _devices(inventory: StudyInventory) -> list[dict[str, Any]]:
    used = {a.key.split("::", 1)[1] for a in inventory.background_activities() if a.key.startswith("device::")}
    table = hardware_table()
    rows = []
    for device_id in sorted(used):
        if device_id not in table.devices:
            continue
        d = table.devices[device_id]
        rows.append(
            {
                "id": d.id,
                "label": d.label,
                "climate": d.totals.get("climate", 0.0),
                "minerals": d.totals.get("minerals", 0.0),
                "fossils": d.totals.get("fossils", 0.0),
                "hours_of_use": d.hours_of_use,
                "lifetime_hours": d.lifetime_hours,
                "use_ratio": d.use_ratio,
                "source": d.source,
                "components": [
                    {"name": name, "climate": c.get("climate", 0.0), "minerals": c.get("minerals", 0.0)}
                    for name, c in d.components.items()
                ],
                "uncertainty": describe_uncertainty(d.uncertainty["climate"]),
            }
        )
    return rows
