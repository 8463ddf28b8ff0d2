"""The LCA sections of a run's report, in the shape ISO 14044 asks for.

:func:`lca_context` writes the LCA tables (CSV) and charts into the report's
staging folder and returns what the template needs for: goal and scope
(functional unit, boundary, cut-offs, allocation, categories), inventory
(providers, stages, background data with sources and data quality), impact
assessment, interpretation (contributions, uncertainty, break-even,
sensitivity, limitations) and recommendations in plain words.

Every section copes with a missing input (a run without Monte Carlo, an old
inventory): it then says what was not computed instead of failing.
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from lca.assessment.characterization import CARRIERS, characterization_factor
from lca.assessment.comparison import describe_uncertainty
from lca.assessment.hardware import hardware_table
from lca.assessment.inventory.names import STAGE_ORDER
from lca.records import LciaResults, MonteCarloResults, SensitivityResults, StudyInventory
from lca.reporting import assessment_charts, claims
from lca.reporting.excluded_section import excluded_context
from lca.reporting.when_section import when_context
from lca.study.impact_methods import bundled_category
from lca.study.schema import Study

CONTRIBUTIONS_CSV = "contributions.csv"
SOURCES_CSV = "contributions_by_source.csv"
MONTE_CARLO_CSV = "monte_carlo.csv"
BREAK_EVEN_CSV = "break_even.csv"
COUNTRIES_CSV = "sensitivity_countries.csv"
TORNADO_CSV = "tornado.csv"
EXPORT_XLSX = "inventory_brightway.xlsx"

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


def _label(method: tuple[str, ...]) -> str:
    return " | ".join(method)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> str:
    fields = list(rows[0]) if rows else ["empty"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: ("" if v is None else (" | ".join(v) if isinstance(v, tuple) else v)) for k, v in row.items()}
            )
    return path.name


def _fmt_items(n: float | None) -> str:
    if n is None:
        return "never"
    if n < 1:
        return "from the first item"
    rounded = float(f"{n:.3g}")  # three significant digits: the inputs carry no more
    return f"{rounded:,.0f}"


def _interval_text(lo: float | None, hi: float | None) -> str:
    a, b = _fmt_items(lo), _fmt_items(hi)
    return a if a == b else f"{a} to {b}"


def lca_context(
    folder: Path,
    *,
    study: Study,
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None = None,
    sensitivity: SensitivityResults | None = None,
    export_path: Path | None = None,
) -> dict[str, Any]:
    methods = list(dict.fromkeys(tuple(s.method) for s in lcia.scores))
    units = {tuple(s.method): s.unit for s in lcia.scores}
    labels = {s.name: s.label for s in inventory.scenarios}
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    ctx: dict[str, Any] = {
        "boundary": BOUNDARIES.get(inventory.boundary, inventory.boundary),
        "boundary_option": inventory.boundary,
        "notes": inventory.notes,
        "allocation": _allocation(inventory),
        "cutoffs": _cutoffs(inventory),
        "categories": _categories(methods, units),
        "scenarios": _scenarios(study, inventory),
        "background": _background(inventory),
        "devices": _devices(inventory),
        "engine_check": lcia.engine_max_rel_diff,
    }
    ctx["contributions"] = _contributions(folder, inventory, lcia, methods, units, labels)
    ctx["uncertainty"] = _uncertainty(folder, inventory, monte_carlo, methods, units, labels, reference)
    ctx["break_even"] = _break_even(folder, inventory, monte_carlo, methods, units, reference)
    ctx["countries"] = _countries(folder, inventory, sensitivity, methods)
    ctx["tornado"] = _tornado(folder, study, sensitivity, methods, monte_carlo)
    ctx["when"] = when_context(folder, sensitivity)
    ctx["excluded"] = excluded_context(folder, study, inventory, sensitivity)
    ctx["sources_csv"] = _sources(folder, monte_carlo) if monte_carlo is not None else None
    ctx["export"] = None
    if export_path is not None and Path(export_path).is_file():
        shutil.copyfile(export_path, folder / EXPORT_XLSX)
        ctx["export"] = EXPORT_XLSX
    ctx["claims"] = _claims(inventory, monte_carlo, sensitivity, methods)
    ctx["limitations"] = _limitations(inventory, monte_carlo)
    ctx["recommendations"] = recommendations(inventory, lcia, monte_carlo, sensitivity, methods)
    return ctx


def cited_lca_parameters(study: Study) -> list[tuple[str, Any]]:
    """The life-cycle model's own parameters the study uses, for the table of assumptions and sources."""
    from lca.study.reference_data import resolve

    spec = study.lca
    out = []
    if spec.development_hours is not None:
        out.append(("Engineers' development time", resolve(spec.development_hours)))
        out.append(("Power of the engineers' devices", resolve(spec.hardware.engineer_power)))
    if spec.system_boundary == "devices_and_office":
        o = spec.office
        out += [
            ("Office electricity per floor area", resolve(o.electricity_intensity)),
            ("Office share of electricity not used by workstations", resolve(o.share_not_workstations)),
            ("Office heating fuel per floor area", resolve(o.heat_intensity)),
            ("Office floor area per workplace", resolve(o.area_per_workplace)),
            ("Hours a workplace is occupied per year", resolve(o.hours_per_year)),
        ]
    return out


