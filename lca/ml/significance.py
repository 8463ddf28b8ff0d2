"""When is a variant faster, leaner or better? Only when a test at a declared error rate says so.

A ratio of medians above one is not a speed-up: two runs of the same model differ
too. Every benchmark verdict here is "no significant difference" unless a test rejects
"no difference" at the study's declared ``benchmark.alpha``, and the verdict states its
test, its p-value and that alpha.

- **Latency and energy per item against the baseline** (:mod:`lca.ml.benchmark_verdicts`):
  a paired sign-flip permutation test (:func:`paired_test`) over runs of the variant and
  the baseline measured in alternation. Each variant and the baseline are benchmarked in
  separate tasks (possibly on separate hosts), so their own series are not paired with each
  other: the machine drifts between tasks (other processes, frequency scaling), and a test
  over series timed one after another sees only the noise within a series (on a shared
  2-vCPU machine it called a 1 % "speed-up" of a magnitude-pruned model significant,
  although its dense kernels do the same work). So each variant's benchmark task also runs
  the baseline, in its deployed runtime, **interleaved with the variant**: for latency,
  ``latency_repeats`` pairs of calls per batch size; for energy, ``energy_pairs`` pairs of
  windows. The order within a pair alternates (variant first, then baseline first), so
  that what the first call of a pair pays (caches, clocks) is not always the variant's.
  Drift moves both runs of a pair, and it cancels. The pairs are that, and only that: the
  variant's published figures (median latency, energy per item) still come from its own
  series, not from the interleaved one.
- Interleaved runs elsewhere (the CodeCarbon overhead, ``benchmarks/ml_benchmarks.py``)
  use the same test.
- An exact two-sided test over ``n`` pairs cannot give a p below ``2 / 2**n``:
  :func:`pairs_needed` is the number of pairs a declared alpha needs (6 for 5 %), and a
  study whose ``latency_repeats`` or ``energy_pairs`` cannot reach its alpha is refused
  when it is validated (:mod:`lca.study.verdict_pairs`). Fewer pairs at run time (a record
  from before interleaving) give "not tested", never a verdict.
- Intervals of runs (:func:`run_interval`, the 5th to 95th percentile: the range nine
  calls in ten fall in) are still kept with every latency series and energy window set; they
  carry no stated error rate and decide no benchmark verdict. The runtime choice
  (:mod:`lca.ml.runtimes.selection`) uses :func:`paired_test` too, on the CPU time of calls
  timed in alternating rounds, against a margin x eager; only rows of records made before
  the per-call series was kept fall back to non-overlapping intervals.
- Quality against a trivial baseline: a paired bootstrap over the held-out items
  (the same resampled items score both models), see :func:`paired_difference_interval`.

Seeded, so the same timings give the same verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lca.study.verdict_pairs import pairs_needed

LEVEL = 0.95
ALPHA = 0.05  # the error rate a paired verdict is made at unless one is declared (a study's benchmark.alpha)
EXACT_UP_TO = 16  # pairs: all 2**n sign patterns enumerated (65,536); beyond, RESAMPLES random ones
RESAMPLES = 20_000
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


@dataclass(frozen=True)
class PairedVerdict:
    """A paired comparison and the error rate it was made at."""

    verdict: str  # LOWER, HIGHER, SAME or UNTESTED
    p_value: float | None
    alpha: float
    pairs: int
    ratio: float | None  # geometric mean of variant / (margin x baseline) over the pairs
    margin: float = 1.0

    def statement(self, words: Callable[[str], str] = lambda verdict: verdict) -> str:
        """The verdict with what it rests on, e.g. 'significantly lower (paired sign-flip test, 8 pairs, p = 0.008,
        alpha = 0.05)'; ``words`` renames the verdict (e.g. :func:`speed_verdict`: lower latency is 'faster')."""
        test = f"paired sign-flip test, {self.pairs} pairs"
        if self.verdict == UNTESTED:
            return (
                f"{UNTESTED} ({test}: at least {pairs_needed(self.alpha)} are needed to reach alpha = {self.alpha:g})"
            )
        return f"{words(self.verdict)} ({test}, p = {self.p_value:.3g}, alpha = {self.alpha:g})"


def paired_test(
    variant: Sequence[float],
    baseline: Sequence[float],
    *,
    alpha: float = ALPHA,
    margin: float = 1.0,
    seed: int = 0,
) -> PairedVerdict:
    """Is the variant lower or higher than ``margin`` x the baseline, over runs measured in pairs?

    ``variant[i]`` and ``baseline[i]`` were measured next to each other (interleaved),
    so what drifts between pairs (load, frequency scaling) cancels out. The test
    works on log ratios (timings and energies are positive and compared as ratios):
    under "no difference" each pair's sign is a coin toss, and the p-value is the
    share of the 2**n sign patterns (or of ``RESAMPLES`` random ones beyond
    ``EXACT_UP_TO`` pairs) whose mean log ratio is at least as far from 0 as the
    observed one (two-sided; :func:`scipy.stats.permutation_test`). Fewer pairs than
    :func:`pairs_needed` cannot reach ``alpha``: the verdict is then "not tested".
    """
    from scipy.stats import permutation_test

    v, b = np.asarray(variant, dtype=float), np.asarray(baseline, dtype=float)
    if v.shape != b.shape or v.ndim != 1:
        raise ValueError(f"paired runs must come in pairs: {v.shape} variant runs, {b.shape} baseline runs")
    if (v <= 0).any() or (b <= 0).any() or margin <= 0:
        raise ValueError("paired_test compares positive measurements (timings, energies) as ratios")
    n = len(v)
    if n == 0:
        return PairedVerdict(UNTESTED, None, alpha, 0, None, margin)
    logs = np.log(v) - np.log(b) - math.log(margin)
    ratio = float(math.exp(logs.mean()))
    if n < pairs_needed(alpha):
        return PairedVerdict(UNTESTED, None, alpha, n, ratio, margin)
    if not logs.any():
        return PairedVerdict(SAME, 1.0, alpha, n, ratio, margin)
    result = permutation_test(
        (logs,),
        lambda d, axis: np.mean(d, axis=axis),
        permutation_type="samples",
        n_resamples=2**n if n <= EXACT_UP_TO else RESAMPLES,
        alternative="two-sided",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    p = float(result.pvalue)
    verdict = SAME if p > alpha else (LOWER if logs.mean() < 0 else HIGHER)
    return PairedVerdict(verdict, p, alpha, n, ratio, margin)
