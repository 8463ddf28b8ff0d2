"""Clustering (customer segmentation, judged by agreement with a held-out segmentation and silhouette)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    pass

from lca.ml.tasks.base import Task


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