# --- goal and scope --------------------------------------------------------------


def _scenarios(study: Study, inventory: StudyInventory) -> list[dict[str, str]]:
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
                "method": _label(method),
                "unit": units.get(method, ""),
                "category": carrier.label
                if carrier
                else "not covered by the bundled background (linked activities only)",
                "carrier": (
                    f"{carrier.flow_name} ({', '.join(carrier.flow_categories)}), CF {factor:g} {units.get(method, '')} "
                    f"per {carrier.flow_unit}"
                    if carrier
                    else ""
                ),
                "source_unit": carrier.total_unit if carrier else "",
            }
        )
    return rows


# --- inventory ---------------------------------------------------------------------


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


# --- interpretation ---------------------------------------------------------------


def _contributions(folder, inventory, lcia, methods, units, labels) -> dict[str, Any]:
    if not lcia.stages:
        return {"charts": [], "csv": None}
    rows, charts = [], []
    totals = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    for i, method in enumerate(methods, start=1):
        shares: dict[str, dict[str, float]] = {s.name: {} for s in inventory.scenarios}
        for stage in lcia.stages:
            if tuple(stage.method) != method:
                continue
            total = totals.get((stage.scenario, method), 0.0)
            share = stage.score / total if total else 0.0
            shares[stage.scenario][stage.stage] = share
            rows.append(
                {
                    "scenario": stage.scenario,
                    "label": labels.get(stage.scenario, stage.scenario),
                    "stage": stage.stage,
                    "method": _label(method),
                    "unit": stage.unit,
                    "score": stage.score,
                    "share_of_scenario": share,
                }
            )
        chart = assessment_charts.contributions_chart(
            folder / f"contributions_{i:02d}.png",
            method,
            units.get(method, ""),
            [(s.name, s.label) for s in inventory.scenarios],
            shares,
            {s.name: totals.get((s.name, method), 0.0) for s in inventory.scenarios},
        )
        charts.append({"method": _label(method), "file": chart})
    order = {stage: k for k, stage in enumerate(STAGE_ORDER)}
    rows.sort(
        key=lambda r: (
            r["method"],
            [s.name for s in inventory.scenarios].index(r["scenario"]),
            order.get(r["stage"], 99),
        )
    )
    return {"charts": charts, "csv": _write_csv(folder / CONTRIBUTIONS_CSV, rows)}


def _sources(folder, monte_carlo: MonteCarloResults) -> str:
    rows = monte_carlo.by_background
    return _write_csv(folder / SOURCES_CSV, [{**r, "method": _label(r["method"])} for r in rows])


def _draws(monte_carlo: MonteCarloResults, items: int) -> dict[str, np.ndarray] | None:
    path = Path(monte_carlo.draws_file)
    if not path.is_file():
        return None
    with np.load(path) as data:
        fixed, per_item = data["fixed"].astype(float), data["per_item"].astype(float)
    return {"fixed": fixed, "per_item": per_item, "totals": fixed + per_item * items}


