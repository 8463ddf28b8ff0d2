"""The report's goal and scope (template ``lca_goal_scope.html.j2``), in the shape ISO 14044 asks for.

Functional unit's scenarios, system boundary, allocation, cut-offs and impact
categories with the carrier flow each is booked on; read from the inventory and
the characterisation factors, recomputing nothing.
"""

from __future__ import annotations

from typing import Any

from lca.assessment.characterization import CARRIERS, characterization_factor
from lca.records import StudyInventory
from lca.reporting.tables import method_label
from lca.study.impact_methods import bundled_category

BOUNDARIES = {
    "devices_only": (
        "People's devices only: for every person on either side (clerks doing the job, reviewers of the items "
        "the model hands over, ML engineers), the electricity of their computers and screens and the embodied "
        "impacts of those devices, allocated by hours of use."
    ),
    "devices_and_office": (
        "People's devices and office: as 'devices only', plus the office building's operation per occupied "
        "workplace hour (electricity other than the workstations, heating fuel), for every person on either side."
    ),
}


def boundary_text(inventory: StudyInventory) -> str:
    return BOUNDARIES.get(inventory.boundary, inventory.boundary)


def goal_scope_context(
    inventory: StudyInventory, methods: list[tuple[str, ...]], units: dict[tuple[str, ...], str]
) -> dict[str, Any]:
    return {
        "boundary": boundary_text(inventory),
        "boundary_option": inventory.boundary,
        "notes": inventory.notes,
        "allocation": _allocation(inventory),
        "cutoffs": _cutoffs(inventory),
        "categories": _categories(methods, units),
        "scenarios": _scenarios(inventory),
    }


def _scenarios(inventory: StudyInventory) -> list[dict[str, str]]:
    rows = []
    for s in inventory.scenarios:
        stages = ", ".join(f.stage for f in s.stages)
        rows.append({"name": s.name, "label": s.label, "is_reference": s.is_reference, "stages": stages})
    return rows


def _allocation(inventory: StudyInventory) -> list[str]:
    out = [
        "Hardware: a device's embodied impacts are shared by its hours of use over its lifetime "
        "(lifetime hours x share of time in use, from the hardware data); a use of h hours carries h / those hours.",
        inventory.allocation_statement
        or "Server: the workload carries the share of the server it occupies (threads used / the server's threads, "
        "unless the study sets lca.hardware.server_share), for the hours of training, compression and inference.",
    ]
    if inventory.boundary == "devices_and_office":
        out.append("Office: the building's yearly energy per workplace, divided by the hours a workplace is occupied.")
    out.append(
        "Compressed variants inherit the uncompressed model's training (they are derived from it) and add "
        "their own compression; every ML scenario carries the development time, once."
    )
    return out


def _cutoffs(inventory: StudyInventory) -> list[str]:
    out = [
        "Network transfer, data storage over time and the end user's side of the service are not included "
        "(identical or negligible for both sides, to be checked for each study).",
        "Construction of datacentre buildings and power plants beyond the grid factors' own life-cycle scope.",
        "Embodied water of all hardware (no usable offline source; see the hardware data).",
    ]
    return out + list(inventory.notes)


def _categories(methods: list[tuple[str, ...]], units: dict) -> list[dict[str, str]]:
    rows = []
    for method in methods:
        category = bundled_category(method)  # a project's prefix ('ecoinvent-3.10', ...) included
        carrier = CARRIERS[category] if category else None
        factor = characterization_factor(method, category) if category else None
        rows.append(
            {
                "method": method_label(method),
                "unit": units.get(method, ""),
                "category": carrier.label
                if carrier
                else "not covered by the bundled background (linked activities only)",
                "carrier": (
                    f"{carrier.flow_name} ({', '.join(carrier.flow_categories)}), CF {factor:g} "
                    f"{units.get(method, '')} "
                    f"per {carrier.flow_unit}"
                    if carrier
                    else ""
                ),
                "source_unit": carrier.total_unit if carrier else "",
            }
        )
    return rows
