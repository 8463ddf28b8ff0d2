"""How many interleaved pairs a benchmark verdict needs to be made at the study's declared alpha.

A benchmark verdict (faster, slower, lower energy) comes from a paired sign-flip test over
runs of the variant and the baseline measured in alternation (:mod:`lca.ml.significance`).
Exact and two-sided, it cannot give a p-value below ``2 / 2**n`` over ``n`` pairs: with 5 pairs
the smallest possible p is 0.0625, so no difference could ever be called at 5 %. A study whose
settings cannot reach its own alpha is refused when it is validated, not reported "no
significant difference" after the run: that answer would be the test's blindness, not the data's.
"""

from __future__ import annotations

import math


def pairs_needed(alpha: float) -> int:
    """The fewest pairs with which an exact two-sided sign-flip test can reach ``alpha``: 2 / 2**n <= alpha."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha!r} is not between 0 and 1")
    return max(1, math.ceil(1 - math.log2(alpha) - 1e-12))


def smallest_p(pairs: int) -> float:
    """The smallest p-value an exact two-sided sign-flip test over ``pairs`` pairs can give."""
    return min(1.0, 2.0 / 2**pairs)


def pair_problems(alpha: float, latency_repeats: int, energy_pairs: int) -> list[str]:
    """What in a benchmark section keeps its verdicts from reaching ``alpha``, field by field ('' when nothing)."""
    need = pairs_needed(alpha)
    problems = []
    if latency_repeats < need:
        problems.append(
            f"benchmark.latency_repeats = {latency_repeats} gives {latency_repeats} interleaved pairs per batch size: "
            f"a two-sided sign-flip test over them cannot give p below {smallest_p(latency_repeats):.3g}, above "
            f"benchmark.alpha = {alpha:g}; set benchmark.latency_repeats to at least {need}"
        )
    if 0 < energy_pairs < need:
        problems.append(
            f"benchmark.energy_pairs = {energy_pairs}: a two-sided sign-flip test over {energy_pairs} pairs of "
            f"energy windows cannot give p below {smallest_p(energy_pairs):.3g}, above benchmark.alpha = {alpha:g}; "
            f"set benchmark.energy_pairs to at least {need}, or to 0 for no energy verdict"
        )
    return problems
