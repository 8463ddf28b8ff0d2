"""Classification kinds: multiclass (digits), binary (fraud screening), ranking (recommendation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np


from lca.ml.tasks.base import Task, sigmoid, softmax


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
        return softmax(outputs).max(axis=1)

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

    def item_values(self, outputs, y_true, spec):
        if spec.primary == "accuracy":
            return (outputs.argmax(axis=1) == y_true).astype(float)
        return None


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

        scores = sigmoid(outputs.reshape(-1))
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
            decided = sigmoid(outputs.reshape(-1)) >= 0.5
        return decided != (y_true.reshape(-1) == 1)

    def confidence(self, outputs):
        scores = sigmoid(outputs.reshape(-1))
        return (scores >= 0.5) * scores + (scores < 0.5) * (1 - scores)

    def _flagged(self, outputs, y_true, spec):
        scores = sigmoid(outputs.reshape(-1))
        return scores >= self.operating_threshold(scores, y_true, spec.target_precision)

    def trivial_outputs(self, train_y, n_items, x=None):
        import numpy as np

        rate = float(np.clip(np.mean(train_y), 1e-6, 1 - 1e-6))
        return f"constant score (training positive rate {rate:.3g})", np.full((n_items, 1), np.log(rate / (1 - rate)))


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
        rank = self.ranks(outputs, y_true)
        return {metric: float(_per_customer(rank, spec.k, metric).mean()) for metric in ("recall_at_k", "ndcg_at_k")}

    def item_values(self, outputs, y_true, spec):
        return _per_customer(self.ranks(outputs, y_true), spec.k, spec.primary)

    def primary_score(self, outputs, y_true, spec, x=None):
        return float(self.item_values(outputs, y_true, spec).mean())

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


def _per_customer(rank: np.ndarray, k: int, metric: str) -> np.ndarray:
    """A hit (recall@k), or the gain 1 / log2(rank + 2) of a hit (NDCG@k with one relevant product), per customer."""
    import numpy as np

    hit = rank < k
    if metric == "recall_at_k":
        return hit.astype(float)
    return np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
