"""One run's inventory as a Brightway foreground database.

The structure mirrors the questions the report asks:

* one activity per :class:`~lca.records.Provider`, consuming grid electricity of
  the run's country and its other inputs (other providers, device manufacture,
  heating fuel). Shared factors (PUE, a clerk's time per item, an energy
  estimate's error) are one exchange, so a Monte Carlo draws them once per
  iteration for every scenario that uses them;
* one activity per (scenario, stage), so the score of each life-cycle stage can
  be read by using it as a demand of its own;
* one activity per scenario (code = scenario name) consuming 1 of each of its stages:
  the functional unit.

Background activities (grid, devices, heat) live in the project's shared
databases (:mod:`lca.assessment.brightway.provision`); the writer checks that they book what the
inventory says. An activity the study overrides (its own grid figures) is
written into the run's foreground database instead.

Every amount carries its uncertainty as stats_arrays fields, ready for a Monte Carlo.

On a cluster each host has its own Brightway project (SQLite is never shared
between hosts), so the host that runs ``lcia`` or ``export_inventory`` may not be
the one that built the inventory: :func:`ensure_foreground` finds the run's
database there, verified against the SHA-256 of the stored inventory kept in its
metadata, or rebuilds it from that inventory. Each write keeps only the
:func:`lca.settings.foreground_keep` most recent foreground databases of the
study on the host (:func:`prune_foregrounds`): any older one can be rebuilt.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lca.assessment.brightway.project import FOREGROUND_PREFIX, GRID_DATABASE, activate, project_biosphere, write_lock
from lca.assessment.brightway.provision import _database_complete, activity_data, carrier_nodes, ensure_project
from lca.errors import ReferenceDataError, StudyError
from lca.records import BackgroundActivity, StudyInventory
from lca.settings import foreground_keep
from lca.uncertainty import Uncertainty

_REL_TOL = 1e-9


def database_name(inv: StudyInventory) -> str:
    """A run's own database: a retried task rewrites it, other runs are untouched."""
    return f"{FOREGROUND_PREFIX}{inv.study}__{inv.run_id}"


def inventory_fingerprint(inv: StudyInventory) -> str:
    """What the foreground database was written from: it is reused only if this matches."""
    return hashlib.sha256(inv.model_dump_json().encode()).hexdigest()


def ensure_foreground(inv: StudyInventory, methods: Iterable[Sequence[str]], project: str | None = None) -> str:
    """The run's foreground database on this host, written from ``inv`` if missing or not from ``inv``.

    Also creates what of the project itself is missing (``lca-ml setup`` does it
    ahead of time), so a host that never saw the run can score it.
    """
    name = database_name(inv)
    fingerprint = inventory_fingerprint(inv)
    ensure_project(methods, project=project)
    if _foreground_ok(activate(project), name, fingerprint):
        return name
    with write_lock():
        if _foreground_ok(activate(project), name, fingerprint):  # another task on this host wrote it meanwhile
            return name
        return write_inventory(inv, project)


def _foreground_ok(bd: Any, name: str, fingerprint: str) -> bool:
    return _database_complete(bd, name) and bd.databases[name].get("lca_inventory_sha256") == fingerprint


def prune_foregrounds(bd: Any, study: str, keep: int, current: str) -> list[str]:
    """Delete all but the ``keep`` most recently written foreground databases of ``study``; return the deleted.

    ``current`` (the database just written) is always kept. Each deletion also
    removes the database's ``processed/`` datapackage, which bw2data leaves behind.
    """
    ours = [
        (meta.get("lca_written_at", 0.0), name)
        for name, meta in bd.databases.items()
        if name.startswith(FOREGROUND_PREFIX) and meta.get("study") == study and name != current
    ]
    ours.sort(reverse=True)
    deleted = []
    for _, name in ours[max(keep - 1, 0) :]:
        db = bd.Database(name)
        processed = Path(db.dirpath_processed()) / db.filename_processed()
        del bd.databases[name]
        processed.unlink(missing_ok=True)
        deleted.append(name)
    return deleted


def provider_code(name: str) -> str:
    return f"provider::{name}"


def stage_code(scenario: str, stage: str) -> str:
    return f"stage::{scenario}::{stage}"


def _exchange(key: tuple[str, str], amount: float, kind: str, uncertainty: Uncertainty | None = None) -> dict:
    fields = uncertainty.stats_arrays(amount) if uncertainty is not None else {}
    return {"input": key, "amount": amount, "type": kind, **fields}


