"""What a model is asked to do, and how its answers are judged and routed to people.

Five kinds cover the built-in studies and most of what a user brings:
multiclass classification (digits), binary classification (fraud screening,
an imbalanced problem judged by PR-AUC and recall at a fixed precision),
regression (day-ahead load forecasts, judged by MAE and MAPE), ranking (product
recommendation, judged by recall@k and NDCG@k) and clustering (customer
segmentation, judged by agreement with a held-out segmentation and silhouette).
Each also has a trivial baseline (:meth:`Task.trivial_outputs`), the floor a
model must clear on the same held-out items.

Each kind defines its training loss, its distillation loss, its quality metrics
(a dict, with a primary metric and its direction), which of its answers are
wrong item by item, and the items a fixed routing rule hands to a person
(``VariantBenchmark.routed_fraction``, which the inventory turns into human work).
Routing by confidence, whose threshold is chosen on the validation split, is in
:mod:`lca.ml.routing`. The metric tables themselves are plain data in
:mod:`lca.study.metrics`, so the study schema can check names without importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np
    import torch

    from lca.study.machine_learning import RoutingSpec, TaskSpec


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

    def primary_score(
        self, outputs: np.ndarray, y_true: np.ndarray, spec: TaskSpec, x: np.ndarray | None = None
    ) -> float:
        """The primary metric alone (resampled many times by the trivial-baseline test); NaN where undefined."""
        try:
            return float(self.evaluate(outputs, y_true, spec, x)[spec.primary])
        except ValueError:  # e.g. a resample with no positive item
            return float("nan")


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

    def evaluate(self, outputs, y_true, spec, x=None):
        from sklearn.metrics import accuracy_score, f1_score

        predicted = outputs.argmax(axis=1)
        return {
            "accuracy": float(accuracy_score(y_true, predicted)),
            "macro_f1": float(f1_score(y_true, predicted, average="macro", zero_division=0)),
        }

    def wrong_items(self, routing, outputs, y_true, spec):
        return outputs.argmax(axis=1) != y_true

    def confidence(self, outputs):
        return _softmax(outputs).max(axis=1)

    def trivial_outputs(self, train_y, n_items, x=None):
        import numpy as np

        classes, counts = np.unique(train_y, return_counts=True)
        majority = int(classes[counts.argmax()])
        outputs = np.zeros((n_items, int(max(classes.max(), majority)) + 1))
        outputs[:, majority] = 1.0
        return f"majority class ({majority})", outputs

    def primary_score(self, outputs, y_true, spec, x=None):
        if spec.primary == "accuracy":  # the common case, fast: 1,000 resamples per variant
            return float((outputs.argmax(axis=1) == y_true).mean())
        return super().primary_score(outputs, y_true, spec, x)


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

    def evaluate(self, outputs, y_true, spec, x=None):
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
        if routing.rule == "flagged":
            return self._flagged(outputs, y_true, spec)
        return super().routed_items(routing, outputs, y_true, spec)

    def wrong_items(self, routing, outputs, y_true, spec):
        """At the operating point for rules 'flagged' and 'expected_errors'.

        At a score of 0.5 when routing by confidence.

        With 'flagged', a flagged item is reviewed and an unflagged one goes out as
        genuine: the wrong ones kept are the frauds it misses.
        """
        if routing.rule in ("flagged", "expected_errors"):
            decided = self._flagged(outputs, y_true, spec)
        else:
            decided = _sigmoid(outputs.reshape(-1)) >= 0.5
        return decided != (y_true.reshape(-1) == 1)

    def confidence(self, outputs):
        scores = _sigmoid(outputs.reshape(-1))
        return (scores >= 0.5) * scores + (scores < 0.5) * (1 - scores)

    def _flagged(self, outputs, y_true, spec):
        scores = _sigmoid(outputs.reshape(-1))
        return scores >= self.operating_threshold(scores, y_true, spec.target_precision)

    def trivial_outputs(self, train_y, n_items, x=None):
        import numpy as np

        rate = float(np.clip(np.mean(train_y), 1e-6, 1 - 1e-6))
        return f"constant score (training positive rate {rate:.3g})", np.full((n_items, 1), np.log(rate / (1 - rate)))


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
            "mape": float(_relative_errors(outputs, y_true).mean()),
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


class RankingTask(MulticlassTask):
    """Next-purchase recommendation: one score per product, judged on the top ``task.k`` of the list.

    Trained and distilled like a multiclass task (softmax over products, the next
    purchase as the target). A held-out purchase outside the top k is a miss.
    Routing does not apply (rule ``none``): no person redoes a visit's list, and
    the curated fallback lists are a fixed effort per period. ``expected_errors``
    remains as a perfect-detector bound (each miss served the curated list).
    Ties count half: a constant score ranks the target in the middle of its tie.
    """

    kind = "ranking"

    @staticmethod
    def ranks(outputs, y_true):
        import numpy as np

        target = outputs[np.arange(len(y_true)), y_true][:, None]
        return (outputs > target).sum(axis=1) + ((outputs == target).sum(axis=1) - 1) / 2

    def evaluate(self, outputs, y_true, spec, x=None):
        import numpy as np

        rank = self.ranks(outputs, y_true)
        hit = rank < spec.k
        return {
            "recall_at_k": float(hit.mean()),
            "ndcg_at_k": float(np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0).mean()),
        }

    def primary_score(self, outputs, y_true, spec, x=None):
        return self.evaluate(outputs, y_true, spec)[spec.primary]

    def wrong_items(self, routing, outputs, y_true, spec):
        """A customer whose next purchase is not in the top k."""
        return self.ranks(outputs, y_true) >= spec.k

    def confidence(self, outputs):
        raise ValueError("a ranking is not routed by confidence (routing rule 'none')")

    def trivial_outputs(self, train_y, n_items, x=None):
        """Popularity ranking: products by how often they were the training customers' next purchase."""
        import numpy as np

        n_products = int(x.shape[1]) if x is not None else int(train_y.max()) + 1
        counts = np.bincount(train_y, minlength=n_products).astype(float)
        scores = np.tile(counts, (n_items, 1))
        if x is not None:  # the same rule the model follows: never recommend what was bought
            scores = scores - 1e4 * x
        return "popularity ranking (training next purchases)", scores


