"""How much the energy measured in a run weighs in each result, and whether it could change a conclusion (issue 18).

The measured (machine-side) stages are those whose amounts come from this run's
energy records: data preparation, training, compression and inference. Their share
of a scenario's score says how far the measurement matters. Scaling those stages to
the low and high ends of the measurement's 95 % interval bounds what the energy
could do to a conclusion: an ML scenario against the reference (its ratio crossing
1), and a compressed variant against the uncompressed baseline (the sign of the
difference, the two scaled in opposite directions: the worst case). Deterministic
scores only; the Monte Carlo draws the same spreads jointly.
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.assessment.inventory.names import (
    CONTENTION_GROUP,
    STAGE_COMPRESSION,
    STAGE_DATA,
    STAGE_INFERENCE,
    STAGE_TRAINING,
)
from lca.records import LciaResults, StudyInventory
from lca.uncertainty import Uncertainty

MEASURED_STAGES = frozenset({STAGE_DATA, STAGE_TRAINING, STAGE_COMPRESSION, STAGE_INFERENCE})
Z95 = 1.96


@dataclass(frozen=True)
class Dominance:
    scenario: str
    method: tuple[str, ...]
    score: float
    measured: float = 0.0
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    flips_against_reference: bool = False
    flips_against_baseline: bool | None = None  # None: the baseline itself, or no baseline

    @property
    def measured_share(self) -> float:
        return self.measured / self.score if self.score else 0.0


def interval_factors(u: Uncertainty, amount: float = 1.0) -> tuple[float, float]:
    """The 95 % interval of a measured amount as factors on it: (low, high)."""
    if u.distribution == "lognormal" and u.gsd:
        return u.gsd**-Z95, u.gsd**Z95
    if u.distribution == "normal" and u.relative_sd:
        return max(0.0, 1 - Z95 * u.relative_sd), 1 + Z95 * u.relative_sd
    if u.distribution in ("uniform", "triangular") and amount and u.minimum is not None and u.maximum is not None:
        return u.minimum / amount, u.maximum / amount
    return 1.0, 1.0


def measurement_interval(inventory: StudyInventory) -> tuple[float, float]:
    """The widest 95 % interval of the run's measurement methods (providers ``measured::<method>``), widened
    further by the widest contention term of a measured amount (lca.energy.contention; both ways)."""
    factors = [
        interval_factors(p.uncertainty, p.electricity_kwh_per_unit)
        for p in inventory.providers
        if p.name.startswith("measured::")
    ]
    low, high = (min(f[0] for f in factors), max(f[1] for f in factors)) if factors else (1.0, 1.0)
    c_low, c_high = contention_range(inventory)
    return low * c_low, high * c_high


def contention_range(inventory: StudyInventory) -> tuple[float, float]:
    """The factors a contended measured amount may fall to and rise to (its minimum and maximum / amount);
    (1, 1) if none."""
    amounts = [f for s in inventory.scenarios for f in s.stages] + [u for p in inventory.providers for u in p.uses]
    ranges = [
        (a.uncertainty.minimum / a.amount, a.uncertainty.maximum / a.amount)
        for a in amounts
        if a.group.startswith(CONTENTION_GROUP)
        and a.amount > 0
        and a.uncertainty.minimum is not None
        and a.uncertainty.maximum is not None
    ]
    return min((r[0] for r in ranges), default=1.0), max((r[1] for r in ranges), default=1.0)


def dominance(
    lcia: LciaResults, reference: str, low: float, high: float, baseline: str | None = "baseline"
) -> list[Dominance]:
    """Per scenario and method: the measured stages' part of the score, and the conclusions they could flip.

    A scenario's score S with measured part M becomes S - M + f M for a factor f of the
    measurement's interval [low, high]. Against the reference R (no measured stages):
    the ratio runs from (S - M + low M) / R to (S - M + high M) / R and flips when that
    range holds 1 on both sides. Against the baseline (B with part Mb): the difference
    runs from (S - M + low M) - (B - Mb + high Mb) to (S - M + high M) - (B - Mb + low Mb).
    """
    totals = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    measured: dict[tuple[str, tuple[str, ...]], float] = {}
    for stage in lcia.stages:
        if stage.stage in MEASURED_STAGES:
            key = (stage.scenario, tuple(stage.method))
            measured[key] = measured.get(key, 0.0) + stage.score

    def scaled(key, f: float) -> float:
        return totals[key] - measured.get(key, 0.0) + f * measured.get(key, 0.0)

    out = []
    for (scenario, method), score in totals.items():
        key = (scenario, method)
        ref = totals.get((reference, method))
        if scenario == reference or not ref:
            out.append(Dominance(scenario, method, score, measured.get(key, 0.0)))
            continue
        lo, hi = scaled(key, low) / ref, scaled(key, high) / ref
        base = (baseline, method)
        against_baseline = None
        if baseline is not None and scenario != baseline and base in totals:
            d_lo, d_hi = scaled(key, low) - scaled(base, high), scaled(key, high) - scaled(base, low)
            against_baseline = (d_lo < 0) != (d_hi < 0)
        out.append(
            Dominance(
                scenario,
                method,
                score,
                measured.get(key, 0.0),
                ratio=score / ref,
                ratio_low=lo,
                ratio_high=hi,
                flips_against_reference=(lo < 1) != (hi < 1),
                flips_against_baseline=against_baseline,
            )
        )
    return out
