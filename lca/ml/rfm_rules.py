"""RFM rules: the segmentation a marketing analyst builds in a spreadsheet, as a classical baseline.

Each customer scores 1 to :data:`QUANTILES` on recency (the more recent, the higher),
frequency and monetary value, by the quantiles of the training customers (quintiles,
the common convention); the segments are bands of the summed RFM score, cut at the
score's quantiles among the training customers so the segments are about as large as
each other. No learning beyond those cut points, which is the point: it is the rule
the reference analyst applies (``analyst_hours_rfm_refresh``), run by a machine.

The quantiles are taken of whatever scale the features come in: the standardised
features of :func:`lca.ml.data.load_split` are an increasing affine map of the raw
ones, so the scores and segments are those of the raw values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

QUANTILES = 5  # RFM quintiles, the usual convention


class RfmSegments(nn.Module):
    """One-hot segment per customer (argmax = segment), as the clustering task reads its outputs."""

    columns: torch.Tensor
    cuts: torch.Tensor
    score_cuts: torch.Tensor

    def __init__(self, columns: Sequence[int], cuts: np.ndarray, score_cuts: np.ndarray, n_segments: int):
        super().__init__()
        self.register_buffer("columns", torch.as_tensor(np.asarray(columns, dtype=np.int64)))
        self.register_buffer("cuts", torch.as_tensor(np.asarray(cuts, dtype=np.float32)))  # (3, QUANTILES - 1)
        self.register_buffer("score_cuts", torch.as_tensor(np.asarray(score_cuts, dtype=np.float32)))
        self.n_segments = n_segments

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(len(x), -1)
        scores = [torch.bucketize(flat[:, c].contiguous(), self.cuts[i]) for i, c in enumerate(self.columns)]
        total = (len(self.cuts[0]) - scores[0]) + scores[1] + scores[2]  # recency: lower is better
        segment = torch.bucketize(total.to(torch.float32), self.score_cuts)
        return nn.functional.one_hot(segment, self.n_segments).to(torch.float32)


def rfm_scores(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Summed RFM score per customer, 0 to 3 x (QUANTILES - 1): recency, frequency, monetary columns in order.

    A value scores the number of cut points strictly below it (numpy's ``searchsorted``,
    torch's ``bucketize``); recency is reversed.
    """
    r, f, m = (np.searchsorted(cuts[i], values[:, i], side="left") for i in range(3))
    return (len(cuts[0]) - r) + f + m


def fit_rfm(x: np.ndarray, columns: Sequence[int], n_segments: int) -> tuple[RfmSegments, str]:
    """Quantile cut points of recency, frequency and monetary value, then of the summed score, on the training rows."""
    if len(columns) != 3:
        raise ValueError(f"RFM rules need three columns (recency, frequency, monetary), got {len(columns)}")
    # float32 throughout, as the module compares: a value on a cut point scores the same in both
    values = np.asarray(x, dtype=np.float32).reshape(len(x), -1)[:, list(columns)]
    levels = np.arange(1, QUANTILES) / QUANTILES
    cuts = np.stack([np.quantile(values[:, i], levels) for i in range(3)]).astype(np.float32)
    total = rfm_scores(values, cuts)
    score_cuts = np.quantile(total, np.arange(1, n_segments) / n_segments, method="lower")
    model = RfmSegments(columns, cuts, score_cuts, n_segments)
    return model, f" (RFM quintile scores summed, {n_segments} bands at the score's quantiles)"
