"""Routing a deployment can do: which items the model keeps and which a person redoes, at a declared quality.

Both systems must deliver the same function at the same quality (ISO 14044
4.2.3.7). People err too: the reference delivers its cited error rate ``h``, which
the functional unit states. The ML system keeps the items it is confident about
and hands the rest to a person, who does them the reference way (error rate ``h``).

**Classification** (rule ``confidence``): items are ranked by the model's top
probability. On the validation split (held out of training, never the test set)
the largest kept set is chosen whose delivered error rate, with one pseudo-error
added, stays within the target ``t``:

    (wrong kept + 1 + h x routed) / (n + 1) <= t

The pseudo-error is the finite-sample term of conformal risk control (Angelopoulos
et al., "Conformal Risk Control", ICLR 2024, with a loss bounded by 1). It stops a
useless model from keeping a few items it got right by luck: with ``t = h`` it keeps
``m`` items only if at most ``h (m + 1) - 1`` of them are wrong, so a chance-level
model routes (nearly) everything and carries the whole human effort plus its own.
Routing all items is always allowed: it delivers the reference's quality.

**Regression**: an item is kept when its split-conformal bound on the relative error
at level ``1 - t`` lies within the tolerance (Papadopoulos et al. 2002; Lei et al.,
JASA 2018, "Distribution-free predictive inference for regression"). The bound is
normalised by a per-item difficulty (the mean relative error of the nearest
validation items in feature space), fitted on one half of the validation split and
calibrated on the other, so calibration and test scores stay exchangeable and the
bound covers at least ``1 - t`` of the items.

The test set then measures what routing really achieved: the routed share and the
delivered error rate, with its 95 % interval. ``expected_errors`` (a perfect
detector) is computed as before and flagged as a bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lca.ml.tasks.base import Task, item_relative_errors
from lca.records import RoutingOutcome
from lca.study.machine_learning import TaskSpec
from lca.study.reference_data import resolve
from lca.study.routing import RoutingSpec

NEIGHBOURS = 20  # validation items that set an item's difficulty (regression)
DIFFICULTY_FLOOR = 1e-6  # keeps the normalised scores finite where the neighbours were exact


@dataclass(frozen=True)
class Held:
    """A model's outputs on one split (decoded to the target's unit), with the split's truth and features."""

    outputs: np.ndarray
    y_true: np.ndarray
    x: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y_true)


@dataclass(frozen=True)
class DeliveredQuality:
    """The functional unit's delivered error rate (the target) and the reference's error rate on routed items."""

    target_error_rate: float | None
    human_error_rate: float | None

    @classmethod
    def of(cls, study) -> DeliveredQuality:
        """Central values of the study's cited figures (their spread is the Monte Carlo's, not the threshold's)."""
        target, human = study.functional_unit.delivered_error_rate, study.reference.error_rate
        return cls(
            target_error_rate=resolve(target).magnitude("dimensionless") if target is not None else None,
            human_error_rate=resolve(human).magnitude("dimensionless") if human is not None else None,
        )


@dataclass(frozen=True)
class Routed:
    items: np.ndarray  # per test item: handed to a person
    outcome: RoutingOutcome


def route_items(
    task: Task,
    routing: RoutingSpec,
    spec: TaskSpec,
    test: Held,
    quality: DeliveredQuality,
    validation: Held | None = None,
    seed: int = 0,
) -> Routed:
    """Route the test items by the study's rule; a ``confidence`` threshold is chosen on ``validation`` only."""
    h = quality.human_error_rate
    wrong = np.asarray(task.wrong_items(routing, test.outputs, test.y_true, spec), dtype=bool).reshape(-1)
    val_stats: dict = {}
    if routing.rule != "confidence":
        routed = np.asarray(task.routed_items(routing, test.outputs, test.y_true, spec), dtype=bool).reshape(-1)
        threshold = routing.confidence_threshold
        basis = _FIXED_BASIS[routing.rule]
    else:
        if validation is None or len(validation) == 0:
            raise ValueError(
                "routing rule 'confidence' chooses its threshold on the validation split, and there is none: "
                "prepare the dataset with dataset.validation_fraction above 0"
            )
        if quality.target_error_rate is None or h is None:
            raise ValueError(
                "routing rule 'confidence' needs the functional unit's delivered error rate and the reference's"
            )
        t = quality.target_error_rate
        if task.kind == "regression":
            routed, threshold, basis, val_routed = _conformal_routing(routing, test, validation, t, seed)
        else:
            threshold = -choose_threshold(
                -task.confidence(validation.outputs),
                task.wrong_items(routing, validation.outputs, validation.y_true, spec),
                t,
                h,
            )
            routed = task.confidence(test.outputs) < threshold
            val_routed = task.confidence(validation.outputs) < threshold
            basis = (
                f"top-probability threshold chosen on {len(validation)} validation items (held out of training): "
                f"the largest kept set whose delivered error rate, with one pseudo-error, is at most {t:.3g}"
            )
        val_wrong = np.asarray(task.wrong_items(routing, validation.outputs, validation.y_true, spec), dtype=bool)
        val_stats = {
            "n_validation": len(validation),
            "validation_routed_fraction": float(val_routed.mean()),
            "validation_delivered_error_rate": float(
                ((val_wrong & ~val_routed).sum() + h * val_routed.sum()) / len(validation)
            ),
        }
    return Routed(routed, _outcome(routing, routed, wrong, quality, threshold, basis, val_stats))


_FIXED_BASIS = {
    "expected_errors": "PERFECT DETECTOR (a bound, not a deployment): exactly the wrong items go to a person, "
    "at no detection cost",
    "low_confidence": "declared confidence threshold (no quality target)",
    "flagged": "every item flagged positive at the operating point (read on the test set) is reviewed",
    "none": "routing does not apply to this task kind: no item is handed over one by one",
}


