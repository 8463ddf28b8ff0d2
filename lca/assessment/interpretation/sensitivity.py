"""Sensitivity: country of the grid, one-at-a-time tornado, time of use, allocation rule.

Each evaluates the inventory with :mod:`lca.assessment.engine`, as the paired Monte Carlo
(:mod:`.monte_carlo`) does, and reports scores relative to the reference scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lca.assessment.background import grid_activity, grid_impacts
from lca.assessment.engine import (
    Model,
    compile_model,
    deterministic,
    evaluate,
    quantile,
    sample,
    scenario_totals,
)
from lca.assessment.interpretation.monte_carlo import reference_index
from lca.assessment.inventory.names import STAGE_DEVELOPMENT, STAGE_HUMAN, STAGE_RESIDUAL, STAGE_REVIEW
from lca.errors import StudyError
from lca.records import (
    AllocationRow,
    CountryResult,
    SensitivityResults,
    StudyInventory,
    TornadoBar,
)

HUMAN_STAGES = {
    STAGE_HUMAN,
    STAGE_RESIDUAL,
    STAGE_REVIEW,
    STAGE_DEVELOPMENT,
}  # people's work: no server allocation in it


def _own_market(inv: StudyInventory, iso3: str):
    """The practitioner's own electricity market of ``iso3``, when the study links its grid and they have one."""
    return next((a for a in inv.background_activities() if a.key == f"grid::{iso3}" and a.linked), None)


def _grid_source(inv: StudyInventory, iso3: str) -> str:
    own = _own_market(inv, iso3)
    if own is not None:
        return f"your Brightway database {own.database!r}: {own.name} ({own.location})"
    impacts = grid_impacts(iso3)
    if iso3 == inv.country:
        return inv.grid_source
    return "bundled: " + "; ".join(f"{c}: {impacts.sources[c]}" for c in impacts.sources)


def _country_model(inv: StudyInventory, methods, iso3: str) -> Model:
    activity = _own_market(inv, iso3) or grid_activity(grid_impacts(iso3))
    # The grid and, on an hourly profile, the study country's grid at each time slot (grid::FRA@run, ...).
    keys = [a.key for a in inv.background_activities() if a.key == inv.grid_key or a.key.startswith(inv.grid_key + "@")]
    return compile_model(inv, methods, background={key: activity.model_copy(update={"key": key}) for key in keys})


def country_sensitivity(
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    countries: Sequence[str],
    iterations: int,
    seed: int,
    supplied: dict[str, np.ndarray] | None = None,
) -> list[CountryResult]:
    """The same study with the whole system (datacentre and offices) on each country's grid."""
    from lca.study.impact_methods import bundled_category

    rows = []
    ref = reference_index(inv)
    for iso3 in dict.fromkeys([inv.country, *countries]):
        impacts = grid_impacts(iso3)
        # Another country's grid is the practitioner's own market when the study links its grid and they have
        # one; else the bundled one, which can be scored only in the methods its cited totals cover.
        row_methods = methods if _own_market(inv, iso3) else [m for m in methods if bundled_category(m)]
        if iso3 != inv.country and not row_methods:
            continue
        # The study's own country keeps the inventory's grid (a study override included).
        model = compile_model(inv, methods) if iso3 == inv.country else _country_model(inv, row_methods, iso3)
        source = _grid_source(inv, iso3)
        det = scenario_totals(model, deterministic(model))[:, :, 0]
        draws = scenario_totals(model, evaluate(model, sample(model, iterations, seed, supplied)))
        for j, method in enumerate(model.methods):
            for i, name in enumerate(model.scenario_names):
                rows.append(
                    CountryResult(
                        country=iso3,
                        country_name=impacts.country,
                        scenario=name,
                        method=method,
                        unit=units.get(method, ""),
                        score=float(det[i, j]),
                        ratio_to_reference=float(det[i, j] / det[ref, j]) if det[ref, j] else float("nan"),
                        p_beats_reference=None if i == ref else float((draws[i, j] < draws[ref, j]).mean()),
                        is_study_country=iso3 == inv.country,
                        grid_source=source,
                    )
                )
    return rows


