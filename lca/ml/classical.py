"""The classical baselines: fitted with scikit-learn, answered as small torch modules.

Why torch modules: the classical method is assessed exactly like the network
(:func:`lca.ml.benchmarking.benchmark_variant`: the same latency runs, the same
energy windows, the same quality metrics and routing), so it must answer the same
call with the same output format as the task's model (logits, scores, predictions
in the scaled target unit, minus squared distances to centroids). Every method
here is a fixed linear map or a nearest-centroid rule once fitted, so the fitted
arrays become buffers of a module and inference runs on the study's device; the
buffers are what the size and parameter count of the benchmark report.

The fit (scikit-learn's, on the same training split as the network) is the
variant's training, measured by the stage that calls :func:`fit_classical`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lca.study.baselines import METHODS


class Affine(nn.Module):
    """``flatten(x) @ weight.T + bias``: logistic and ridge regression, and the seasonal naive forecast."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray):
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(np.asarray(weight, dtype=np.float32)))
        self.register_buffer("bias", torch.as_tensor(np.asarray(bias, dtype=np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1) @ self.weight.T + self.bias


class NearestCentroid(nn.Module):
    """Minus the squared distance to each centroid: the clustering task's score (argmax = nearest cluster)."""

    def __init__(self, centroids: np.ndarray):
        super().__init__()
        self.register_buffer("centroids", torch.as_tensor(np.asarray(centroids, dtype=np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(x.reshape(len(x), -1), self.centroids).pow(2)


class ItemNeighbours(nn.Module):
    """Scores = purchase history @ item-to-item similarity; what was bought is never recommended (as the model)."""

    def __init__(self, similarity: np.ndarray, popularity: np.ndarray):
        super().__init__()
        self.register_buffer("similarity", torch.as_tensor(np.asarray(similarity, dtype=np.float32)))
        self.register_buffer("popularity", torch.as_tensor(np.asarray(popularity, dtype=np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.similarity + self.popularity - 1e4 * x


@dataclass(frozen=True)
class ClassicalData:
    """The training split as the network sees it, and what a method needs to know of the columns."""

    x: np.ndarray
    y: np.ndarray
    n_outputs: int
    feature_columns: list[str]
    target_columns: list[str]
    feature_mean: np.ndarray | None = None  # seasonal naive: to undo the features' standardisation
    feature_std: np.ndarray | None = None
    target_mean: np.ndarray | None = None  # ... and to apply the targets'
    target_std: np.ndarray | None = None
    seasonal_features: list[str] | None = None
    seed: int = 0


def fit_classical(method: str, data: ClassicalData) -> tuple[nn.Module, str]:
    """The fitted method as a module, and the sentence that says what it is."""
    fits = {
        "logistic_regression": _logistic,
        "ridge": _ridge,
        "seasonal_naive": _seasonal_naive,
        "kmeans": _kmeans,
        "item_knn": _item_knn,
    }
    if method not in fits:
        raise ValueError(f"unknown classical method {method!r}; known: {sorted(fits)}")
    model, detail = fits[method](data)
    return model.eval(), f"Classical baseline: {METHODS[method]}{detail}, fitted on {len(data.x)} training items."


def _flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def _logistic(data: ClassicalData) -> tuple[nn.Module, str]:
    """Binary: one logit (the binary task's output); multiclass: one logit per class, absent classes never chosen."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(max_iter=2000).fit(_flat(data.x), data.y)
    coef, intercept, classes = fitted.coef_, fitted.intercept_, fitted.classes_.astype(int)
    if data.n_outputs == 1:  # binary task: the logit of the positive class
        return Affine(coef, intercept), " (L2 penalty C=1)"
    if len(classes) == 2:  # a multiclass task whose training split holds two classes: sklearn keeps one logit
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    weight = np.zeros((data.n_outputs, coef.shape[1]))
    bias = np.full(data.n_outputs, -1e4)  # a class the training split never shows
    weight[classes], bias[classes] = coef, intercept
    return Affine(weight, bias), " (multinomial, L2 penalty C=1)"


def _ridge(data: ClassicalData) -> tuple[nn.Module, str]:
    from sklearn.linear_model import RidgeCV

    fitted = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(_flat(data.x), data.y)
    coef = np.atleast_2d(fitted.coef_)
    return Affine(coef, np.atleast_1d(fitted.intercept_)), f" (alpha {fitted.alpha_:.3g})"


def _seasonal_naive(data: ClassicalData) -> tuple[nn.Module, str]:
    """Each target as its seasonal feature was: an affine map of the standardised features to the scaled targets."""
    season = data.seasonal_features
    if not season or len(season) != len(data.target_columns):
        raise ValueError(
            f"seasonal naive needs one seasonal feature per target column ({len(data.target_columns)}), got {season}"
        )
    unknown = [c for c in season if c not in data.feature_columns]
    if unknown:
        raise ValueError(f"baselines.seasonal_features: {unknown} are not feature columns of the dataset")
    if data.feature_mean is None or data.target_mean is None:
        raise ValueError("seasonal naive needs standardised features and targets (a regression dataset)")
    weight = np.zeros((len(season), len(data.feature_columns)))
    bias = np.zeros(len(season))
    for t, column in enumerate(season):
        j = data.feature_columns.index(column)
        # target_scaled = (x_scaled * sd_x + mean_x - mean_y) / sd_y
        weight[t, j] = data.feature_std[j] / data.target_std[t]
        bias[t] = (data.feature_mean[j] - data.target_mean[t]) / data.target_std[t]
    return Affine(weight, bias), f" (from {season[0]}...)" if len(season) > 1 else f" (from {season[0]})"


def _kmeans(data: ClassicalData) -> tuple[nn.Module, str]:
    from sklearn.cluster import KMeans

    fitted = KMeans(n_clusters=data.n_outputs, n_init=10, random_state=data.seed).fit(_flat(data.x))
    return NearestCentroid(fitted.cluster_centers_), f" ({data.n_outputs} clusters, 10 starts)"


NEIGHBOURS = 20  # similar items kept per item, as item-kNN does


def _item_knn(data: ClassicalData) -> tuple[nn.Module, str]:
    """Similarity of items i and j: the share of training customers owning i whose next purchase was j.

    The top ``NEIGHBOURS`` per item are kept; popularity (scaled well below one
    co-purchase) breaks ties, so a customer with no informative history gets the
    popularity ranking.
    """
    x = np.asarray(data.x, dtype=np.float64)
    n_items = data.n_outputs
    nxt = np.zeros((len(x), n_items))
    nxt[np.arange(len(x)), data.y] = 1.0
    similarity = (x.T @ nxt) / np.maximum(x.sum(axis=0), 1.0)[:, None]
    if n_items > NEIGHBOURS:
        cut = np.partition(similarity, -NEIGHBOURS, axis=1)[:, -NEIGHBOURS][:, None]
        similarity = np.where(similarity >= cut, similarity, 0.0)
    counts = nxt.sum(axis=0)
    popularity = 1e-3 * counts / max(counts.max(), 1.0)
    return ItemNeighbours(similarity, popularity), f" ({min(NEIGHBOURS, n_items)} neighbours per item)"