def choose_threshold(risk: np.ndarray, wrong: np.ndarray, target: float, human: float) -> float:
    """The highest risk to keep: the largest kept set (lowest risks first) meeting the corrected target.

    Kept sets end between distinct risks (tied items are kept or routed together).
    Returns ``-inf`` (route everything) when no kept set qualifies.
    """
    risk = np.asarray(risk, dtype=float).reshape(-1)
    wrong = np.asarray(wrong, dtype=bool).reshape(-1)
    n = len(risk)
    order = np.argsort(risk, kind="stable")
    r, w = risk[order], wrong[order]
    kept = np.arange(1, n + 1)
    delivered_corrected = (np.cumsum(w) + 1 + human * (n - kept)) / (n + 1)
    group_end = np.r_[r[1:] != r[:-1], True]
    ok = np.flatnonzero(group_end & (delivered_corrected <= target))
    return float(r[ok[-1]]) if len(ok) else -math.inf


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """Split conformal: the ceil((n + 1)(1 - alpha))-th smallest score, or inf when n is too small for the level."""
    scores = np.sort(np.asarray(scores, dtype=float).reshape(-1))
    rank = math.ceil((len(scores) + 1) * (1.0 - alpha))
    return float(scores[rank - 1]) if rank <= len(scores) else math.inf


def difficulty(x_fit: np.ndarray, error_fit: np.ndarray, x: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Mean error of each item's ``k`` nearest fitting items in feature space (normalised conformal scores)."""
    from sklearn.neighbors import NearestNeighbors

    x_fit = np.asarray(x_fit, dtype=float).reshape(len(x_fit), -1)
    neighbours = NearestNeighbors(n_neighbors=min(k, len(x_fit))).fit(x_fit)
    _, index = neighbours.kneighbors(np.asarray(x, dtype=float).reshape(len(x), -1))
    return np.maximum(np.asarray(error_fit, dtype=float)[index].mean(axis=1), DIFFICULTY_FLOOR)


def conformal_error_bound(
    validation_x: np.ndarray, validation_error: np.ndarray, x: np.ndarray, alpha: float, seed: int = 0
) -> tuple[np.ndarray, float, int]:
    """Per item of ``x``, a bound its error stays within with probability at least ``1 - alpha``.

    Half of the validation items (chosen with ``seed``) fit the difficulty, the other
    half calibrate the quantile of error / difficulty; returns the bounds, the
    quantile and the number of calibration items.
    """
    n = len(validation_error)
    if n < 2:
        return np.full(len(x), math.inf), math.inf, 0
    order = np.random.default_rng(seed).permutation(n)
    fit, calibrate = order[: n // 2], order[n // 2 :]
    error = np.asarray(validation_error, dtype=float)
    xs = np.asarray(validation_x, dtype=float).reshape(n, -1)
    scores = error[calibrate] / difficulty(xs[fit], error[fit], xs[calibrate])
    q = conformal_quantile(scores, alpha)
    return q * difficulty(xs[fit], error[fit], x), q, len(calibrate)


def _conformal_routing(
    routing: RoutingSpec, test: Held, validation: Held, target: float, seed: int
) -> tuple[np.ndarray, float, str, np.ndarray]:
    if test.x is None or validation.x is None:
        raise ValueError("routing a regression by its conformal interval needs the items' features (x)")
    val_error = item_relative_errors(validation.outputs, validation.y_true)
    known = ~np.isnan(val_error)  # a zero truth has no relative error: it cannot calibrate
    bound, q, n_cal = conformal_error_bound(validation.x[known], val_error[known], test.x, target, seed)
    val_bound, _, _ = conformal_error_bound(validation.x[known], val_error[known], validation.x, target, seed)
    tolerance = routing.error_tolerance
    basis = (
        f"split-conformal bound on the relative error at level {1 - target:.3g} (quantile {q:.3g} of error / "
        f"difficulty on {n_cal} validation items, difficulty from the {NEIGHBOURS} nearest of the other "
        f"{int(known.sum()) - n_cal}): an item is kept when its bound is within the tolerance {tolerance:g}"
    )
    return ~(bound <= tolerance), tolerance, basis, ~(val_bound <= tolerance)


def _outcome(
    routing: RoutingSpec,
    routed: np.ndarray,
    wrong: np.ndarray,
    quality: DeliveredQuality,
    threshold: float | None,
    basis: str,
    val_stats: dict,
) -> RoutingOutcome:
    from scipy.stats import binomtest

    n = len(routed)
    kept = ~routed
    kept_wrong = int((wrong & kept).sum())
    h, t = quality.human_error_rate, quality.target_error_rate
    delivered = interval = meets = None
    if h is not None and n:
        human_part = h * routed.sum() / n
        delivered = kept_wrong / n + human_part
        ci = binomtest(kept_wrong, n).proportion_ci(0.95, method="exact")
        interval = (float(ci.low + human_part), float(ci.high + human_part))
        meets = bool(interval[0] <= t) if t is not None else None
    return RoutingOutcome(
        rule=routing.rule,
        perfect_detector=routing.perfect_detector,
        threshold=float(threshold) if threshold is not None and math.isfinite(threshold) else None,
        basis=basis if threshold is None or math.isfinite(threshold) else f"{basis}; no kept set qualifies: all routed",
        target_error_rate=t,
        human_error_rate=h,
        n_test=n,
        routed_fraction=float(routed.mean()) if n else 0.0,
        kept_error_rate=kept_wrong / int(kept.sum()) if kept.any() else None,
        delivered_error_rate=delivered,
        delivered_error_interval=interval,
        meets_target=meets,
        **val_stats,
    )