def tornado(
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    groups: Sequence[str] | None = None,
    *,
    where: str = "lca.tornado_parameters",
    supplied: dict[str, np.ndarray] | None = None,
) -> tuple[list[TornadoBar], list[str]]:
    """Each uncertain input group at its 2.5 % and 97.5 % quantiles in turn; output: score / reference score.

    A group whose draws are ``supplied`` (each variant's routed share, from the paired
    bootstrap) is set to the 2.5 % and 97.5 % quantiles of those draws, so a share of 0
    observed still shows its bar.
    """
    model = compile_model(inv, methods)
    supplied = supplied or {}
    available = model.groups()
    for group in supplied:
        if model.indices(group):
            available[group] = model.indices(group)
    chosen = list(available) if groups is None else list(groups)
    unknown = [g for g in chosen if g not in available]
    if unknown:
        raise StudyError(
            f"field '{where}': value(s) {unknown} are not uncertain inputs of this inventory; known: "
            f"{sorted(available)}"
        )
    ref = reference_index(inv)
    base_values = model.amounts
    base = scenario_totals(model, evaluate(model, base_values[:, None]))[:, :, 0]
    columns = [base_values]
    for group in chosen:
        for p in (0.025, 0.975):
            values = base_values.copy()
            for ex in available[group]:
                e = model.exchanges[ex]
                if group in supplied:
                    values[ex] = float(np.quantile(supplied[group], p))
                else:
                    values[ex] = quantile(e.amount, e.uncertainty, p)
            columns.append(values)
    totals = scenario_totals(model, evaluate(model, np.stack(columns, axis=1)))
    bars = []
    for g, group in enumerate(chosen):
        lo, hi = totals[:, :, 1 + 2 * g], totals[:, :, 2 + 2 * g]
        for i, name in enumerate(model.scenario_names):
            if i == ref:
                continue
            for j, method in enumerate(model.methods):
                bars.append(
                    TornadoBar(
                        scenario=name,
                        method=method,
                        group=group,
                        exchanges=len(available[group]),
                        base=float(base[i, j] / base[ref, j]),
                        low=float(lo[i, j] / lo[ref, j]),
                        high=float(hi[i, j] / hi[ref, j]),
                    )
                )
    return bars, sorted(available)


def sensitivity(  # noqa: PLR0913  # each optional argument adds one sensitivity analysis
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    countries: Sequence[str],
    iterations: int,
    seed: int,
    groups: Sequence[str] | None = None,
    supplied: dict[str, np.ndarray] | None = None,
    whole_machine: StudyInventory | None = None,
) -> SensitivityResults:
    """Countries, tornado, and (with ``whole_machine``, the same run booked that way) the allocation rule's effect."""
    from lca.assessment.time_sensitivity import time_of_use

    bars, available = tornado(inv, methods, groups, supplied=supplied)
    return SensitivityResults(
        study=inv.study,
        run_id=inv.run_id,
        countries=country_sensitivity(inv, methods, units, countries, iterations, seed, supplied),
        country_iterations=iterations,
        tornado=bars,
        groups=available,
        allocation=allocation_rows(inv, methods, whole_machine),
        time_of_use=time_of_use(inv, methods, units, iterations, seed),
    )


def allocation_rows(
    inv: StudyInventory, methods: Sequence[Sequence[str]], whole_machine: StudyInventory | None
) -> list[AllocationRow]:
    """Deterministic scores and ratios under the study's allocation rule and under 'whole_machine'."""
    if whole_machine is None or whole_machine.allocation == inv.allocation:
        return []
    rows = []
    for inventory in (inv, whole_machine):
        model = compile_model(inventory, methods)
        stage_scores = deterministic(model)
        det = scenario_totals(model, stage_scores)[:, :, 0]
        machine = np.zeros_like(det)
        for k, (s_i, stage, *_rest) in enumerate(model.stages):
            if stage not in HUMAN_STAGES:
                machine[s_i] += stage_scores[k, :, 0]
        ref = reference_index(inventory)
        for i, name in enumerate(model.scenario_names):
            for j, method in enumerate(model.methods):
                rows.append(
                    AllocationRow(
                        scenario=name,
                        method=method,
                        rule=inventory.allocation,
                        score=float(det[i, j]),
                        ratio_to_reference=float(det[i, j] / det[ref, j]) if det[ref, j] else None,
                        machine_score=float(machine[i, j]),
                    )
                )
    return rows