def _uncertainty(folder, inventory, monte_carlo, methods, units, labels, reference) -> dict[str, Any]:
    if monte_carlo is None:
        return {"ran": False, "charts": [], "rows": [], "csv": None}
    draws = _draws(monte_carlo, inventory.items)
    charts = []
    if draws is not None:
        ref_i = monte_carlo.scenarios.index(reference) if reference in monte_carlo.scenarios else -1
        for i, method in enumerate(methods, start=1):
            if method not in [tuple(m) for m in monte_carlo.methods]:
                continue
            j = [tuple(m) for m in monte_carlo.methods].index(method)
            chart = assessment_charts.uncertainty_chart(
                folder / f"uncertainty_{i:02d}.png",
                method,
                units.get(method, ""),
                [labels.get(s, s) for s in monte_carlo.scenarios],
                [draws["totals"][k, j] for k in range(len(monte_carlo.scenarios))],
                ref_i,
            )
            charts.append({"method": _label(method), "file": chart})
    rows = [{**s.model_dump(), "method": _label(tuple(s.method))} for s in monte_carlo.stats]
    return {
        "ran": True,
        "iterations": monte_carlo.iterations,
        "seed": monte_carlo.seed,
        "seconds": monte_carlo.seconds,
        "engine": monte_carlo.engine,
        "charts": charts,
        "rows": rows,
        "csv": _write_csv(folder / MONTE_CARLO_CSV, rows),
    }


def _break_even(folder, inventory, monte_carlo, methods, units, reference) -> dict[str, Any]:
    if monte_carlo is None:
        return {"ran": False, "charts": [], "rows": [], "csv": None}
    rows = [
        {
            **b.model_dump(),
            "method": _label(tuple(b.method)),
            "items_text": _fmt_items(b.items),
            "interval_text": _interval_text(b.p2_5_items, b.p97_5_items),
        }
        for b in monte_carlo.break_even
    ]
    draws = _draws(monte_carlo, inventory.items)
    charts = []
    if draws is not None and reference in monte_carlo.scenarios:
        m_list = [tuple(m) for m in monte_carlo.methods]
        for i, method in enumerate(methods, start=1):
            if method not in m_list:
                continue
            j = m_list.index(method)
            crossings = {b.scenario: b.items for b in monte_carlo.break_even if tuple(b.method) == method}
            finite = [n for n in crossings.values() if n is not None and n > 0]
            max_items = max([inventory.items, *(3 * n for n in finite if n < 100 * inventory.items)])
            curves = {
                name: (draws["fixed"][k, j], draws["per_item"][k, j]) for k, name in enumerate(monte_carlo.scenarios)
            }
            chart = assessment_charts.break_even_chart(
                folder / f"break_even_{i:02d}.png",
                method,
                units.get(method, ""),
                inventory.items,
                curves,
                reference,
                crossings,
                max_items,
            )
            charts.append({"method": _label(method), "file": chart})
    csv_rows = [{k: v for k, v in r.items() if k not in ("items_text", "interval_text")} for r in rows]
    return {"ran": True, "charts": charts, "rows": rows, "csv": _write_csv(folder / BREAK_EVEN_CSV, csv_rows)}


def _countries(folder, inventory, sensitivity, methods) -> dict[str, Any]:
    if sensitivity is None:
        return {"ran": False, "charts": [], "rows": [], "csv": None}
    rows = [{**c.model_dump(), "method": _label(tuple(c.method))} for c in sensitivity.countries]
    charts = []
    countries = list(dict.fromkeys(c.country for c in sensitivity.countries))
    ml = [s.name for s in inventory.scenarios if not s.is_reference]
    for i, method in enumerate(methods, start=1):
        ratios = {
            (c.country, c.scenario): c.ratio_to_reference for c in sensitivity.countries if tuple(c.method) == method
        }
        if not ratios:
            continue
        chart = assessment_charts.countries_chart(folder / f"countries_{i:02d}.png", method, countries, ml, ratios)
        charts.append({"method": _label(method), "file": chart})
    return {
        "ran": True,
        "charts": charts,
        "rows": rows,
        "iterations": sensitivity.country_iterations,
        "csv": _write_csv(folder / COUNTRIES_CSV, rows),
    }


