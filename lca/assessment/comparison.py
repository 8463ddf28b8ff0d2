"""Each scenario against the non-ML reference, per impact category.

One function makes the comparison table; the ``compare`` stage writes it as
CSV and the report shows the same rows, so the two can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lca.records import LciaResults, StudyInventory, VariantBenchmark
from lca.uncertainty import Uncertainty

# A result under routing rule 'expected_errors' is a bound, labelled so wherever it appears (issue 19).
PERFECT_DETECTOR = "perfect detector (a bound)"
MONTE_CARLO_COLUMNS = (
    "mc_mean",
    "mc_median",
    "mc_p2_5",
    "mc_p97_5",
    "p_beats_reference",
    "p_beats_baseline",
    "break_even_items",
    "break_even_p2_5",
    "break_even_p97_5",
)


def result_rows(
    lcia: LciaResults,
    inventory: StudyInventory,
    benchmarks: Sequence[VariantBenchmark],
    monte_carlo: Any = None,
) -> list[dict[str, Any]]:
    """One row per scenario and method, in the inventory's scenario order.

    The ratio is to the reference scenario's score for the same method: below 1
    the scenario does the functional unit with less impact than people do. A scenario routed by a
    perfect detector (rule ``expected_errors``) says so in its label and in ``perfect_detector``.
    With ``monte_carlo`` (:class:`lca.records.MonteCarloResults`) each row also
    gets its paired Monte Carlo statistics and break-even items (empty otherwise).
    """
    methods: list[tuple[str, ...]] = list(dict.fromkeys(tuple(s.method) for s in lcia.scores))
    scores = {(s.scenario, tuple(s.method)): s for s in lcia.scores}
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    by_variant = {b.variant: b for b in benchmarks}
    rows = []
    for method in methods:
        ref = scores.get((reference, method)) if reference else None
        for scenario in inventory.scenarios:
            score = scores.get((scenario.name, method))
            if score is None:
                continue
            bench = by_variant.get(scenario.name)
            perfect = bench.routing.perfect_detector if bench and bench.routing else None
            rows.append(
                {
                    "scenario": scenario.name,
                    "label": f"{scenario.label} ({PERFECT_DETECTOR})" if perfect else scenario.label,
                    "perfect_detector": perfect,
                    "is_reference": scenario.is_reference,
                    "method": " | ".join(method),
                    "unit": score.unit,
                    "score": score.score,
                    "ratio_to_reference": score.score / ref.score if ref and ref.score else math.nan,
                    "grid_electricity_kwh": inventory.electricity_kwh(scenario.name),
                    "accuracy": bench.accuracy if bench else None,
                    "primary_metric": bench.primary_metric if bench else None,
                    "primary_value": bench.primary_value if bench else None,
                    "quality_loss": bench.quality_loss if bench else None,
                    "exceeds_max_quality_loss": bench.exceeds_max_quality_loss if bench else None,
                    "dynamic_energy_per_item_kwh": bench.dynamic_energy_per_item_kwh if bench else None,
                    "energy_per_item_kwh": bench.energy_per_item_kwh if bench else None,
                    "energy_resolved": bench.energy_resolved if bench else None,
                    "energy_bound": (bench.energy_bound or "") if bench else None,
                    "energy_contended": bench.energy_contended if bench else None,
                    "energy_foreign_cores": bench.energy_foreign_cores if bench else None,
                    "energy_interval_low_kwh_per_item": _interval_end(bench, 0),
                    "energy_interval_high_kwh_per_item": _interval_end(bench, 1),
                    "energy_method": bench.energy.method if bench else None,
                    "energy_cpu_model": bench.energy.cpu_model if bench else None,
                    "energy_uncertainty": describe_uncertainty(bench.energy.uncertainty) if bench else None,
                    **verdict_columns(bench),
                    **_monte_carlo_columns(monte_carlo, scenario.name, method),
                }
            )
    return rows


def _interval_end(bench: VariantBenchmark | None, end: int) -> float | None:
    """An end of the stated per-item interval (widened both ways by the contention term), None without one."""
    if bench is None or bench.energy_interval_kwh_per_item is None:
        return None
    return bench.energy_interval_kwh_per_item[end]


def verdict_columns(bench: VariantBenchmark | None) -> dict[str, Any]:
    """The speed and energy verdicts against the baseline, each with its test, p-value and alpha (empty for the
    baseline itself and for scenarios without a benchmark)."""
    if bench is None:
        return {"speed_verdicts": None, "energy_verdict": None}
    speed = "; ".join(f"batch {size}: {test.statement}" for size, test in bench.speed_tests.items())
    return {
        "speed_verdicts": speed or "; ".join(f"batch {s}: {v}" for s, v in bench.speed_verdicts.items()) or None,
        "energy_verdict": bench.energy_test.statement if bench.energy_test else bench.energy_verdict,
    }


def _monte_carlo_columns(monte_carlo: Any, scenario: str, method: tuple[str, ...]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(MONTE_CARLO_COLUMNS)
    if monte_carlo is None:
        return row
    stat = monte_carlo.stat(scenario, method)
    if stat is not None:
        row.update(
            mc_mean=stat.mean,
            mc_median=stat.median,
            mc_p2_5=stat.p2_5,
            mc_p97_5=stat.p97_5,
            p_beats_reference=stat.p_beats_reference,
            p_beats_baseline=stat.p_beats_baseline,
        )
    be = next((b for b in monte_carlo.break_even if b.scenario == scenario and tuple(b.method) == method), None)
    if be is not None:
        never = "never"
        row.update(
            break_even_items=be.items if be.items is not None else never,
            break_even_p2_5=be.p2_5_items if be.p2_5_items is not None else never,
            break_even_p97_5=be.p97_5_items if be.p97_5_items is not None else never,
        )
    return row


def describe_uncertainty(u: Uncertainty) -> str:
    """The spread in words a reader can check against the source, e.g. 'lognormal, GSD 1.8 (95 %: x/÷3.16)'."""
    if u.distribution == "lognormal":
        return f"lognormal, GSD {u.gsd:.3g} (95 %: x/÷{u.gsd**1.96:.3g})"
    if u.distribution == "normal":
        return f"normal, relative SD {u.relative_sd:.1%}"
    if u.distribution in ("uniform", "triangular"):
        return f"{u.distribution}, {u.minimum:g} to {u.maximum:g}"
    return "none"
