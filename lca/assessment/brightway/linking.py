"""A study's links to the practitioner's own Brightway background (ecoinvent, say), checked and resolved.

A study's ``lca.background`` names, for grid electricity, for any device and for
office heating, an activity of any database of the Brightway project the product
uses (:func:`lca.settings.brightway_project`), by code or by a search that must
match exactly one activity. This module is the one place that checks such links
against the project (``lca-ml validate`` and the pipeline's ``build_inventory``
both call :func:`resolve_links`), so a typo fails before anything runs, with the
field and the value in the message, never as a wrong number later.

A resolved link becomes a :class:`lca.records.BackgroundActivity` that carries
Brightway's characterised score per unit of that activity for each of the study's
methods (:func:`linked_activities`): the engine multiplies them into the compiled
foreground, and the run's foreground database links to the very same node, so
the two agree to solver precision. Nothing is ever written into the linked
databases.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lca.assessment.brightway.project import activate, current_project
from lca.errors import ReferenceDataError, StudyError
from lca.records import BackgroundActivity, method_key
from lca.settings import brightway_dir
from lca.study.life_cycle import ActivityLink, device_ids
from lca.study.schema import Study

KWH = "kilowatt hour"
# What the inventory books per unit of each slot, and the units a linked activity may have (with the
# number of its units per booked unit).
_UNITS = {
    "electricity": {KWH: 1.0, "kwh": 1.0},
    "device": {"unit": 1.0, "item": 1.0, "p": 1.0},
    "office_heat": {KWH: 1.0, "kwh": 1.0, "megajoule": 3.6, "mj": 3.6},
}


@dataclass(frozen=True)
class ResolvedLink:
    """One study link, found in the project: what the inventory books and which Brightway node serves it."""

    field: str
    key: str  # the inventory key it replaces: grid::<ISO3>, device::<id>, heat::natural_gas
    database: str
    code: str
    node_id: int
    name: str
    unit: str
    location: str
    unit_factor: float


def _slot_key(study: Study, field: str) -> tuple[str, str]:
    from lca.assessment.background import HEAT_KEY

    if field == "lca.background.electricity":
        return "electricity", f"grid::{study.deployment.country}"
    if field == "lca.background.office_heat":
        return "office_heat", HEAT_KEY
    return "device", f"device::{field.rsplit('.', 1)[1]}"


def _fail(study: Study, field: str, what: str) -> StudyError:
    return StudyError(f"{study.name}: field '{field}': {what}")


def _project_or_none(project: str) -> Any:
    try:
        return activate(project)
    except ReferenceDataError:
        return None


def resolve_links(study: Study, project: str | None = None) -> list[ResolvedLink]:
    """Check every link of ``study.lca.background`` against the project; raise :class:`StudyError` if any fails.

    Checks: the project exists and has the study's impact methods (under their own
    names or behind the project's prefix), the database exists, the code exists or the
    search matches exactly one activity, the unit fits the slot (kWh for electricity,
    one unit for a device, kWh or MJ for heat) and a linked device is one the study uses.
    Every failure is reported at once, one line per field, so one run of ``lca-ml
    validate`` shows all there is to fix.
    """
    from lca.assessment.brightway.layout import resolve_methods

    links = study.lca.background
    if links is None or not links.slots():
        return []
    project = current_project(project)
    first = next(iter(links.slots()))
    bd = _project_or_none(project)
    if bd is None:
        raise _fail(
            study,
            first,
            f"the Brightway project {project!r} does not exist under {brightway_dir()} "
            "(point the product at yours with `lca-ml setup --brightway-project NAME` or LCA_BRIGHTWAY_PROJECT)",
        )
    problems: list[str] = []
    try:
        resolve_methods(bd, study.impact_methods)
    except ReferenceDataError as exc:
        problems.append(f"field 'impact_methods': {exc}")
    used = set(device_ids(study.lca).values())
    resolved = []
    for field, link in links.slots().items():
        try:
            resolved.append(_resolve_one(bd, study, field, link, project, used))
        except StudyError as exc:
            problems.append(str(exc).removeprefix(f"{study.name}: "))
    if problems:
        head = f"{study.name}: {len(problems)} problem(s) with the links to Brightway project {project!r}:"
        raise StudyError("\n  ".join([head, *problems]) if len(problems) > 1 else f"{study.name}: {problems[0]}")
    return resolved


def _resolve_one(bd: Any, study: Study, field: str, link: ActivityLink, project: str, used: set[str]) -> ResolvedLink:
    slot, key = _slot_key(study, field)
    if slot == "device" and key.split("::", 1)[1] not in used:
        raise _fail(
            study, field, f"device {key.split('::', 1)[1]!r} is not one this study uses; it uses {sorted(used)}"
        )
    node = _find(bd, study, field, link, project)
    unit = str(node.get("unit", ""))
    factor = _UNITS[slot].get(unit.lower())
    if factor is None:
        raise _fail(
            study,
            field,
            f"activity {node['name']!r} ({link.database}, code {node['code']!r}) is in {unit!r}; "
            f"this field needs one of {sorted({u for u in _UNITS[slot] if ' ' in u or len(u) > 3})}",
        )
    return ResolvedLink(
        field=field,
        key=key,
        database=node["database"],
        code=node["code"],
        node_id=node.id,
        name=node["name"],
        unit=unit,
        location=str(node.get("location", "")),
        unit_factor=factor,
    )


def _find(bd: Any, study: Study, field: str, link: ActivityLink, project: str) -> Any:
    from bw2data.backends import ActivityDataset
    from bw2data.errors import UnknownObject

    if link.database not in bd.databases:
        known = sorted(bd.databases)
        raise _fail(study, field, f"database {link.database!r} is not in Brightway project {project!r}; it has {known}")
    if link.code is not None:
        try:
            return bd.get_node(database=link.database, code=link.code)
        except UnknownObject:
            raise _fail(study, field, f"no activity with code {link.code!r} in database {link.database!r}") from None
    query = ActivityDataset.select().where(ActivityDataset.database == link.database)
    if link.name is not None:
        query = query.where(ActivityDataset.name == link.name)
    if link.reference_product is not None:
        query = query.where(ActivityDataset.product == link.reference_product)
    if link.location is not None:
        query = query.where(ActivityDataset.location == link.location)
    processes = set(bd.labels.process_node_types)
    rows = [row for row in query if row.type in processes]
    if link.unit is not None:
        rows = [row for row in rows if row.data.get("unit") == link.unit]
    if len(rows) == 1:
        return bd.get_node(id=rows[0].id)
    if not rows:
        names = [
            name
            for (name,) in ActivityDataset.select(ActivityDataset.name)
            .where(ActivityDataset.database == link.database)
            .distinct()
            .tuples()
        ]
        close = difflib.get_close_matches(link.name or link.reference_product or "", names, n=3, cutoff=0.5)
        hint = f"; close names: {close}" if close else ""
        raise _fail(study, field, f"no activity matches {link.describe()}{hint}")
    listed = "; ".join(
        f"{r.name} | {r.product} | {r.location} | {r.data.get('unit')} (code {r.code})" for r in rows[:5]
    )
    raise _fail(
        study,
        field,
        f"{len(rows)} activities match {link.describe()}, the search must match exactly one "
        f"(add location, reference_product or unit, or give the code): {listed}",
    )


def linked_activities(
    links: Sequence[ResolvedLink], methods: Sequence[Sequence[str]], project: str | None = None
) -> dict[str, BackgroundActivity]:
    """Inventory key -> the linked activity with Brightway's characterised scores (computed once, cached)."""
    from lca.assessment.brightway.background_cache import deterministic_scores

    if not links:
        return {}
    scores = deterministic_scores([(link.database, link.code) for link in links], methods, project)
    _refuse_silent_zeros(links, methods, scores, current_project(project))
    out = {}
    for link in links:
        per_unit = scores[(link.database, link.code)]
        out[link.key] = BackgroundActivity(
            key=link.key,
            name=link.name,
            unit=KWH if not link.key.startswith("device::") else "unit",
            location=link.location or "GLO",
            flows=[],
            comment=(
                f"Linked by {link.field} to {link.name!r} ({link.location}) of the practitioner's Brightway database "
                f"{link.database!r}, code {link.code!r}, in {link.unit}"
                + (f" ({link.unit_factor:g} {link.unit} per kWh booked)" if link.unit_factor != 1 else "")
                + ": its characterised scores and Monte Carlo draws come from Brightway."
            ),
            database=link.database,
            database_code=link.code,
            linked=link.field,
            scores={method_key(m): per_unit[method_key(m)] * link.unit_factor for m in methods},
            unit_factor=link.unit_factor,
        )
    return out


