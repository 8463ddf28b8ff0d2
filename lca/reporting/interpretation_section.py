"""The report's interpretation (template ``lca_interpretation.html.j2``), as ISO 14044 asks for it.

Contributions of each life-cycle stage and of each background source, the Monte
Carlo uncertainty, break-even, the grid countries and the one-input-at-a-time
(tornado) sensitivity, then the limitations. The partial includes the 'when'
(:mod:`lca.reporting.when_section`) and the excluded stages
(:mod:`lca.reporting.excluded_section`), whose contexts are filled in here too.
Writes each table as CSV and each chart as PNG into the report's staging folder.

Every part copes with a missing input (a run without Monte Carlo or sensitivity):
it then says what was not computed instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lca.assessment.inventory.names import STAGE_ORDER
from lca.records import LciaResults, MonteCarloResults, SensitivityResults, StudyInventory
from lca.records.energy import ATTRIBUTED_METHODS
from lca.reporting import assessment_charts, assessment_specs
from lca.reporting.claims import items_number
from lca.reporting.excluded_section import excluded_context
from lca.reporting.formats import first_sentence
from lca.reporting.tables import labelled, method_label, write_csv
from lca.reporting.when_section import when_context
from lca.study.schema import Study

CONTRIBUTIONS_CSV = "contributions.csv"
SOURCES_CSV = "contributions_by_source.csv"
MONTE_CARLO_CSV = "monte_carlo.csv"
BREAK_EVEN_CSV = "break_even.csv"
COUNTRIES_CSV = "sensitivity_countries.csv"
TORNADO_CSV = "tornado.csv"


def interpretation_context(  # noqa: PLR0913  # keyword-only, one per record
    folder: Path,
    *,
    study: Study,
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
    units: dict[tuple[str, ...], str],
    headline: list[tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """``headline``: the methods charted (lca.study.report_spec; default all); every table and CSV keeps ``methods``."""
    charted = list(methods if headline is None else headline)
    labels = {s.name: s.label for s in inventory.scenarios}
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    return {
        "engine_check": lcia.engine_max_rel_diff,
        "charted_methods": [method_label(m) for m in charted],
        "uncharted": len(methods) - len(charted),
        "contributions": _contributions(folder, inventory, lcia, (methods, charted), units, labels),
        "uncertainty": _uncertainty(folder, inventory, monte_carlo, charted, units, labels, reference),
        "break_even": _break_even(folder, inventory, monte_carlo, charted, units, reference),
        "countries": _countries(folder, inventory, sensitivity, charted),
        "tornado": _tornado(folder, study, sensitivity, charted, monte_carlo),
        "when": when_context(folder, sensitivity),
        "excluded": excluded_context(folder, study, inventory, sensitivity),
        "sources_csv": _sources(folder, monte_carlo) if monte_carlo is not None else None,
        "limitations": _limitations(inventory, monte_carlo),
    }


def _interval_text(lo: float | None, hi: float | None) -> str:
    a, b = items_number(lo), items_number(hi)
    return a if a == b else f"{a} to {b}"


def _contributions(folder, inventory, lcia, methods_charted, units, labels) -> dict[str, Any]:
    """Every method's stage shares in the CSV; a chart for each charted (headline) method."""
    if not lcia.stages:
        return {"charts": [], "csv": None}
    methods, charted = methods_charted
    rows, charts = [], []
    totals = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    for method in methods:
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
                    "method": method_label(method),
                    "unit": stage.unit,
                    "score": stage.score,
                    "share_of_scenario": share,
                }
            )
        if method not in charted:
            continue
        args = (
            method,
            units.get(method, ""),
            [(s.name, s.label) for s in inventory.scenarios],
            shares,
            {s.name: totals.get((s.name, method), 0.0) for s in inventory.scenarios},
        )
        chart = assessment_charts.contributions_chart(
            folder / f"contributions_{charted.index(method) + 1:02d}.png", *args
        )
        spec = assessment_specs.contributions(*args, assessment_charts.STAGE_COLORS)
        charts.append({"method": method_label(method), "file": chart, "spec": spec})
    order = {stage: k for k, stage in enumerate(STAGE_ORDER)}
    rows.sort(
        key=lambda r: (
            r["method"],
            [s.name for s in inventory.scenarios].index(r["scenario"]),
            order.get(r["stage"], 99),
        )
    )
    return {"charts": charts, "csv": write_csv(folder / CONTRIBUTIONS_CSV, rows)}


def _sources(folder, monte_carlo: MonteCarloResults) -> str:
    rows = monte_carlo.by_background
    return write_csv(folder / SOURCES_CSV, [{**r, "method": method_label(r["method"])} for r in rows])


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
            args = (
                method,
                units.get(method, ""),
                [labels.get(s, s) for s in monte_carlo.scenarios],
                [draws["totals"][k, j] for k in range(len(monte_carlo.scenarios))],
                ref_i,
            )
            chart = assessment_charts.uncertainty_chart(folder / f"uncertainty_{i:02d}.png", *args)
            spec = assessment_specs.uncertainty(*args)
            charts.append({"method": method_label(method), "file": chart, "spec": spec})
    rows = [labelled(s) for s in monte_carlo.stats]
    return {
        "ran": True,
        "iterations": monte_carlo.iterations,
        "seed": monte_carlo.seed,
        "seconds": monte_carlo.seconds,
        "engine": monte_carlo.engine,
        "charts": charts,
        "rows": rows,
        "csv": write_csv(folder / MONTE_CARLO_CSV, rows),
    }


