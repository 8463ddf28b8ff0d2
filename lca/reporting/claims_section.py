"""What the report's quality figures rest on, and the allocation rule's effect (template ``lca_claims.html.j2``).

The routed shares measured on the held-out items, the warnings where those rest on
few items (rules in :mod:`lca.reporting.claims`), and how each ML option's
machine impact moves under the other allocation rule.
"""

from __future__ import annotations

from typing import Any

from lca.records import MonteCarloResults, SensitivityResults, StudyInventory
from lca.reporting import claims
from lca.reporting.tables import method_label


def claims_context(
    inventory: StudyInventory,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
) -> dict[str, Any]:
    head = methods[0] if methods else None
    rows = []
    if monte_carlo is not None:
        rows = [r.model_dump() for r in monte_carlo.routed_shares]
    allocation = []
    if sensitivity is not None and head is not None:
        by: dict[str, dict[str, Any]] = {}
        for r in sensitivity.allocation:
            if tuple(r.method) == tuple(head) and r.machine_score:
                row = by.setdefault(r.scenario, {"scenario": r.scenario})
                row[r.rule] = r.ratio_to_reference
                row[f"{r.rule}_machine"] = r.machine_score
        for row in by.values():
            a, b = row.get(f"{inventory.allocation}_machine"), row.get("whole_machine_machine")
            row["change"] = (a - b) / b if a is not None and b else None
        allocation = list(by.values())
    return {
        "source": monte_carlo.quality_source if monte_carlo is not None else None,
        "routed": rows,
        "warnings": quality_warnings(monte_carlo, head) if head else [],
        "clear_p": claims.CLEAR,
        "min_items": claims.MIN_TEST_ITEMS,
        "allocation_rule": inventory.allocation,
        "allocation_statement": inventory.allocation_statement,
        "allocation": allocation,
        "method": method_label(head) if head else "",
    }


def quality_warnings(monte_carlo: MonteCarloResults | None, method) -> list[dict[str, Any]]:
    """Warnings on routed shares resting on few held-out items (rules in :mod:`lca.reporting.claims`)."""
    if monte_carlo is None:
        return []
    checks = {c.scenario: c for c in monte_carlo.quality_checks if tuple(c.method) == tuple(method)}
    out = []
    for r in monte_carlo.routed_shares:
        if r.n_items is None:
            continue
        routed = round(r.observed * r.n_items)
        check = checks.get(r.scenario)
        text = claims.quality_warning(
            r.scenario,
            r.n_items,
            routed,
            3.0 / r.n_items if routed == 0 else None,
            bool(check and check.changes_conclusion),
        )
        if text:
            out.append({"scenario": r.scenario, "text": text})
    return out
