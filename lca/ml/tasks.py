"""What a model is asked to do, and how its answers are judged and routed to people.

Three kinds cover the built-in studies and most of what a user brings:
multiclass classification (digits), binary classification (fraud screening,
an imbalanced problem judged by PR-AUC and recall at a fixed precision) and
regression (day-ahead load forecasts, judged by MAE and MAPE).

Each kind defines its training loss, its distillation loss, its quality metrics
(a dict, with a primary metric and its direction) and the share of items its
routing rule hands to a person (``VariantBenchmark.routed_fraction``, which the
inventory turns into human work). The metric tables themselves are plain data in
:mod:`lca.study.metrics`, so the study schema can check names without importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np
    import torch

    from lca.study.schema import RoutingSpec, TaskSpec


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

    def evaluate(self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> dict[str, float]:
        raise NotImplementedError

    def routed_fraction(self, routing: RoutingSpec, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> float:
        return float(self.routed_items(routing, outputs, y_true, spec).mean())

    def routed_items(self, routing: RoutingSpec, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> np.ndarray:
        """Per held-out item, whether the routing rule hands it to a person (the paired bootstrap resamples these)."""
        raise NotImplementedError

    def primary_value(self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec) -> float:
        """The primary metric alone (the bootstrap recomputes it on every resample)."""
        return self.evaluate(outputs, y_true, spec)[spec.primary]


class MulticlassTask(Task):
    kind = "multiclass"

    def n_outputs(self, n_classes, n_targets):
        return int(n_classes)

    def loss(self, outputs, targets):
        import torch.nn.functional as F

        return F.cross_entropy(outputs, targets)

    def distillation_loss(self, student, teacher, targets, temperature, alpha):
        """Hinton et al. (2015): KL between softened distributions, scaled by T^2, plus the hard-label loss."""
        import torch.nn.functional as F

        soft = F.kl_div(
            F.log_softmax(student / temperature, dim=1), F.softmax(teacher / temperature, dim=1), reduction="batchmean"
        )
        return alpha * soft * temperature**2 + (1 - alpha) * F.cross_entropy(student, targets)

    def evaluate(self, outputs, y_true, spec):
        from sklearn.metrics import accuracy_score, f1_score

        predicted = outputs.argmax(axis=1)
        return {
            "accuracy": float(accuracy_score(y_true, predicted)),
            "macro_f1": float(f1_score(y_true, predicted, average="macro", zero_division=0)),
        }

    def routed_items(self, routing, outputs, y_true, spec):
        if routing.rule == "expected_errors":
            return outputs.argmax(axis=1) != y_true
        return _softmax(outputs).max(axis=1) < routing.confidence_threshold


class BinaryTask(Task):
    """One logit per item; the operating point is the lowest score threshold reaching the target precision.

    The threshold is read off the held-out set itself (there is no separate
    validation split), so recall at precision is slightly optimistic; the report
    says so with the metric's description.
    """

    kind = "binary"

    def n_outputs(self, n_classes, n_targets):
        return 1

    def loss(self, outputs, targets):
        import torch.nn.functional as F

        return F.binary_cross_entropy_with_logits(outputs.reshape(-1), targets.float().reshape(-1))

    def distillation_loss(self, student, teacher, targets, temperature, alpha):
        import torch
        import torch.nn.functional as F

        s, t = student.reshape(-1), teacher.reshape(-1)
        soft = F.binary_cross_entropy_with_logits(s / temperature, torch.sigmoid(t / temperature))
        return alpha * soft * temperature**2 + (1 - alpha) * self.loss(student, targets)

    def operating_threshold(self, scores: np.ndarray, y_true: np.ndarray, target_precision: float) -> float:
        from sklearn.metrics import precision_recall_curve

        if y_true.sum() == 0:
            raise ValueError(
                "the test split holds no positive item, so precision and recall are undefined: "
                "raise dataset.test_fraction or the number of rows"
            )
        precision, _, thresholds = precision_recall_curve(y_true, scores)
        reaching = [t for p, t in zip(precision[:-1], thresholds) if p >= target_precision]
        return float(min(reaching)) if reaching else float("inf")

    def evaluate(self, outputs, y_true, spec):
        import numpy as np
        from sklearn.metrics import average_precision_score, roc_auc_score

        scores = _sigmoid(outputs.reshape(-1))
        threshold = self.operating_threshold(scores, y_true, spec.target_precision)
        flagged = scores >= threshold
        positives = max(int(y_true.sum()), 1)
        return {
            "pr_auc": float(average_precision_score(y_true, scores)),
            "roc_auc": float(roc_auc_score(y_true, scores)) if 0 < y_true.sum() < len(y_true) else float("nan"),
            "recall_at_precision": float((flagged & (y_true == 1)).sum() / positives),
            "flagged_share": float(flagged.mean()),
            "error_rate": float(np.mean(flagged != (y_true == 1))),
        }

    def routed_items(self, routing, outputs, y_true, spec):
        """The operating threshold is read once on the whole held-out set; the bootstrap keeps it fixed."""
        scores = _sigmoid(outputs.reshape(-1))
        if routing.rule == "low_confidence":
            confidence = (scores >= 0.5) * scores + (scores < 0.5) * (1 - scores)
            return confidence < routing.confidence_threshold
        flagged = scores >= self.operating_threshold(scores, y_true, spec.target_precision)
        if routing.rule == "flagged":
            return flagged
        return flagged != (y_true.reshape(-1) == 1)


class RegressionTask(Task):
    """Outputs are predictions in the target's own unit (the data layer undoes any scaling)."""

    kind = "regression"

    def n_outputs(self, n_classes, n_targets):
        return int(n_targets)

    def loss(self, outputs, targets):
        import torch.nn.functional as F

        return F.mse_loss(outputs, targets.reshape(outputs.shape))

    def distillation_loss(self, student, teacher, targets, temperature, alpha):
        # No probabilities to soften: the student matches the teacher's predictions and the truth.
        import torch.nn.functional as F

        return alpha * F.mse_loss(student, teacher) + (1 - alpha) * self.loss(student, targets)

    def evaluate(self, outputs, y_true, spec):
        import numpy as np

        error = outputs.reshape(y_true.shape) - y_true
        return {
            "mae": float(np.abs(error).mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "mape": float(_relative_errors(outputs, y_true).mean()),
        }

    def routed_items(self, routing, outputs, y_true, spec):
        per_item = _relative_errors(outputs, y_true)
        if per_item.ndim > 1:
            per_item = per_item.mean(axis=1)  # one item = one forecast of several values
        return per_item > routing.error_tolerance


TASKS: dict[str, Task] = {t.kind: t for t in (MulticlassTask(), BinaryTask(), RegressionTask())}


def task_for(kind: str) -> Task:
    return TASKS[kind]


def _relative_errors(outputs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
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


def _softmax(outputs: np.ndarray) -> np.ndarray:
    import numpy as np

    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))
