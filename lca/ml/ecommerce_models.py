"""Models of the two e-commerce use cases beside fraud: recommendation and segmentation, in torch.

- :class:`TwoTower`: the user tower reads the purchase history (0/1 per product),
  the item tower is one embedding per product; the score is their dot product plus a
  product bias, and products already bought are pushed to the bottom (never
  recommended twice). Trained with a softmax over all products on the next purchase.
- :class:`AutoencoderKMeans`: an autoencoder learns a small code per customer
  (training mode returns the reconstruction error, which the clustering task's loss
  squares); after training, k-means in torch on the codes sets the centroids. In
  evaluation mode it returns minus the squared distance of each code to each
  centroid, so ``argmax`` is the cluster and every benchmark, quantizer and exporter
  sees an ordinary ``(items, clusters)`` output.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

# A score far below any real one: products already bought never make the list.
BOUGHT_PENALTY = 1e4


def _mlp(widths: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no activation on the last layer


class TwoTower(nn.Module):
    def __init__(self, n_products: int, hidden: Sequence[int] = (64,), embedding_dim: int = 16):
        super().__init__()
        self.user_tower = _mlp([n_products, *hidden, embedding_dim])
        self.item_embedding = nn.Parameter(torch.randn(n_products, embedding_dim) * 0.1)
        self.item_bias = nn.Parameter(torch.zeros(n_products))

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        user = self.user_tower(history)
        scores = user @ self.item_embedding.T + self.item_bias
        return scores - BOUGHT_PENALTY * history


class AutoencoderKMeans(nn.Module):
    def __init__(
        self, n_inputs: int, n_clusters: int, hidden: Sequence[int] = (32,), code_dim: int = 4, restarts: int = 5
    ):
        super().__init__()
        self.encoder = _mlp([n_inputs, *hidden, code_dim])
        self.decoder = _mlp([code_dim, *reversed(hidden), n_inputs])
        self.restarts = restarts
        self.register_buffer("centroids", torch.zeros(n_clusters, code_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.encoder(x)
        if self.training:
            return self.decoder(code) - x  # reconstruction error; the task's loss squares it
        return -((code.unsqueeze(1) - self.centroids.unsqueeze(0)) ** 2).sum(dim=2)

    @torch.no_grad()
    def after_fit(self, features: torch.Tensor, seed: int) -> None:
        """k-means on the codes of the training items (k-means++ start, best of ``restarts`` by inertia)."""
        self.eval()
        codes = self.encoder(features)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        best, best_inertia = None, float("inf")
        for _ in range(self.restarts):
            centroids = kmeans(codes, len(self.centroids), generator)
            inertia = torch.cdist(codes, centroids).min(dim=1).values.pow(2).sum().item()
            if inertia < best_inertia:
                best, best_inertia = centroids, inertia
        self.centroids.copy_(best)


def kmeans(points: torch.Tensor, k: int, generator: torch.Generator, iterations: int = 50) -> torch.Tensor:
    """Lloyd's algorithm from a k-means++ start; an empty cluster keeps its previous centroid."""
    n = len(points)
    first = torch.randint(n, (1,), generator=generator).item()
    centroids = [points[first]]
    for _ in range(1, k):
        d2 = torch.cdist(points, torch.stack(centroids)).min(dim=1).values.pow(2).cpu()
        index = torch.multinomial(d2 / d2.sum() if d2.sum() > 0 else torch.ones(n) / n, 1, generator=generator).item()
        centroids.append(points[index])
    centre = torch.stack(centroids)
    for _ in range(iterations):
        assign = torch.cdist(points, centre).argmin(dim=1)
        sums = torch.zeros_like(centre).index_add_(0, assign, points)
        counts = torch.bincount(assign, minlength=k).unsqueeze(1)
        moved = torch.where(counts > 0, sums / counts.clamp(min=1), centre)
        if torch.allclose(moved, centre):
            break
        centre = moved
    return centre