def country_markets(study: Study, links: Sequence[ResolvedLink], project: str | None = None) -> list[ResolvedLink]:
    """The practitioner's own markets for the country sensitivity: the linked electricity's twins elsewhere.

    Same database, name, reference product and unit as the linked electricity, located in
    each sensitivity country (ecoinvent locates national markets by ISO alpha-2 code); a
    country with none, or with several, keeps the bundled cited factor, and the sensitivity
    says which source each row uses.
    """
    import pycountry
    from bw2data.backends import ActivityDataset

    electricity = next((link for link in links if link.field == "lca.background.electricity"), None)
    if electricity is None:
        return []
    bd = activate(current_project(project))
    node = bd.get_node(id=electricity.node_id)
    out = []
    for iso3 in dict.fromkeys(study.lca.sensitivity_countries):
        country = pycountry.countries.get(alpha_3=iso3)
        if iso3 == study.deployment.country or country is None:
            continue
        rows = [
            row
            for row in ActivityDataset.select().where(
                (ActivityDataset.database == electricity.database)
                & (ActivityDataset.name == electricity.name)
                & (ActivityDataset.product == node.get("reference product"))
                & (ActivityDataset.location == country.alpha_2)
            )
            if row.data.get("unit") == electricity.unit
        ]
        if len(rows) == 1:
            out.append(
                ResolvedLink(
                    field=f"{electricity.field} (country sensitivity, {iso3})",
                    key=f"grid::{iso3}",
                    database=rows[0].database,
                    code=rows[0].code,
                    node_id=rows[0].id,
                    name=rows[0].name,
                    unit=electricity.unit,
                    location=rows[0].location,
                    unit_factor=electricity.unit_factor,
                )
            )
    return out


