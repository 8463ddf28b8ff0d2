"""Paired Monte Carlo and break-even (the sensitivity analyses: :mod:`.sensitivity`).

Both evaluate the inventory with :mod:`lca.assessment.engine`, whose deterministic
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

from lca.assessment.engine import (
    Model,
    compile_model,
    deterministic,
    evaluate,
    fixed_and_variable,
    sample,
    scenario_totals,
)
from lca.assessment.inventory.names import (
    routed_share_group,
)
from lca.assessment.separation import lowest_group, median_change
from lca.records import (
    BreakEven,
    LowestGroupStats,
    MonteCarloResults,
    QualityBootstrap,
    QualityCheck,
    RoutedShareStats,
    ScenarioStats,
    StudyInventory,
    finite,
)

BASELINE = "baseline"
ENGINE = "lca.assessment.engine: vectorised numpy evaluation of the compiled foreground (paired draws)"


def reference_index(inv: StudyInventory) -> int:
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

    ref = reference_index(inv)
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
                    change_vs_reference=None if i == ref else median_change(x, totals[ref, j]),
                    change_vs_baseline=None if base is None or i in (base, ref) else median_change(x, totals[base, j]),
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
    ref, base = reference_index(inv), names.index(BASELINE)
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
