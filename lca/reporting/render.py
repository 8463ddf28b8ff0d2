"""The HTML of a run's report: the Jinja environment, its filters, and the variables ``report.html.j2`` reads.

Rendering only: the tables, charts and LCA sections are written beforehand into the
staging folder by :mod:`lca.reporting.run_report`, which passes what they return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lca import __version__
from lca.assessment.comparison import describe_uncertainty
from lca.assessment.separation import format_probability
from lca.records import DatasetCard, EnergyRecord, GateResult, StudyInventory, VariantBenchmark
from lca.reporting.assumptions_section import cited_parameters
from lca.reporting.formats import first_sentence, grouped, sig, size
from lca.reporting.impact_section import RESULTS_CSV, Chart
from lca.reporting.legend import Notes, energy_method_note
from lca.reporting.ml_charts import pareto_front
from lca.reporting.run_summary import TABLES_XLSX
from lca.reporting.vega_bundle import script, spec_json
from lca.reporting.vega_specs import pareto as pareto_spec
from lca.study.reference_data import grid_table
from lca.study.schema import Study


def render_html(  # noqa: PLR0913  # keyword-only, one per record in the report
    *,
    study: Study,
    study_path: Path,
    study_sha256: str,
    run_id: str,
    inventory: StudyInventory,
    rows: list[dict[str, Any]],
    charts: list[Chart],
    benchmarks: list[VariantBenchmark],
    training_energy: EnergyRecord,
    compression_energy: dict[str, EnergyRecord],
    gates: list[GateResult],
    pareto: str | None = None,
    dataset_card: DatasetCard | None = None,
    lca: dict[str, Any] | None = None,
    whatif: dict[str, Any] | None = None,
    runtimes: dict[str, Any] | None = None,
) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lca.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in the template fails the task, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sig"] = sig
    env.filters["size"] = size
    env.filters["uncertainty"] = describe_uncertainty
    env.filters["grouped"] = grouped
    env.filters["first_sentence"] = first_sentence
    env.filters["vega_json"] = spec_json
    env.filters["probability"] = format_probability  # "> 99 %", never "100%" for 0.998
    energy_windows = [training_energy, *compression_energy.values(), *(b.energy for b in benchmarks)]
    energy_notes = Notes()
    front = pareto_front(benchmarks) if pareto else []
    # The charts' script only when some chart has an interactive version (a report without charts stays small).
    interactive = bool(pareto) or any(c.spec for c in charts) or _has_specs(lca)
    energy_rows = [(e, energy_notes.ref(*energy_method_note(e))) for e in energy_windows]
    return env.get_template("report.html.j2").render(
        study=study,
        study_file=study_path,
        study_sha256=study_sha256,
        run_id=run_id,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        inventory=inventory,
        tables=[(chart, [r for r in rows if r["method"] == chart.method]) for chart in charts],
        other_results=other_categories(rows, {chart.method for chart in charts}),
        benchmarks=benchmarks,
        energy_windows=energy_windows,
        energy_rows=energy_rows,
        energy_notes=energy_notes,
        energy_groups=_energy_groups(energy_rows),
        energy_total_kwh=sum(e.energy_kwh for e in energy_windows),
        energy_total_s=sum(e.duration_s for e in energy_windows),
        stage_notes=Notes(),
        background_notes=Notes(),
        whatif=whatif,
        energy_origin=f"reused from run {whatif['source_run']}"
        if whatif and whatif.get("source_run")
        else "measured in this run",
        functional_unit_overridden=functional_unit_overridden(whatif),
        gates=gates,
        grid=grid_table().factor(study.deployment.country),
        grid_used=inventory.grid_kg_co2e_per_kwh,
        parameters=cited_parameters(study),
        results_csv=RESULTS_CSV,
        tables_xlsx=TABLES_XLSX,
        pareto=pareto,
        dataset_card=dataset_card,
        pareto_front=front,
        pareto_spec=pareto_spec(benchmarks, front) if pareto else None,
        lca=lca,
        charts_script=script() if interactive else None,
        runtimes=runtimes,
    )


def other_categories(rows: list[dict[str, Any]], charted: set[str]) -> dict[str, Any] | None:
    """The categories not charted (lca.study.report_spec) as one compact table: a row per scenario, a column each.

    Score and ratio to the reference only; their Monte Carlo intervals are in section 4's statistics
    and in results.csv. None when every category is charted.
    """
    other = [r for r in rows if r["method"] not in charted]
    if not other:
        return None
    methods = list(dict.fromkeys(r["method"] for r in other))
    units = {r["method"]: r["unit"] for r in other}
    cells = {(r["scenario"], r["method"]): r for r in other}
    scenarios = list(dict.fromkeys((r["scenario"], r["label"], r["is_reference"]) for r in other))
    return {
        "columns": [
            {"method": m, "category": m.split(" | ")[-2] if " | " in m else m, "unit": units[m]} for m in methods
        ],
        "rows": [
            {"label": label, "is_reference": ref, "cells": [cells.get((name, m)) for m in methods]}
            for name, label, ref in scenarios
        ],
    }


def functional_unit_overridden(whatif: dict[str, Any] | None) -> bool:
    """A what-if changed the functional unit's figures (not its description): the description no longer matches."""
    paths = [o["path"] for o in (whatif or {}).get("overrides", [])]
    return any(p.startswith("functional_unit.") and p != "functional_unit.description" for p in paths)


def _energy_groups(energy_rows: list[tuple[EnergyRecord, str]]) -> list[dict[str, Any]]:
    """The energy windows summed by kind of stage (training, compression, inference...), in first-seen order."""
    groups: dict[str, dict[str, Any]] = {}
    for record, note in energy_rows:
        kind = record.stage.split(":", 1)[0].replace("_", " ")
        g = groups.setdefault(kind, {"kind": kind, "count": 0, "duration_s": 0.0, "energy_kwh": 0.0, "notes": []})
        g["count"] += 1
        g["duration_s"] += record.duration_s
        g["energy_kwh"] += record.energy_kwh
        if note not in g["notes"]:
            g["notes"].append(note)
    return list(groups.values())


def _has_specs(lca: dict[str, Any] | None) -> bool:
    """Whether an interpretation section holds a chart with a Vega-Lite spec."""
    parts = [v for v in (lca or {}).values() if isinstance(v, dict)]
    return any(c.get("spec") for part in parts for c in part.get("charts", []) if isinstance(c, dict))