def _check_inventory(inv: StudyInventory) -> None:
    codes = [provider_code(p.name) for p in inv.providers]
    codes += [s.name for s in inv.scenarios]
    codes += [stage_code(s.name, f.stage) for s in inv.scenarios for f in s.stages]
    codes += [a.key for a in inv.background_activities()]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise StudyError(
            f"inventory {inv.study}/{inv.run_id}: provider, scenario and (scenario, stage) names "
            f"must be unique; repeated: {repeated}"
        )
    providers = {p.name for p in inv.providers}
    inputs = providers | {a.key for a in inv.background_activities()}
    for scenario in inv.scenarios:
        for flow in scenario.stages:
            if flow.provider not in providers:
                raise StudyError(
                    f"inventory {inv.study}/{inv.run_id}: scenario {scenario.name!r}, stage {flow.stage!r}: "
                    f"unknown provider {flow.provider!r}; known: {sorted(providers)}"
                )
    for provider in inv.providers:
        for use in provider.uses:
            if use.input not in inputs:
                raise StudyError(
                    f"inventory {inv.study}/{inv.run_id}: provider {provider.name!r} uses unknown input {use.input!r}"
                )


def _shared_key(bd: Any, inv: StudyInventory, activity: BackgroundActivity, carriers: dict[str, Any]) -> tuple:
    """The key of a shared background activity, after checking it books what the inventory says."""
    from bw2data.errors import UnknownObject

    try:
        node = bd.get_node(database=activity.database, code=activity.database_code)
    except UnknownObject:
        if activity.database == GRID_DATABASE:
            what = f"no activity for country {activity.database_code!r}"
        else:
            what = f"no activity {activity.database_code!r}"
        raise ReferenceDataError(
            f"{what} in Brightway database {activity.database!r} of project {bd.projects.current!r}: "
            "run ensure_project() or add it to the background data"
        ) from None
    booked: dict[int, float] = {}
    for exc in node.biosphere():
        booked[exc.input.id] = booked.get(exc.input.id, 0.0) + exc["amount"]
    for flow in activity.flows:
        have = booked.get(carriers[flow.category].id, 0.0)
        if abs(have - flow.amount) > _REL_TOL * abs(flow.amount):
            label = (
                "grid factor"
                if activity.database == GRID_DATABASE and flow.category == "climate"
                else (f"{flow.category} flow")
            )
            raise ReferenceDataError(
                f"{label} for {activity.database_code}: the inventory says {flow.amount} ({flow.source}) "
                f"but Brightway's {activity.database!r} books {have}; run ensure_project() after changing "
                "the background data"
            )
    return node.key


def _linked_key(bd: Any, activity: BackgroundActivity) -> tuple:
    """The key of an activity of the practitioner's own background (checked at validation; still there?)."""
    from bw2data.errors import UnknownObject

    try:
        return bd.get_node(database=activity.database, code=activity.database_code).key
    except UnknownObject:
        raise ReferenceDataError(
            f"{activity.linked}: activity {activity.database_code!r} is no longer in Brightway database "
            f"{activity.database!r} of project {bd.projects.current!r}"
        ) from None


def write_inventory(inv: StudyInventory, project: str | None = None) -> str:
    """Write (or rewrite) the run's foreground database and return its name.

    Shared background activities must exist (:func:`lca.assessment.brightway.provision.ensure_project`)
    and book the same flows as the inventory, or the scores would not match the report.
    """
    _check_inventory(inv)
    name = database_name(inv)
    with write_lock():
        bd = activate(project)
        carriers = carrier_nodes(bd)
        data: dict[tuple[str, str], dict] = {}
        keys: dict[str, tuple[str, str]] = {}
        factors: dict[str, float] = {}
        for activity in inv.background_activities():
            if activity.linked:
                keys[activity.key] = _linked_key(bd, activity)
                factors[activity.key] = activity.unit_factor
            elif activity.database:
                keys[activity.key] = _shared_key(bd, inv, activity, carriers)
            else:
                key = (name, activity.key)
                data[key] = {**activity_data(activity, key, carriers), "lca_role": "background"}
                keys[activity.key] = key
        for provider in inv.providers:
            keys[provider.name] = (name, provider_code(provider.name))
        grid_key = keys[inv.grid_key]

        for provider in inv.providers:
            key = keys[provider.name]
            exchanges = [_exchange(key, 1.0, "production")]
            if provider.electricity_kwh_per_unit:
                factor = factors.get(inv.grid_key, 1.0)
                exchanges.append(
                    _exchange(
                        grid_key, provider.electricity_kwh_per_unit * factor, "technosphere", provider.uncertainty
                    )
                )
            for use in provider.uses:
                amount = use.amount * factors.get(use.input, 1.0)  # e.g. MJ of a linked heat activity per kWh
                exchanges.append(_exchange(keys[use.input], amount, "technosphere", use.uncertainty))
            data[key] = {
                "name": provider.label,
                "unit": provider.unit,
                "location": inv.country,
                "comment": provider.comment,
                "lca_role": "provider",
                "exchanges": exchanges,
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
                    "variable_share": flow.variable_share,
                    "exchanges": [
                        _exchange(key, 1.0, "production"),
                        _exchange(keys[flow.provider], flow.amount, "technosphere", flow.uncertainty),
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
            boundary=inv.boundary,
            biosphere=project_biosphere(bd),
            lca_inventory_sha256=inventory_fingerprint(inv),
            lca_written_at=time.time(),
        )
        bd.databases.flush()
        prune_foregrounds(bd, inv.study, foreground_keep(), current=name)
    return name