def _break_even(folder, inventory, monte_carlo, methods, units, reference) -> dict[str, Any]:
    if monte_carlo is None:
        return {"ran": False, "charts": [], "rows": [], "csv": None}
    rows = [
        {
            **labelled(b),
            "items_text": items_number(b.items),
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
            args = (method, units.get(method, ""), inventory.items, curves, reference, crossings, max_items)
            chart = assessment_charts.break_even_chart(folder / f"break_even_{i:02d}.png", *args)
            spec = assessment_specs.break_even(*args)
            charts.append({"method": method_label(method), "file": chart, "spec": spec})
    csv_rows = [{k: v for k, v in r.items() if k not in ("items_text", "interval_text")} for r in rows]
    return {"ran": True, "charts": charts, "rows": rows, "csv": write_csv(folder / BREAK_EVEN_CSV, csv_rows)}


def _countries(folder, inventory, sensitivity, methods) -> dict[str, Any]:
    if sensitivity is None:
        return {"ran": False, "charts": [], "rows": [], "csv": None}
    rows = [labelled(c) for c in sensitivity.countries]
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
        spec = assessment_specs.countries(method, countries, ml, ratios)
        charts.append({"method": method_label(method), "file": chart, "spec": spec})
    return {
        "ran": True,
        "charts": charts,
        "rows": rows,
        "iterations": sensitivity.country_iterations,
        "csv": write_csv(folder / COUNTRIES_CSV, rows),
    }


def _tornado(folder, study, sensitivity, methods, monte_carlo) -> dict[str, Any]:
    if sensitivity is None or not sensitivity.tornado:
        return {"ran": False, "charts": [], "top": [], "csv": None}
    top_n = study.lca.tornado_top
    rows = [{**labelled(b), "swing": b.swing} for b in sensitivity.tornado]
    charts, top = [], []
    scenarios = list(dict.fromkeys(b.scenario for b in sensitivity.tornado))
    for i, method in enumerate(methods[:1], start=1):  # the first headline method's chart; the CSV has them all
        bars = [b for b in sensitivity.tornado if tuple(b.method) == method]
        if not bars:
            continue
        shown = _tornado_scenarios(scenarios, method, monte_carlo)
        panels = []
        for scenario in shown:
            mine = sorted((b for b in bars if b.scenario == scenario), key=lambda b: -b.swing)[:top_n]
            if mine:
                panels.append((scenario, mine[0].base, [(b.group, b.low, b.high) for b in mine]))
                top.append(
                    {"method": method_label(method), "scenario": scenario, "groups": [b.group for b in mine[:3]]}
                )
        if panels:
            chart = assessment_charts.tornado_chart(folder / f"tornado_{i:02d}.png", method, panels)
            spec = assessment_specs.tornado(method, panels)
            charts.append({"method": method_label(method), "file": chart, "spec": spec})
    return {"ran": True, "charts": charts, "top": top, "csv": write_csv(folder / TORNADO_CSV, rows), "n": top_n}


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


def _attributed(inventory: StudyInventory) -> bool:
    """Every measured stage is the task's own energy (lca.records.energy.ATTRIBUTED_METHODS): no idle power in it."""
    methods = [p.name.split("::", 1)[1] for p in inventory.providers if p.name.startswith("measured::")]
    return bool(methods) and all(m in ATTRIBUTED_METHODS for m in methods)


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
        "Deployment may batch, idle or share hardware differently from the benchmark window"
        + (
            "."
            if _attributed(inventory)
            else "; the measured energy per item includes the machine's idle power during the window."
        ),
    ]
    if any(p.name == "measured::codecarbon_estimate" for p in inventory.providers):
        out.insert(
            0,
            "Energy was estimated by CodeCarbon from CPU load and a default TDP, not metered: its wide spread is "
            "carried into every result, and it is shared by every stage measured this way.",
        )
    if any(p.name.startswith("measured::cpu_power_model") for p in inventory.providers):
        out.insert(
            0,
            "Energy was not metered: the measuring host has no energy counter, so each stage's own CPU seconds and "
            "resident memory were charged at a cited power per hardware thread (TDP / threads of its CPU, or of its "
            "family when the CPU is not named) and per GB: its wide spread is carried into every result, and it is "
            "shared by every stage measured this way. Other processes on the host are not in these figures.",
        )
    grid = next((a for a in inventory.background_activities() if a.key == inventory.grid_key), None)
    if grid is not None:
        routes = [f for f in grid.flows if "world average" in f.source or "Computed:" in f.source]
        if routes:
            out.append(
                f"For {inventory.country}, "
                + "; ".join(f"{f.category}: {first_sentence(f.source)}" for f in routes)
                + " (fallback routes, wider uncertainty)."
            )
    return out