def _tornado(folder, study, sensitivity, methods, monte_carlo) -> dict[str, Any]:
    if sensitivity is None or not sensitivity.tornado:
        return {"ran": False, "charts": [], "top": [], "csv": None}
    top_n = study.lca.tornado_top
    rows = [{**b.model_dump(), "method": _label(tuple(b.method)), "swing": b.swing} for b in sensitivity.tornado]
    charts, top = [], []
    scenarios = list(dict.fromkeys(b.scenario for b in sensitivity.tornado))
    for i, method in enumerate(methods[:1], start=1):  # the chart for the headline method; the CSV has them all
        bars = [b for b in sensitivity.tornado if tuple(b.method) == method]
        if not bars:
            continue
        shown = _tornado_scenarios(scenarios, method, monte_carlo)
        panels = []
        for scenario in shown:
            mine = sorted((b for b in bars if b.scenario == scenario), key=lambda b: -b.swing)[:top_n]
            if mine:
                panels.append((scenario, mine[0].base, [(b.group, b.low, b.high) for b in mine]))
                top.append({"method": _label(method), "scenario": scenario, "groups": [b.group for b in mine[:3]]})
        if panels:
            chart = assessment_charts.tornado_chart(folder / f"tornado_{i:02d}.png", method, panels)
            charts.append({"method": _label(method), "file": chart})
    return {"ran": True, "charts": charts, "top": top, "csv": _write_csv(folder / TORNADO_CSV, rows), "n": top_n}


def _tornado_scenarios(scenarios: list[str], method, monte_carlo) -> list[str]:
    """The uncompressed model and the best other variant (lowest median), to keep the chart readable."""
    shown = [s for s in scenarios if s == "baseline"][:1]
    if monte_carlo is not None:
        others = [
            s
            for s in monte_carlo.stats
            if tuple(s.method) == method and not s.is_reference and s.scenario != "baseline"
        ]
        if others:
            shown.append(min(others, key=lambda s: s.median).scenario)
    return shown or scenarios[:1]


def _limitations(inventory: StudyInventory, monte_carlo) -> list[str]:
    out = [
        "Sources give characterized totals, booked on one carrier flow per category (fossil energy as natural gas, "
        "consumed water as evaporation): the inventory is right for these four categories only, and does not "
        "describe physical flows; no other impact category can be read from it.",
        "Water use is characterized with the world-average AWARE factor of the bundled EF v3.1 method: local "
        "water scarcity (the point of AWARE) is not resolved.",
        "Minerals and fossil resources of electricity come from 2011 national mixes (ADEME Base IMPACTS via "
        "Boavizta); mixes have changed since, hence their wide uncertainty.",
        "The datacentre and the people are on the same national grid; the sensitivity to countries moves both.",
        "Inputs are drawn independently of each other except where they are the same quantity (shared exchanges): "
        "correlations between categories of one source (a grid's CO2 and its water) are not modelled.",
        "Deployment may batch, idle or share hardware differently from the benchmark window; the measured energy "
        "per item includes the machine's idle power during the window.",
    ]
    if any(p.name == "measured::codecarbon_estimate" for p in inventory.providers):
        out.insert(
            0,
            "Energy was estimated by CodeCarbon from CPU load and a default TDP, not metered: its wide spread is "
            "carried into every result, and it is shared by every stage measured this way.",
        )
    grid = next((a for a in inventory.background_activities() if a.key == inventory.grid_key), None)
    if grid is not None:
        routes = [f for f in grid.flows if "world average" in f.source or "Computed:" in f.source]
        if routes:
            out.append(
                f"For {inventory.country}, "
                + "; ".join(f"{f.category}: {f.source[:90]}" for f in routes)
                + " (fallback routes, wider uncertainty)."
            )
    return out


# --- recommendations ----------------------------------------------------------------


def _fixed_stages(inventory: StudyInventory, scenario: str) -> set[str]:
    """Stages of a scenario that do not grow with the items (what 'fixed costs' may name)."""
    try:
        flows = inventory.scenario(scenario).stages
    except KeyError:
        return set()
    return {f.stage for f in flows if f.variable_share < 1.0 and f.amount > 0}


def _grid_share(inventory, monte_carlo, method, scenario) -> float | None:
    if monte_carlo is None:
        return None
    rows = [r for r in monte_carlo.by_background if r["scenario"] == scenario and tuple(r["method"]) == tuple(method)]
    total = sum(r["score"] for r in rows)
    if not rows or not total:
        return None
    return sum(r["score"] for r in rows if r["background"] == inventory.grid_key) / total


def _stage_share(lcia: LciaResults, method, scenario: str, stage: str) -> float | None:
    rows = [s for s in lcia.stages if s.scenario == scenario and tuple(s.method) == tuple(method)]
    total = sum(s.score for s in rows)
    if not rows or not total:
        return None
    return sum(s.score for s in rows if s.stage == stage) / total


