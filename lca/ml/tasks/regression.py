"""Regression (day-ahead load forecasts, judged by MAE and MAPE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    pass

from lca.ml.tasks.base import Task, item_relative_errors, relative_errors


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

    def evaluate(self, outputs, y_true, spec, x=None):
        import numpy as np

        error = outputs.reshape(y_true.shape) - y_true
        return {
            "mae": float(np.abs(error).mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "mape": float(relative_errors(outputs, y_true).mean()),
        }

    def wrong_items(self, routing, outputs, y_true, spec):
        """An item whose relative error exceeds the tolerance (one where the truth is zero has none: counted wrong)."""
        import numpy as np

        per_item = item_relative_errors(outputs, y_true)
        return ~(per_item <= routing.error_tolerance) | np.isnan(per_item)

    def trivial_outputs(self, train_y, n_items, x=None):
        import numpy as np

        train = np.asarray(train_y, dtype=float)
        mean = train.mean(axis=0) if train.ndim > 1 else np.array([train.mean()])
        return "mean predictor (training mean)", np.tile(mean, (n_items, 1))
