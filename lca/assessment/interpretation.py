"""Interpretation: paired Monte Carlo, break-even, country sensitivity, one-at-a-time tornado.

All four evaluate the inventory with :mod:`lca.assessment.engine`, whose deterministic
scores the ``lcia`` task checks against Brightway's on every run.

Break-even: a scenario's cumulative impact after ``N`` items is ``F + v N``
(fixed part: training, compression, development, their server hours; per item:
inference, residual human work, inference server hours). An ML scenario breaks
even with the reference at ``N* = (F_ml - F_ref) / (v_ref - v_ml)`` when it
saves something per item (``v_ml < v_ref``), at 0 when it also costs less up
front, and never otherwise. It is computed per paired draw, so its interval
carries every input's uncertainty.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from lca.assessment.background import grid_activity, grid_impacts
from lca.assessment.engine import (
    Model,
    compile_model,
    deterministic,
    evaluate,
    fixed_and_variable,
    quantile,
    sample,
    scenario_totals,
)
from lca.assessment.results import (
    BreakEven,
    CountryResult,
    MonteCarloResults,
    ScenarioStats,
    SensitivityResults,
    TornadoBar,
    finite,
)
from lca.errors import StudyError
from lca.records import StudyInventory

BASELINE = "baseline"
ENGINE = "lca.assessment.engine: vectorised numpy evaluation of the compiled foreground (paired draws)"


def _reference_index(inv: StudyInventory) -> int:
    return next(i for i, s in enumerate(inv.scenarios) if s.is_reference)


def break_even_items(fixed_ml, per_item_ml, fixed_ref, per_item_ref) -> np.ndarray:
    """N* per draw (inf: never). Works on scalars and arrays alike."""
    saving = np.asarray(per_item_ref, dtype=float) - np.asarray(per_item_ml, dtype=float)
    extra = np.asarray(fixed_ml, dtype=float) - np.asarray(fixed_ref, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(saving > 0, np.maximum(extra, 0.0) / np.where(saving > 0, saving, 1.0), np.inf)
    return n


def monte_carlo(
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    iterations: int,
    seed: int,
    run_id: str | None = None,
    draws_file: str = "monte_carlo.npz",
) -> tuple[MonteCarloResults, dict[str, np.ndarray]]:
    """Paired draws of every scenario, their statistics, the probabilities of beating the reference
    and the uncompressed model, and the break-even items."""
    started = time.perf_counter()
    model = compile_model(inv, methods)
    det_stages = deterministic(model)
    det = scenario_totals(model, det_stages)[:, :, 0]
    det_fixed, det_var = (a[:, :, 0] for a in fixed_and_variable(model, det_stages))
    stages = evaluate(model, sample(model, iterations, seed))
    totals = scenario_totals(model, stages)
    fixed, per_item = fixed_and_variable(model, stages)
    seconds = time.perf_counter() - started

    ref = _reference_index(inv)
    names = model.scenario_names
    base = names.index(BASELINE) if BASELINE in names else None
    stats, breaks = [], []
    for j, method in enumerate(model.methods):
        unit = units.get(method, "")
        for i, scenario in enumerate(inv.scenarios):
            x = totals[i, j]
            p_lo, p_med, p_hi = np.percentile(x, [2.5, 50, 97.5])
            stats.append(
                ScenarioStats(
                    scenario=scenario.name,
                    label=scenario.label,
                    is_reference=scenario.is_reference,
                    method=method,
                    unit=unit,
                    deterministic=float(det[i, j]),
                    mean=float(x.mean()),
                    median=float(p_med),
                    p2_5=float(p_lo),
                    p97_5=float(p_hi),
                    sd=float(x.std(ddof=1)) if iterations > 1 else 0.0,
                    p_beats_reference=None if i == ref else float((x < totals[ref, j]).mean()),
                    p_beats_baseline=None if base is None or i in (base, ref) else float((x < totals[base, j]).mean()),
                )
            )
            if i == ref:
                continue
            n = break_even_items(fixed[i, j], per_item[i, j], fixed[ref, j], per_item[ref, j])
            n_det = float(break_even_items(det_fixed[i, j], det_var[i, j], det_fixed[ref, j], det_var[ref, j]))
            with np.errstate(invalid="ignore"):  # percentiles between two 'never' draws are 'never' too
                lo, med, hi = np.percentile(n, [2.5, 50, 97.5])
            breaks.append(
                BreakEven(
                    scenario=scenario.name,
                    method=method,
                    unit=unit,
                    fixed=float(det_fixed[i, j] - det_fixed[ref, j]),
                    per_item_ml=float(det_var[i, j]),
                    per_item_reference=float(det_var[ref, j]),
                    items=finite(n_det),
                    median_items=finite(med),
                    p2_5_items=finite(lo),
                    p97_5_items=finite(hi),
                    p_never=float(np.isinf(n).mean()),
                    p_within_functional_unit=float((n <= inv.items).mean()),
                )
            )
    results = MonteCarloResults(
        study=inv.study,
        run_id=run_id or inv.run_id,
        iterations=iterations,
        seed=seed,
        seconds=seconds,
        engine=ENGINE,
        stats=stats,
        break_even=breaks,
        draws_file=draws_file,
        by_background=contributions_by_background(inv, methods),
        scenarios=names,
        methods=model.methods,
    )
    return results, {"fixed": fixed.astype(np.float32), "per_item": per_item.astype(np.float32)}


def contributions_by_background(inv: StudyInventory, methods: Sequence[Sequence[str]]) -> list[dict]:
    """Deterministic score of each scenario split by background activity (grid, each device, heating)."""
    model = compile_model(inv, methods)
    rows = []
    for b, (key, _) in enumerate(model.background):
        totals = scenario_totals(model, evaluate(model, model.amounts[:, None], only_background=b))[:, :, 0]
        for i, name in enumerate(model.scenario_names):
            for j, method in enumerate(model.methods):
                rows.append({"scenario": name, "method": method, "background": key, "score": float(totals[i, j])})
    return rows


def _country_model(inv: StudyInventory, methods, iso3: str) -> Model:
    activity = grid_activity(grid_impacts(iso3))
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
) -> list[CountryResult]:
    """The same study with the whole system (datacentre and offices) on each country's grid."""
    rows = []
    ref = _reference_index(inv)
    for iso3 in dict.fromkeys([inv.country, *countries]):
        impacts = grid_impacts(iso3)
        # The study's own country keeps the inventory's grid (a study override included).
        model = compile_model(inv, methods) if iso3 == inv.country else _country_model(inv, methods, iso3)
        det = scenario_totals(model, deterministic(model))[:, :, 0]
        draws = scenario_totals(model, evaluate(model, sample(model, iterations, seed)))
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
                    )
                )
    return rows