def _bundled_totals(key: str) -> dict[str, float]:
    """The characterised totals of the bundled activity a link replaces, by category."""
    from lca.assessment.background import device_activity, grid_impacts, heat_activity
    from lca.assessment.hardware import hardware_table

    kind, _, ident = key.partition("::")
    if kind == "grid":
        return dict(grid_impacts(ident).totals)
    activity = device_activity(hardware_table().devices[ident]) if kind == "device" else heat_activity()
    return {flow.category: flow.total for flow in activity.flows}


def _refuse_silent_zeros(
    links: Sequence[ResolvedLink], methods: Sequence[Sequence[str]], scores: dict, project: str
) -> None:
    """A linked activity scoring exactly 0 where its bundled equivalent does not is an error, never a result.

    The usual cause is a method written for another biosphere database than the one the
    activity's database emits into (``biosphere3`` methods in an ecoinvent-release project).
    """
    from lca.study.impact_methods import bundled_category

    problems = []
    for link in links:
        bundled = _bundled_totals(link.key)
        for method in methods:
            category = bundled_category(method)
            if category is None or not bundled.get(category):
                continue
            if scores[(link.database, link.code)][method_key(method)] == 0:
                problems.append(
                    f"{link.field}: {link.name!r} ({link.database}, code {link.code!r}) scores exactly 0 in "
                    f"{tuple(method)!r}, where the bundled {link.key} gives {bundled[category]:.4g}"
                )
    if problems:
        raise StudyError(
            f"Brightway project {project!r}: "
            + "; ".join(problems)
            + ". A zero here means the method characterises none of the flows the activity's supply chain emits: "
            "name the method written for the biosphere your database uses (bw2io.import_ecoinvent_release "
            "prefixes them, e.g. ('ecoinvent-3.10', 'IPCC 2021', ...)), or link another activity"
        )


def linked_background(study: Study, project: str | None = None) -> tuple[dict[str, BackgroundActivity], str]:
    """The study's linked activities (scores included) and the file of their paired Brightway draws.

    The draws cover the study's Monte Carlo and its country sensitivity (the longer of the
    two), with the study's seed; a cached file from an earlier run or study is reused.
    """
    from lca.assessment.brightway.background_cache import background_draws

    links = resolve_links(study, project)
    if not links:
        return {}, ""
    links += country_markets(study, links, project)
    methods = study.impact_methods
    activities = linked_activities(links, methods, project)
    spec = study.lca
    draws = spec.background_draws or max(spec.monte_carlo_iterations, spec.sensitivity_iterations)
    path = background_draws([(link.database, link.code) for link in links], methods, draws, spec.seed, project)
    return activities, str(path)
