"""One run's inventory as a Brightway foreground database.

The structure mirrors the questions the report asks:

* one activity per :class:`~lca.records.Provider`, consuming grid electricity of
  the run's country. Shared factors (PUE, a clerk's computer) are one exchange,
  so a Monte Carlo draws them once per iteration for every scenario that uses them;
* one activity per (scenario, stage), so the score of each life-cycle stage can
  be read by using it as a demand of its own;
* one activity per scenario (code = scenario name) consuming 1 of each of its stages:
  the functional unit.

Every amount carries its uncertainty as stats_arrays fields, ready for a Monte Carlo.
"""

from __future__ import annotations

from typing import Any

from lca.bw.project import GRID_DATABASE, PROJECT, activate, write_lock
from lca.errors import ReferenceDataError, StudyError
from lca.records import StudyInventory
from lca.uncertainty import Uncertainty

_REL_TOL = 1e-9


def database_name(inv: StudyInventory) -> str:
    """A run's own database: a retried task rewrites it, other runs are untouched."""
    return f"fg__{inv.study}__{inv.run_id}"


def provider_code(name: str) -> str:
    return f"provider::{name}"


def stage_code(scenario: str, stage: str) -> str:
    return f"stage::{scenario}::{stage}"


def _exchange(key: tuple[str, str], amount: float, kind: str, uncertainty: Uncertainty | None = None) -> dict:
    fields = uncertainty.stats_arrays(amount) if uncertainty is not None else {}
    return {"input": key, "amount": amount, "type": kind, **fields}


def _grid_factor(node: Any) -> float:
    """The kg CO2e per kWh the project's grid activity books, to compare with the inventory's."""
    return sum(exc["amount"] for exc in node.biosphere())


def _check_inventory(inv: StudyInventory) -> None:
    codes = [provider_code(p.name) for p in inv.providers]
    codes += [s.name for s in inv.scenarios]
    codes += [stage_code(s.name, f.stage) for s in inv.scenarios for f in s.stages]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise StudyError(
            f"inventory {inv.study}/{inv.run_id}: provider, scenario and (scenario, stage) names "
            f"must be unique; repeated: {repeated}"
        )
    providers = {p.name for p in inv.providers}
    for scenario in inv.scenarios:
        for flow in scenario.stages:
            if flow.provider not in providers:
                raise StudyError(
                    f"inventory {inv.study}/{inv.run_id}: scenario {scenario.name!r}, stage {flow.stage!r}: "
                    f"unknown provider {flow.provider!r}; known: {sorted(providers)}"
                )


def write_inventory(inv: StudyInventory, project: str = PROJECT) -> str:
    """Write (or rewrite) the run's foreground database and return its name.

    The grid activity of ``inv.country`` must exist (:func:`lca.bw.project.ensure_project`)
    and book the same factor as the inventory, or the scores would not match the report.
    """
    _check_inventory(inv)
    name = database_name(inv)
    with write_lock():
        bd = activate(project)
        from bw2data.errors import UnknownObject

        grid_key = (GRID_DATABASE, inv.country)
        try:
            grid = bd.get_node(database=GRID_DATABASE, code=inv.country)
        except UnknownObject:
            raise ReferenceDataError(
                f"no activity for country {inv.country!r} in Brightway database {GRID_DATABASE!r} "
                f"of project {project!r}: run ensure_project() or add the country to the grid table"
            ) from None
        booked = _grid_factor(grid)
        if abs(booked - inv.grid_kg_co2e_per_kwh) > _REL_TOL * abs(inv.grid_kg_co2e_per_kwh):
            raise ReferenceDataError(
                f"grid factor for {inv.country}: the inventory says {inv.grid_kg_co2e_per_kwh} kg CO2e/kWh "
                f"({inv.grid_source}) but Brightway's {GRID_DATABASE!r} books {booked}; "
                "run ensure_project() after changing the grid table"
            )

        data: dict[tuple[str, str], dict] = {}
        for provider in inv.providers:
            key = (name, provider_code(provider.name))
            data[key] = {
                "name": provider.label,
                "unit": provider.unit,
                "location": inv.country,
                "comment": provider.comment,
                "lca_role": "provider",
                "exchanges": [
                    _exchange(key, 1.0, "production"),
                    _exchange(grid_key, provider.electricity_kwh_per_unit, "technosphere", provider.uncertainty),
                ],
            }
        for scenario in inv.scenarios:
            scenario_key = (name, scenario.name)
            stage_keys = []
            for flow in scenario.stages:
                key = (name, stage_code(scenario.name, flow.stage))
                stage_keys.append(key)
                data[key] = {
                    "name": f"{scenario.label} – {flow.stage}",
                    "unit": "unit",
                    "location": inv.country,
                    "comment": flow.comment,
                    "lca_role": "stage",
                    "scenario": scenario.name,
                    "stage": flow.stage,
                    "exchanges": [
                        _exchange(key, 1.0, "production"),
                        _exchange((name, provider_code(flow.provider)), flow.amount, "technosphere", flow.uncertainty),
                    ],
                }
            data[scenario_key] = {
                "name": scenario.label,
                "unit": "unit",
                "location": inv.country,
                "comment": f"{inv.functional_unit} ({inv.items} items)",
                "lca_role": "scenario",
                "scenario": scenario.name,
                "is_reference": scenario.is_reference,
                "exchanges": [_exchange(scenario_key, 1.0, "production")]
                + [_exchange(key, 1.0, "technosphere") for key in stage_keys],
            }

        db = bd.Database(name)
        db.register()  # no-op when registered
        db.write(data, searchable=False)
        db.metadata.update(
            study=inv.study,
            run_id=inv.run_id,
            country=inv.country,
            functional_unit=inv.functional_unit,
            grid_source=inv.grid_source,
        )
        bd.databases.flush()
    return name
