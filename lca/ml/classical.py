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
    """Scores = sum over the items bought of their neighbours' weights, plus popularity; bought items never come back.

    Kept sparse (``K`` neighbours per item, not an items x items matrix): with a
    catalogue of thousands of products a dense similarity would dwarf the model it
    is compared with, in bytes and in multiply-adds per visit.
    """

    def __init__(self, neighbours: np.ndarray, weights: np.ndarray, popularity: np.ndarray):
        super().__init__()
        self.register_buffer("neighbours", torch.as_tensor(np.asarray(neighbours, dtype=np.int64)))
        self.register_buffer("weights", torch.as_tensor(np.asarray(weights, dtype=np.float32)))
        self.register_buffer("popularity", torch.as_tensor(np.asarray(popularity, dtype=np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n_items = self.popularity.shape[0]
        rows, items = x.nonzero(as_tuple=True)
        scores = self.popularity.expand(len(x), n_items).clone()
        contributions = x[rows, items].unsqueeze(1) * self.weights[items]
        targets = rows.unsqueeze(1) * n_items + self.neighbours[items]
        scores.view(-1).index_add_(0, targets.reshape(-1), contributions.reshape(-1))
        return scores - 1e4 * x


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
    rfm_features: list[str] | None = None  # RFM rules: the recency, frequency and monetary columns, in order
    seed: int = 0


def fit_classical(method: str, data: ClassicalData) -> tuple[nn.Module, str]:
    """The fitted method as a module, and the sentence that says what it is."""
    fits = {
        "logistic_regression": _logistic,
        "ridge": _ridge,
        "seasonal_naive": _seasonal_naive,
        "kmeans": _kmeans,
        "item_knn": _item_knn,
        "rfm_rules": _rfm_rules,
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


def _rfm_rules(data: ClassicalData) -> tuple[nn.Module, str]:
    from lca.ml.rfm_rules import fit_rfm

    named = data.rfm_features
    if not named or len(named) != 3:
        raise ValueError(
            "baselines.rfm_features: RFM rules need the recency, frequency and monetary feature columns, "
            f"in that order; got {named}"
        )
    unknown = [c for c in named if c not in data.feature_columns]
    if unknown:
        raise ValueError(f"baselines.rfm_features: {unknown} are not feature columns of the dataset")
    return fit_rfm(data.x, [data.feature_columns.index(c) for c in named], data.n_outputs)


NEIGHBOURS = 20  # similar items kept per item, as item-kNN does
POPULARITY_WEIGHTS = (0.1, 0.3, 1.0, 3.0)  # tried by the fit, on a fifth of the training customers held out
_TUNING_SHARE = 0.2


def _item_knn(data: ClassicalData) -> tuple[nn.Module, str]:
    """Item-kNN on the training baskets (history and next purchase), with popularity mixed in.

    The weight of neighbour j of item i is the share of training customers who
    bought i that also bought j (a conditional probability, so popular items keep
    their pull); the top ``NEIGHBOURS`` per item are kept. How much of the
    popularity ranking (scaled to 1 for the most popular next purchase) is added
    is chosen the way an analyst would, on a fifth of the training customers held
    out of the similarity, by NDCG at 10, before refitting on all of them.
    """
    from lca.ml.tasks import task_for
    from lca.study.machine_learning import TaskSpec

    x, y = np.asarray(data.x, dtype=np.float32), np.asarray(data.y, dtype=np.int64)
    rng = np.random.default_rng(data.seed)
    tune = rng.random(len(x)) < _TUNING_SHARE
    ranking, spec = task_for("ranking"), TaskSpec(kind="ranking", k=10)
    best = POPULARITY_WEIGHTS[0]
    if tune.any() and (~tune).any():
        neighbours, weights, popularity = _neighbours(x[~tune], y[~tune], data.n_outputs)
        with torch.no_grad():
            held = torch.from_numpy(x[tune])
            scores = {
                w: ranking.evaluate(ItemNeighbours(neighbours, weights, w * popularity)(held).numpy(), y[tune], spec)
                for w in POPULARITY_WEIGHTS
            }
        best = max(POPULARITY_WEIGHTS, key=lambda w: scores[w]["ndcg_at_k"])
    neighbours, weights, popularity = _neighbours(x, y, data.n_outputs)
    return (
        ItemNeighbours(neighbours, weights, best * popularity),
        f" ({NEIGHBOURS} neighbours per item, popularity weight {best:g})",
    )


def _neighbours(x: np.ndarray, y: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item its ``NEIGHBOURS`` nearest items and their weights (zero-padded), and the scaled popularity."""
    from scipy import sparse

    baskets = sparse.csr_matrix(x[:, :n_items]) + sparse.csr_matrix(
        (np.ones(len(y)), (np.arange(len(y)), y)), shape=(len(y), n_items)
    )
    baskets.data = np.minimum(baskets.data, 1.0)
    together = (baskets.T @ baskets).tocsr()
    owners = together.diagonal()
    together.setdiag(0)
    together.eliminate_zeros()
    neighbours = np.tile(np.arange(n_items)[:, None], (1, NEIGHBOURS))  # padding: the item itself, weight 0
    weights = np.zeros((n_items, NEIGHBOURS))
    for i in range(n_items):
        start, end = together.indptr[i], together.indptr[i + 1]
        cols, vals = together.indices[start:end], together.data[start:end] / max(owners[i], 1.0)
        keep = np.argsort(-vals, kind="stable")[:NEIGHBOURS]
        neighbours[i, : len(keep)], weights[i, : len(keep)] = cols[keep], vals[keep]
    counts = np.bincount(y, minlength=n_items).astype(float)
    return neighbours, weights, counts / max(counts.max(), 1.0)