def _claims(inventory, monte_carlo, sensitivity, methods) -> dict[str, Any]:
    """What the quality figures rest on, and the allocation rule's effect (template lca_claims.html.j2)."""
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
        "method": _label(head) if head else "",
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


def _verdict(p: float | None) -> str:
    if p is None:
        return "no Monte Carlo was run"
    if p >= 0.95:
        return "clearly lower"
    if p <= 0.05:
        return "clearly higher"
    return "not distinguishable with the data at hand"


def recommendations(
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
) -> list[str]:
    """A few sentences a non-specialist can act on, each backed by a table of the report."""
    out: list[str] = []
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    scores = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    for method in methods:
        category = CARRIERS[bundled_category(method)].label if bundled_category(method) else _label(method)
        ml = [s.name for s in inventory.scenarios if not s.is_reference]
        if not ml or reference is None or not scores.get((reference, method)):
            continue
        if monte_carlo is not None:
            stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == method}
            best = min(ml, key=lambda n: stats[n].median if n in stats else math.inf)
            p = stats[best].p_beats_reference if best in stats else None
            better = [n for n in ml if n in stats and (stats[n].p_beats_reference or 0) >= 0.95]
            worse = [n for n in ml if n in stats and (stats[n].p_beats_reference or 1) <= 0.05]
        else:
            best = min(ml, key=lambda n: scores.get((n, method), math.inf))
            p, better, worse = None, [], []
        ratio = scores[(best, method)] / scores[(reference, method)]
        text = (
            f"{category}: the best ML option, '{best}', has {ratio:.2g} times the impact of doing the job by hand; "
            f"its impact is {_verdict(p)}" + (f" (probability {p:.0%} that it is lower)" if p is not None else "") + "."
        )
        if monte_carlo is not None:
            text += f" {len(better)} of {len(ml)} ML options are clearly lower than the reference, {len(worse)} clearly higher."
        out.append(text)
    if monte_carlo is not None and methods:
        head = methods[0]
        stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == head}
        helps = [n for n, s in stats.items() if s.p_beats_baseline is not None and s.p_beats_baseline >= claims.CLEAR]
        hurts = [
            n for n, s in stats.items() if s.p_beats_baseline is not None and s.p_beats_baseline <= 1 - claims.CLEAR
        ]
        unclear = [n for n, s in stats.items() if s.p_beats_baseline is not None and n not in helps + hurts]
        if helps or hurts or unclear:
            out.append(claims.compression_sentence(_label(head), helps, hurts, unclear))
        out.extend(w["text"] for w in quality_warnings(monte_carlo, head))
        be = [b for b in monte_carlo.break_even if tuple(b.method) == head]
        if be:
            best = min(be, key=lambda b: b.median_items if b.median_items is not None else math.inf)
            if best.median_items is None:
                out.append(
                    f"Break-even ({_label(head)}): no ML option saves anything per item, so none ever pays back."
                )
            else:
                out.append(
                    claims.break_even_sentence(
                        _label(head),
                        best.scenario,
                        _fixed_stages(inventory, best.scenario),
                        best.items,
                        best.p2_5_items,
                        best.p97_5_items,
                        inventory.items,
                        best.p_within_functional_unit,
                    )
                )
    if sensitivity is not None and methods:
        head = methods[0]
        rows = [c for c in sensitivity.countries if tuple(c.method) == head and c.scenario == "baseline"]
        if rows:
            lo, hi = min(rows, key=lambda c: c.ratio_to_reference), max(rows, key=lambda c: c.ratio_to_reference)
            out.append(
                claims.grid_sentence(
                    _label(head),
                    (lo.ratio_to_reference, lo.country_name),
                    (hi.ratio_to_reference, hi.country_name),
                    _grid_share(inventory, monte_carlo, head, "baseline"),
                    _stage_share(lcia, head, "baseline", "residual human work"),
                    1.0,
                )
            )
        bars = sorted(
            (b for b in sensitivity.tornado if tuple(b.method) == head and b.scenario == "baseline"),
            key=lambda b: -b.swing,
        )[:3]
        if bars:
            out.append(
                "What to pin down first: the result moves most with "
                + ", ".join(f"'{b.group}'" for b in bars)
                + "; better data on these narrows the answer most."
            )
    out.append(
        f"Boundary: {BOUNDARIES.get(inventory.boundary, inventory.boundary)} A wider or narrower boundary can change "
        "the answer; the same boundary applies to both sides."
    )
    return out