class ClusteringTask(Task):
    """Segmentation: one score per cluster (minus the squared distance to its centroid), argmax = cluster.

    Trained without labels (the model returns its reconstruction error in training
    mode, squared here); judged by agreement with the held-out segmentation
    (adjusted Rand index) and by the silhouette of the clusters in the standardised
    features. Routing does not apply (rule ``none``): no analyst re-segments
    customers one by one; reviewing a refresh is a fixed effort. For the
    perfect-detector bound (``expected_errors``), clusters are matched to segments
    (Hungarian assignment on the held-out items) and a customer whose cluster maps
    to another segment counts as one re-segmented by the RFM rules.
    """

    kind = "clustering"

    def n_outputs(self, n_classes, n_targets):
        return int(n_classes)  # as many clusters as the held-out segmentation has segments

    def loss(self, outputs, targets):
        return outputs.pow(2).mean()

    def distillation_loss(self, student, teacher, targets, temperature, alpha):
        raise NotImplementedError("distillation is not defined for clustering (the study schema refuses it)")

    def evaluate(self, outputs, y_true, spec, x=None):
        import numpy as np
        from sklearn.metrics import adjusted_rand_score, silhouette_score

        clusters = outputs.argmax(axis=1)
        quality = {"adjusted_rand": float(adjusted_rand_score(y_true, clusters))}
        if x is not None:
            n = len(np.unique(clusters))
            flat = x.reshape(len(x), -1)
            quality["silhouette"] = float(silhouette_score(flat, clusters)) if 1 < n < len(x) else 0.0
        return quality

    def primary_score(self, outputs, y_true, spec, x=None):
        if spec.primary == "adjusted_rand":
            from sklearn.metrics import adjusted_rand_score

            return float(adjusted_rand_score(y_true, outputs.argmax(axis=1)))
        return super().primary_score(outputs, y_true, spec, x)

    def wrong_items(self, routing, outputs, y_true, spec):
        """A customer whose cluster maps (Hungarian matching) to another segment than theirs."""
        import numpy as np
        from scipy.optimize import linear_sum_assignment

        clusters = outputs.argmax(axis=1)
        k = max(int(clusters.max()), int(y_true.max())) + 1
        table = np.zeros((k, k))
        np.add.at(table, (clusters, y_true), 1)
        rows, cols = linear_sum_assignment(-table)
        segment_of = np.empty(k, dtype=np.int64)
        segment_of[rows] = cols
        return segment_of[clusters] != y_true

    def trivial_outputs(self, train_y, n_items, x=None):
        import numpy as np

        return "single cluster (everyone in one segment)", np.zeros((n_items, 1))


TASKS: dict[str, Task] = {
    t.kind: t for t in (MulticlassTask(), BinaryTask(), RegressionTask(), RankingTask(), ClusteringTask())
}


def task_for(kind: str) -> Task:
    return TASKS[kind]


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
