"""The report's recommendations (templates ``lca_recommendations.html.j2`` and, in short, ``lca_summary.html.j2``).

A few sentences a non-specialist can act on, each backed by a table of the report:
built from the LCIA scores, the Monte Carlo and the sensitivity results with the
sentence rules of :mod:`lca.reporting.claims`; recomputes nothing.
"""

from __future__ import annotations

import math

from lca.assessment import separation
from lca.assessment.classical_baseline import floor_sentences
from lca.assessment.separation import format_probability, name_options
from lca.records import LciaResults, MonteCarloResults, SensitivityResults, StudyInventory
from lca.reporting import claims
from lca.reporting.claims_section import quality_warnings
from lca.reporting.goal_scope_section import boundary_text
from lca.reporting.in_short import category_name, plain_name, short_name
from lca.study.baselines import CLASSICAL


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


def _verdict(p: float | None, change: float | None) -> str:
    if p is None:
        return "no Monte Carlo was run"
    said = separation.verdict(p, change)
    if said == separation.NOT_CLEAR:
        return "not distinguishable with the data at hand"
    if said == separation.PRACTICALLY_EQUAL:
        return f"practically equal (apart by less than {separation.MATERIAL:.0%})"
    return said


def _against(p: float | None, change: float | None) -> str | None:
    """The separation verdict of an option against another, None when it was not compared."""
    return None if p is None else separation.verdict(p, change)


def _quoted(names) -> str:
    return name_options([f"'{n}'" for n in names])


def _ratios_text(ratios: list[float]) -> str:
    """'0.1 times' when the options agree to two digits, 'from 0.095 to 0.12 times' otherwise."""
    lo, hi = min(ratios), max(ratios)
    return f"{lo:.2g} times" if f"{lo:.2g}" == f"{hi:.2g}" else f"from {lo:.2g} to {hi:.2g} times"


def _lowest_sentence(category: str, method, ml, scores, reference, monte_carlo) -> str:
    """The lowest ML option against the reference: named "best" only when the draws separate it from the others."""
    ratio = {n: scores.get((n, method), math.nan) / scores[(reference, method)] for n in ml}
    if monte_carlo is None:
        best = min(ml, key=lambda n: scores.get((n, method), math.inf))
        return (
            f"{category}: the lowest deterministic score is '{plain_name(best)}''s, {ratio[best]:.2g} times the "
            "impact of doing the job by hand; no Monte Carlo was run, so it is not tested against the other options."
        )
    stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == method}
    group = monte_carlo.lowest_group(method)
    members = group.members if group is not None else [min(ml, key=lambda n: stats[n].median)]
    verdicts = {_verdict(stats[n].p_beats_reference, stats[n].change_vs_reference) for n in members}
    p = min(stats[n].p_beats_reference for n in members)
    if len(verdicts) == 1 and len(members) == 1:
        verdict = f"{verdicts.pop()} (probability {format_probability(p)} that it is lower)"
    elif len(verdicts) == 1:
        verdict = f"{verdicts.pop()} (the least clear of them: probability {format_probability(p)} that it is lower)"
    else:
        verdict = "; ".join(
            f"'{plain_name(n)}' is {_verdict(stats[n].p_beats_reference, stats[n].change_vs_reference)}"
            for n in members
        )
    if len(members) == 1:
        best = members[0]
        return (
            f"{category}: the best ML option, '{plain_name(best)}', has {ratio[best]:.2g} times the impact of doing "
            f"the job by hand (lower than every other ML option in at least {claims.CLEAR:.0%} of the paired "
            f"draws); its impact is {verdict}."
        )
    return (
        f"{category}: {_quoted(plain_name(n) for n in members)} cannot be told apart (the lowest is below the "
        f"others in fewer than {claims.CLEAR:.0%} of the paired draws, or by less than {separation.MATERIAL:.0%}); "
        "each has "
        f"{_ratios_text([ratio[n] for n in members])} the impact of doing the job by hand; against it, each is "
        f"{verdict}."
    )


def _flips_at_bound(monte_carlo: MonteCarloResults, method) -> set[str]:
    """Variants whose comparison with the baseline changes at the rule-of-three bound: never "clearly" better."""
    return {
        c.scenario
        for c in monte_carlo.quality_checks
        if tuple(c.method) == tuple(method) and c.beats_baseline_observed != c.beats_baseline_at_bound
    }


def _median_items(b) -> float:
    return b.median_items if b.median_items is not None else math.inf


def _pin_down_sentence(swings: list[str], judgements: list[str]) -> str | None:
    """The inputs the result moves most with, and the figures that are judgements: what better data replaces first."""
    parts = []
    if swings:
        parts.append(
            "the result moves most with " + ", ".join(f"'{g}'" for g in swings) + "; better data on these narrows the "
            "answer most"
        )
    if judgements:
        parts.append(
            "these figures are judgements, not data: "
            + ", ".join(f"'{field}'" for field in judgements)
            + " (the data quality table, section 2)"
        )
    return "What to pin down first: " + "; ".join(parts) + "." if parts else None


