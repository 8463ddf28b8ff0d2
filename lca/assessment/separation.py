"""Which options the data tell apart: the group that cannot be separated from the lowest.

A "best option" named from the deterministic scores alone is often Monte Carlo
noise: variants that err on the same items and draw the same energy differ by
less than their own uncertainty. So the report names a best option only when the
paired draws separate it from every other; otherwise it names the group that
cannot be told apart from the lowest, and gives what the group shares.

"Told apart" uses the report's threshold for "clearly": the lowest option is
lower than another in at least 95 % of the paired draws. Ties in a draw (two
variants with identical predictions and the same inputs) do not count as lower,
so identical options always stay together.

"Clearly" also needs a difference that matters. Paired draws share every input
both options use, so they separate differences far smaller than any figure in the
inventory can vouch for: two recommenders at 189.30 and 189.31 kg are "lower in
100 % of the draws" and yet equal for every decision. A difference whose median
paired size is under ``MATERIAL`` of the option it is compared with is called
*practically equal*, whatever its probability, and such options stay in the
lowest group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CLEAR = 0.95  # the same threshold as "clearly" in the report (lca.reporting.claims)
# The smallest relative difference the report calls a difference: 1 %, an order of magnitude below the
# spread of the reference data both sides share (the grid factors alone carry a geometric standard
# deviation of 1.2, include/data/grid_electricity.source.yaml), which paired draws cancel, not resolve.
MATERIAL = 0.01

CLEARLY_LOWER = "clearly lower"
CLEARLY_HIGHER = "clearly higher"
PRACTICALLY_EQUAL = "practically equal"
NOT_CLEAR = "not clear"


@dataclass(frozen=True)
class LowestGroup:
    """The lowest option and every option it is not clearly lower than (itself included, first)."""

    lowest: str
    members: tuple[str, ...]
    p_lower: dict[str, float]  # P(lowest < option) over the paired draws, for every other option

    @property
    def separated(self) -> bool:
        """One option alone: the draws tell it apart from every other, so it may be called the best."""
        return len(self.members) == 1


def lowest_group(draws: Mapping[str, np.ndarray], *, clear: float = CLEAR) -> LowestGroup:
    """The group of options that cannot be told apart from the lowest, from paired draws of their scores.

    ``draws`` maps each option to its draws, aligned (draw ``i`` of every option
    comes from the same Monte Carlo iteration). The lowest is the option with the
    lowest median draw (the first in ``draws`` order among equal medians); an option
    joins its group when the lowest is lower in fewer than ``clear`` of the draws.
    """
    if not draws:
        raise ValueError("no options to compare")
    names = list(draws)
    arrays = [np.asarray(draws[n], dtype=float) for n in names]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"the options' draws are not paired: shapes {[a.shape for a in arrays]}")
    medians = [float(np.median(a)) for a in arrays]
    best = int(np.argmin(medians))
    p_lower = {n: float((arrays[best] < a).mean()) for n, a in zip(names, arrays) if n != names[best]}
    small = {n for n, a in zip(names, arrays) if n in p_lower and abs(median_change(a, arrays[best])) < MATERIAL}
    members = (names[best], *(n for n in names if n in p_lower and (p_lower[n] < clear or n in small)))
    return LowestGroup(lowest=names[best], members=members, p_lower=p_lower)


def median_change(draws: np.ndarray, against: np.ndarray) -> float:
    """Median over paired draws of ``draws / against - 1`` (draws where ``against`` is 0 are left out; 0.0 when
    none is left): how much higher (positive) or lower the option is, in the unit a reader compares."""
    draws, against = np.asarray(draws, dtype=float), np.asarray(against, dtype=float)
    keep = against != 0
    if not keep.any():
        return 0.0
    return float(np.median(draws[keep] / against[keep] - 1.0))


def verdict(p_lower: float, change: float | None) -> str:
    """An option against another: "clearly lower" needs both a paired probability of at least ``CLEAR`` and a
    median difference of at least ``MATERIAL``; a separated but smaller difference is "practically equal"."""
    material = change is None or abs(change) >= MATERIAL  # records made before the change was kept
    if p_lower >= CLEAR:
        return CLEARLY_LOWER if material else PRACTICALLY_EQUAL
    if p_lower <= 1 - CLEAR:
        return CLEARLY_HIGHER if material else PRACTICALLY_EQUAL
    return NOT_CLEAR


def format_probability(p: float) -> str:
    """A probability as a report prints it: never "100 %" for 0.9984, never "0 %" for a rare draw."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability {p!r} is not between 0 and 1")
    if p > 0.99:
        return "> 99 %"
    if p < 0.01:
        return "< 1 %"
    return f"{100 * p:.0f} %"


def name_options(labels: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    labels = list(labels)
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


def group_sentence(labels: Sequence[str], shared: str) -> str:
    """'a, b and c cannot be told apart; each is 0.10x the reference' (or 'a: 0.10x ...' for one option)."""
    if len(labels) == 1:
        return f"{labels[0]} is lower than every other option in at least {CLEAR:.0%} of the draws: {shared}"
    return f"{name_options(labels)} cannot be told apart (or differ by less than {MATERIAL:.0%}); {shared}"