def tornado(
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    groups: Sequence[str] | None = None,
    *,
    where: str = "lca.tornado_parameters",
) -> tuple[list[TornadoBar], list[str]]:
    """Each uncertain input group at its 2.5 % and 97.5 % quantiles in turn; output: score / reference score."""
    model = compile_model(inv, methods)
    available = model.groups()
    chosen = list(available) if groups is None else list(groups)
    unknown = [g for g in chosen if g not in available]
    if unknown:
        raise StudyError(f"field '{where}': value(s) {unknown} are not uncertain inputs of this inventory; known: {sorted(available)}")
    ref = _reference_index(inv)
    base_values = model.amounts
    base = scenario_totals(model, evaluate(model, base_values[:, None]))[:, :, 0]
    columns = [base_values]
    for group in chosen:
        for p in (0.025, 0.975):
            values = base_values.copy()
            for ex in available[group]:
                e = model.exchanges[ex]
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


def sensitivity(
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    countries: Sequence[str],
    iterations: int,
    seed: int,
    groups: Sequence[str] | None = None,
) -> SensitivityResults:
    from lca.assessment.time_sensitivity import time_of_use

    bars, available = tornado(inv, methods, groups)
    return SensitivityResults(
        study=inv.study,
        run_id=inv.run_id,
        countries=country_sensitivity(inv, methods, units, countries, iterations, seed),
        country_iterations=iterations,
        tornado=bars,
        groups=available,
        time_of_use=time_of_use(inv, methods, units, iterations, seed),
    )