def recommendations(
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
    benchmarks: list | None = None,
    k: int = 10,
) -> list[str]:
    """A few sentences a non-specialist can act on, each backed by a table of the report."""
    by_category, rest = recommendation_parts(inventory, lcia, monte_carlo, sensitivity, methods, benchmarks, k)
    return [*by_category, *rest]


def recommendation_parts(  # noqa: PLR0913 - the records the sentences rest on
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
    benchmarks: list | None = None,
    k: int = 10,
) -> tuple[list[str], list[str]]:
    """The sentences on each impact category's lowest option, and the others (compression, break-even, grid...).

    The 'In short' box shows the first as a table (:mod:`lca.reporting.in_short`) and the others as sentences.
    """
    out: list[str] = []
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    scores = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    for method in methods:
        category = category_name(method)
        ml = [s.name for s in inventory.scenarios if not s.is_reference]
        if not ml or reference is None or not scores.get((reference, method)):
            continue
        text = _lowest_sentence(category, method, ml, scores, reference, monte_carlo)
        if monte_carlo is not None:
            stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == method}
            said = {n: _against(stats[n].p_beats_reference, stats[n].change_vs_reference) for n in ml if n in stats}
            better = [n for n, v in said.items() if v == separation.CLEARLY_LOWER]
            worse = [n for n, v in said.items() if v == separation.CLEARLY_HIGHER]
            text += (
                f" {len(better)} of {len(ml)} ML options are clearly lower than the reference, {len(worse)} "
                "clearly higher."
            )
        out.append(text)
    by_category, out = out, []
    if monte_carlo is not None and methods:
        head = methods[0]
        # compressed variants only: the classical baseline is no compression of the model (its own sentence says
        # whether the ML options beat it, lca.assessment.classical_baseline)
        stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == head and s.scenario != CLASSICAL}
        said = {n: _against(s.p_beats_baseline, s.change_vs_baseline) for n, s in stats.items()}
        clear = [n for n, v in said.items() if v == separation.CLEARLY_LOWER]
        flips = _flips_at_bound(monte_carlo, head)
        helps, too_few = [n for n in clear if n not in flips], [n for n in clear if n in flips]
        hurts = [n for n, v in said.items() if v == separation.CLEARLY_HIGHER]
        equal = [n for n, v in said.items() if v == separation.PRACTICALLY_EQUAL]
        unclear = [n for n, v in said.items() if v == separation.NOT_CLEAR]
        if helps or hurts or unclear or too_few or equal:
            routes = any(r.median > 0 for r in monte_carlo.routed_shares)
            out.append(
                claims.compression_sentence(
                    short_name(head), helps, hurts, unclear, too_few, equal=equal, routes_to_people=routes
                )
            )
        out.extend(w["text"] for w in quality_warnings(monte_carlo, head))
        be = {b.scenario: b for b in monte_carlo.break_even if tuple(b.method) == head}
        if be:
            group = monte_carlo.lowest_group(head, "break_even")
            first = be[group.lowest] if group is not None else min(be.values(), key=_median_items)
            if first.median_items is None:
                out.append(
                    f"Break-even ({short_name(head)}): no ML option saves anything per item, so none ever pays back."
                )
            else:
                out.append(
                    claims.break_even_sentence(
                        short_name(head),
                        plain_name(first.scenario),
                        _fixed_stages(inventory, first.scenario),
                        first.items,
                        first.p2_5_items,
                        first.p97_5_items,
                        inventory.items,
                        first.p_within_functional_unit,
                        tied=[plain_name(n) for n in group.members if n != first.scenario] if group is not None else [],
                    )
                )
    if sensitivity is not None and methods:
        head = methods[0]
        rows = [c for c in sensitivity.countries if tuple(c.method) == head and c.scenario == "baseline"]
        if rows:
            lo, hi = min(rows, key=lambda c: c.ratio_to_reference), max(rows, key=lambda c: c.ratio_to_reference)
            out.append(
                claims.grid_sentence(
                    short_name(head),
                    (lo.ratio_to_reference, lo.country_name),
                    (hi.ratio_to_reference, hi.country_name),
                    _grid_share(inventory, monte_carlo, head, "baseline"),
                    _stage_share(lcia, head, "baseline", "residual human work"),
                    1.0,
                )
            )
    bars = (
        sorted(
            (b for b in sensitivity.tornado if tuple(b.method) == methods[0] and b.scenario == "baseline"),
            key=lambda b: -b.swing,
        )[:3]
        if sensitivity is not None and methods
        else []
    )
    pin_down = _pin_down_sentence([b.group for b in bars], inventory.judgement_inputs)
    if pin_down:
        out.append(pin_down)
    out.extend(floor_sentences(benchmarks or [], k))
    out.append(
        f"Boundary: {boundary_text(inventory)} A wider or narrower boundary can change "
        "the answer; the same boundary applies to both sides."
    )
    return by_category, out
