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
from lca.assessment.inventory.names import (
    STAGE_DEVELOPMENT,
    STAGE_HUMAN,
    STAGE_RESIDUAL,
    STAGE_REVIEW,
    routed_share_group,
)
from lca.assessment.separation import lowest_group
from lca.errors import StudyError
from lca.records import (
    AllocationRow,
    BreakEven,
    CountryResult,
    LowestGroupStats,
    MonteCarloResults,
    QualityBootstrap,
    QualityCheck,
    RoutedShareStats,
    ScenarioStats,
    SensitivityResults,
    StudyInventory,
    TornadoBar,
    finite,
)

BASELINE = "baseline"
HUMAN_STAGES = {
    STAGE_HUMAN,
    STAGE_RESIDUAL,
    STAGE_REVIEW,
    STAGE_DEVELOPMENT,
}  # people's work: no server allocation in it
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


def monte_carlo(  # noqa: PLR0913  # the study inventory, its methods and the optional quality bootstrap
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    iterations: int,
    seed: int,
    run_id: str | None = None,
    draws_file: str = "monte_carlo.npz",
    quality: QualityBootstrap | None = None,
    quality_shares: np.ndarray | None = None,
) -> tuple[MonteCarloResults, dict[str, np.ndarray]]:
    """Paired draws of every scenario, their statistics, the probabilities of beating the reference
    and the uncompressed model, and the break-even items.

    With ``quality`` (the paired bootstrap of the test set, :mod:`lca.ml.quality_bootstrap`)
    and its routed-share draws, each variant's residual human work is drawn from the
    bootstrap, aligned with the other inputs' draws.
    """
    started = time.perf_counter()
    model = compile_model(inv, methods)
    det_stages = deterministic(model)
    det = scenario_totals(model, det_stages)[:, :, 0]
    det_fixed, det_var = (a[:, :, 0] for a in fixed_and_variable(model, det_stages))
    supplied = bootstrap_supplied(inv, quality, quality_shares)
    values = sample(model, iterations, seed, supplied)
    stages = evaluate(model, values)
    totals = scenario_totals(model, stages)
    fixed, per_item = fixed_and_variable(model, stages)
    seconds = time.perf_counter() - started

    ref = _reference_index(inv)
    names = model.scenario_names
    base = names.index(BASELINE) if BASELINE in names else None
    stats, breaks, groups = [], [], []
    for j, method in enumerate(model.methods):
        unit = units.get(method, "")
        options = [i for i in range(len(names)) if i != ref]
        groups += _lowest_groups(method, names, options, totals[:, j], fixed[:, j], per_item[:, j], ref)
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
        quality_source=(
            f"{quality.method}; {quality.draws:,} draws over {quality.n_items} held-out items (seed {quality.seed})"
            if supplied
            else "declared spread of each stage (no per-item test results for this run)"
        ),
        routed_shares=_routed_share_stats(model, inv, values, quality),
        quality_checks=rule_of_three_checks(model, inv, quality),
        lowest_groups=groups,
    )
    return results, {"fixed": fixed.astype(np.float32), "per_item": per_item.astype(np.float32)}


def _lowest_groups(method, names, options, totals, fixed, per_item, ref) -> list[LowestGroupStats]:
    """The ML options not told apart from the lowest: by impact, and by items to break even."""
    if not options:
        return []
    quantities = {
        "score": {names[i]: totals[i] for i in options},
        "break_even": {names[i]: break_even_items(fixed[i], per_item[i], fixed[ref], per_item[ref]) for i in options},
    }
    out = []
    for quantity, draws in quantities.items():
        g = lowest_group(draws)
        out.append(
            LowestGroupStats(
                method=method, quantity=quantity, lowest=g.lowest, members=list(g.members), p_lower=g.p_lower
            )
        )
    return out


def bootstrap_supplied(
    inv: StudyInventory, quality: QualityBootstrap | None, shares: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Draws of each variant's residual human work (items), from the bootstrap's routed-share draws."""
    if quality is None or shares is None:
        return {}
    out = {}
    for i, row in enumerate(quality.variants):
        if any(s.name == row.variant for s in inv.scenarios):
            out[routed_share_group(row.variant)] = np.asarray(shares[i], dtype=float) * inv.items
    return out


def _residual_exchange(model: Model, scenario: str) -> int | None:
    group = routed_share_group(scenario)
    return next((i for i, e in enumerate(model.exchanges) if e.group == group), None)


def _routed_share_stats(model: Model, inv: StudyInventory, values: np.ndarray, quality) -> list[RoutedShareStats]:
    out = []
    for s in inv.scenarios:
        ex = _residual_exchange(model, s.name)
        if s.is_reference or ex is None:
            continue
        x = values[ex] / inv.items
        lo, med, hi = np.percentile(x, [2.5, 50, 97.5])
        row = next((v for v in quality.variants if v.variant == s.name), None) if quality else None
        booked = model.exchanges[ex].amount / inv.items
        out.append(
            RoutedShareStats(
                scenario=s.name,
                observed=row.routed_share if row else booked,
                booked=booked,
                n_items=row.n_items if row else None,
                p2_5=float(lo),
                median=float(med),
                p97_5=float(hi),
            )
        )
    return out


def rule_of_three_checks(model: Model, inv: StudyInventory, quality: QualityBootstrap | None) -> list[QualityCheck]:
    """For each variant with no routed item observed: the comparisons again with its share at 3/n.

    The rule of three (Hanley and Lippman-Hand, JAMA 249(13), 1983): with 0 events in
    ``n`` trials, the 95 % upper bound of the rate is about 3/n. A conclusion that
    flips at that bound rests on too few held-out items, and the report says so.
    """
    if quality is None:
        return []
    names = model.scenario_names
    if BASELINE not in names:
        return []
    ref, base = _reference_index(inv), names.index(BASELINE)
    det = scenario_totals(model, deterministic(model))[:, :, 0]
    out = []
    for row in quality.variants:
        ex = _residual_exchange(model, row.variant)
        if row.rule_of_three_upper is None or row.routed_items != 0 or ex is None or row.variant not in names:
            continue
        values = model.amounts.copy()
        values[ex] = row.rule_of_three_upper * inv.items
        bound = scenario_totals(model, evaluate(model, values[:, None]))[:, :, 0]
        i = names.index(row.variant)
        for j, method in enumerate(model.methods):
            out.append(
                QualityCheck(
                    scenario=row.variant,
                    method=method,
                    n_items=row.n_items,
                    bound=row.rule_of_three_upper,
                    ratio_to_baseline_at_bound=float(bound[i, j] / bound[base, j]) if bound[base, j] else None,
                    beats_baseline_observed=bool(i != base and det[i, j] < det[base, j]),
                    beats_baseline_at_bound=bool(i != base and bound[i, j] < bound[base, j]),
                    beats_reference_observed=bool(det[i, j] < det[ref, j]),
                    beats_reference_at_bound=bool(bound[i, j] < bound[ref, j]),
                )
            )
    return out


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
    ref = _reference_index(inv)
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
    ref = _reference_index(inv)
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
        ref = _reference_index(inventory)
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
