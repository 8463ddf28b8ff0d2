"""The quality metrics of each task kind, as plain data.

The study schema checks a study's metric names against these tables without
importing torch or scikit-learn; the ML side (:mod:`lca.ml.tasks`) computes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    """A quality metric: its direction, its sane range (checked by the benchmark gate) and how to read it."""

    higher_is_better: bool
    lower: float
    upper: float | None
    description: str


_FRACTION = (0.0, 1.0)
METRICS: dict[str, dict[str, MetricInfo]] = {
    "multiclass": {
        "accuracy": MetricInfo(True, *_FRACTION, "share of items whose predicted class is right"),
        "macro_f1": MetricInfo(True, *_FRACTION, "F1 score averaged over classes, each class weighing the same"),
    },
    "binary": {
        "pr_auc": MetricInfo(True, *_FRACTION, "area under the precision-recall curve (average precision)"),
        "roc_auc": MetricInfo(True, *_FRACTION, "area under the ROC curve"),
        "recall_at_precision": MetricInfo(
            True, *_FRACTION, "share of positives caught at the operating point (precision >= task.target_precision)"
        ),
        "flagged_share": MetricInfo(False, *_FRACTION, "share of items flagged positive at the operating point"),
        "error_rate": MetricInfo(False, *_FRACTION, "share of items misclassified at the operating point"),
    },
    "regression": {
        "mae": MetricInfo(False, 0.0, None, "mean absolute error, in the target's unit"),
        "rmse": MetricInfo(False, 0.0, None, "root mean squared error, in the target's unit"),
        "mape": MetricInfo(False, 0.0, None, "mean absolute percentage error as a fraction (0.05 = 5 %)"),
    },
    "ranking": {
        "recall_at_k": MetricInfo(
            True, *_FRACTION, "share of held-out purchases found in the top task.k recommendations (hit rate at k)"
        ),
        "ndcg_at_k": MetricInfo(
            True, *_FRACTION, "normalised discounted cumulative gain at task.k: a hit counts more the higher it ranks"
        ),
    },
    "clustering": {
        "adjusted_rand": MetricInfo(
            True, -1.0, 1.0, "adjusted Rand index of the clusters against the held-out segmentation (0: chance)"
        ),
        "silhouette": MetricInfo(
            True, -1.0, 1.0, "mean silhouette of the clusters in the standardised feature space (0 for one cluster)"
        ),
    },
}
DEFAULT_PRIMARY = {
    "multiclass": "accuracy",
    "binary": "pr_auc",
    "regression": "mape",
    "ranking": "ndcg_at_k",
    "clustering": "adjusted_rand",
}


def metric_info(kind: str, name: str) -> MetricInfo:
    return METRICS[kind][name]


def quality_loss(kind: str, metric: str, baseline: float, variant: float) -> float:
    """How much worse the variant is than the baseline, in the metric's units (negative: better)."""
    return baseline - variant if METRICS[kind][metric].higher_is_better else variant - baseline
