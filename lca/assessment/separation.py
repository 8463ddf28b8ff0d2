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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CLEAR = 0.95  # the same threshold as "clearly" in the report (lca.reporting.claims)


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
    members = (names[best], *(n for n in names if n in p_lower and p_lower[n] < clear))
    return LowestGroup(lowest=names[best], members=members, p_lower=p_lower)


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
    return f"{name_options(labels)} cannot be told apart; {shared}"
