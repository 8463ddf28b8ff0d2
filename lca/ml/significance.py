"""When is a variant faster, leaner or better? Only when its interval clears the other's.

A ratio of medians above one is not a speed-up: two runs of the same model differ
too. Every comparison here puts an interval on each side and calls a difference
only when the intervals do not overlap; otherwise the answer is "no significant
difference", and a target that needs a difference fails.

- Latency: the 5th to 95th percentile of the per-repeat timings (one interval per
  batch size and variant): the range nine calls in ten fall in.
- Energy per item: the same percentiles of the per-window energies, when the
  benchmark ran several energy windows (``benchmark.energy_windows``); with one
  window there is no interval and the verdict is "not tested".

Why percentiles of the runs and not a bootstrap interval of the median: the
variants are timed one after another, and the machine drifts between series
(other processes, frequency scaling). A bootstrap interval of the median sees
only the noise within a series; on a shared 2-vCPU machine it called a 1 %
"speed-up" of a magnitude-pruned model significant, although its dense kernels
do exactly the same work. The spread of the runs themselves is wide enough to
cover that drift, so a difference called here is one a user would notice.
- Quality against a trivial baseline: a paired bootstrap over the held-out items
  (the same resampled items score both models), see :func:`paired_difference_interval`.

Seeded, so the same timings give the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

LEVEL = 0.95
LOWER, HIGHER, SAME, UNTESTED = "significantly lower", "significantly higher", "no significant difference", "not tested"


def run_interval(samples: Sequence[float], *, low: float = 5.0, high: float = 95.0) -> tuple[float, float] | None:
    """The 5th-95th percentile of repeated measurements; ``None`` with fewer than two (no spread to go on)."""
    values = np.asarray(samples, dtype=float)
    if len(values) < 2:
        return None
    lo, hi = np.percentile(values, [low, high])
    return float(lo), float(hi)


def compare_intervals(variant: tuple[float, float] | None, baseline: tuple[float, float] | None) -> str:
    """``significantly lower`` when the variant's interval lies wholly below the baseline's, and so on."""
    if variant is None or baseline is None:
        return UNTESTED
    if variant[1] < baseline[0]:
        return LOWER
    if variant[0] > baseline[1]:
        return HIGHER
    return SAME


def speed_verdict(comparison: str) -> str:
    """A latency comparison in the words of a speed target: lower latency is faster."""
    return {LOWER: "faster", HIGHER: "slower"}.get(comparison, comparison)


def paired_difference_interval(
    score: Callable[[np.ndarray], float],
    reference_score: Callable[[np.ndarray], float],
    n_items: int,
    *,
    level: float = LEVEL,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Observed difference ``score - reference_score`` on all items and its paired bootstrap interval.

    ``score`` and ``reference_score`` take an array of item indices and return the
    metric on those items; each resample draws one set of indices for both, so
    what the two models share (hard items, easy items) cancels out.
    """
    everything = np.arange(n_items)
    observed = score(everything) - reference_score(everything)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        idx = rng.integers(0, n_items, size=n_items)
        diff = score(idx) - reference_score(idx)
        if np.isfinite(diff):
            diffs.append(diff)
    if not diffs:
        return float(observed), float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(observed), float(low), float(high)
