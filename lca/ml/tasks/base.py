"""What every task kind answers: loss, metrics, wrong items, routing; and the helpers they share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Callable

    import numpy as np
    import torch

    from lca.study.machine_learning import TaskSpec
    from lca.study.routing import RoutingSpec


class Task:
    """Base class; one subclass per kind. Methods take numpy outputs of the whole test set."""

    kind: str

    def n_outputs(self, n_classes: int | None, n_targets: int) -> int:
        raise NotImplementedError

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def distillation_loss(
        self, student: torch.Tensor, teacher: torch.Tensor, targets: torch.Tensor, temperature: float, alpha: float
    ) -> torch.Tensor:
        raise NotImplementedError

    def evaluate(
        self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec, x: np.ndarray | None = None
    ) -> dict[str, float]:
        """Every metric of the kind; ``x`` (the items' features) only for metrics that need them (silhouette)."""
        raise NotImplementedError

    def routed_fraction(self, routing: RoutingSpec, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> float:
        return float(self.routed_items(routing, outputs, y_true, spec).mean())

    def routed_items(self, routing: RoutingSpec, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> np.ndarray:
        """Per held-out item, whether a fixed routing rule hands it to a person (the paired bootstrap resamples these).

        ``expected_errors`` is the perfect-detector bound (exactly the wrong items);
        ``none`` hands no item over. ``confidence`` needs a threshold chosen on the
        validation split: :func:`lca.ml.routing.route_items`.
        """
        import numpy as np

        if routing.rule == "expected_errors":
            return self.wrong_items(routing, outputs, y_true, spec)
        if routing.rule == "none":
            return np.zeros(len(outputs), dtype=bool)
        if routing.rule == "low_confidence":
            return self.confidence(outputs) < routing.confidence_threshold
        if routing.rule == "confidence":
            raise ValueError(
                "routing rule 'confidence' chooses its threshold on the validation split: "
                "call lca.ml.routing.route_items with the validation outputs"
            )
        raise ValueError(f"routing rule {routing.rule!r} does not apply to a {self.kind} task")

    def wrong_items(self, routing: RoutingSpec, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> np.ndarray:
        """Per item, whether the model's own answer is wrong (what a person would have to catch and redo)."""
        raise NotImplementedError

    def confidence(self, outputs: np.ndarray) -> np.ndarray:
        """Per item, the probability of the model's answer: routing by confidence ranks items on it."""
        raise ValueError(f"a {self.kind} task has no class probabilities to route by")

    def trivial_outputs(self, train_y: np.ndarray, n_items: int, x: np.ndarray | None = None) -> tuple[str, np.ndarray]:
        """The floor: outputs a rule with no model gives every held-out item, learnt from the training targets."""
        raise NotImplementedError

    def item_values(self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> np.ndarray | None:
        """Per item, its share of the primary metric when that metric is a plain mean over items; else None.

        A bootstrap then resamples these values instead of the outputs: with a
        catalogue of thousands of products, copying and re-ranking every resample's
        outputs would take minutes per variant (:func:`resampled_score`).
        """
        return None

    def primary_score(
        self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec, x: np.ndarray | None = None
    ) -> float:
        """The primary metric alone (resampled many times by the trivial-baseline test); NaN where undefined."""
        try:
            return float(self.evaluate(outputs, y_true, spec, x)[spec.primary])
        except ValueError:  # e.g. a resample with no positive item
            return float("nan")


def resampled_score(
    task: Task, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec, x: np.ndarray | None = None
) -> Callable[[np.ndarray], float]:
    """The primary metric on the items ``idx`` (repeats allowed), as the paired bootstraps call it.

    The mean of the items' values where the metric is one (the same number, computed once per item).
    """
    per_item = task.item_values(outputs, y_true, spec)
    if per_item is not None:
        return lambda idx: float(per_item[idx].mean()) if len(per_item[idx]) else float("nan")
    return lambda idx: task.primary_score(outputs[idx], y_true[idx], spec, None if x is None else x[idx])


def item_relative_errors(outputs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """One relative error per item, aligned with the items.

    The mean over a forecast's values; NaN where all truths are 0.
    """
    import numpy as np

    truth = y_true.astype(float)
    error = np.abs(outputs.reshape(truth.shape) - truth)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(truth != 0, error / np.abs(truth), np.nan)
    if ratio.ndim == 1:
        return ratio
    counted = (~np.isnan(ratio)).sum(axis=1)
    return np.where(counted > 0, np.nansum(ratio, axis=1) / np.maximum(counted, 1), np.nan)


def relative_errors(outputs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """|error| / |truth|, with zero targets left out (MAPE is undefined there)."""
    import numpy as np

    truth = y_true.astype(float)
    error = np.abs(outputs.reshape(truth.shape) - truth)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(truth != 0, error / np.abs(truth), np.nan)
    if np.isnan(ratio).all():
        raise ValueError("every target value is zero: MAPE is undefined; choose mae or rmse as primary_metric")
    if ratio.ndim > 1:
        return np.nanmean(ratio, axis=1)
    return ratio[~np.isnan(ratio)]


def softmax(outputs: np.ndarray) -> np.ndarray:
    import numpy as np

    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))
