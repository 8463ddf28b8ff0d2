"""Latency of a model on a batch: the timed calls every benchmark and the runtime sweep share.

Kept apart from lca.ml.benchmarking so that the runtimes (which time and tile batches too) do not
import the whole benchmark.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from lca.ml import significance
from lca.ml.benchmark_verdicts import interleaved_latency_ms
from lca.ml.device import synchronize
from lca.records import LatencyStat
from lca.study.machine_learning import BenchmarkSpec


@torch.no_grad()
def latency_ms(model: nn.Module, batch: torch.Tensor, repeats: int, warmup: int = 3) -> list[float]:
    """Wall time of each call; on a GPU the queue is drained before the clock stops."""
    for _ in range(warmup):
        model(batch)
    synchronize(batch.device)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(batch)
        synchronize(batch.device)
        timings.append((time.perf_counter() - start) * 1000.0)
    return timings


def latency_stat(
    model: nn.Module, features: torch.Tensor, batch_size: int, spec: BenchmarkSpec, reference: nn.Module | None = None
) -> LatencyStat:
    """The variant's own series; with a ``reference`` (the baseline), also a series interleaved with it."""
    batch = tile(features, batch_size)
    timings = np.array(latency_ms(model, batch, spec.latency_repeats, spec.warmup))
    paired: tuple[list[float], list[float]] = ([], [])
    if reference is not None:
        paired = interleaved_latency_ms(model, reference, batch, spec.latency_repeats, spec.warmup)
    p10, q1, median, q3, p90 = np.percentile(timings, [10, 25, 50, 75, 90])
    interval = significance.run_interval(timings.tolist())
    return LatencyStat(
        batch_size=batch_size,
        repeats=spec.latency_repeats,
        warmup=spec.warmup,
        median_ms=float(median),
        p10_ms=float(p10),
        p90_ms=float(p90),
        iqr_ms=float(q3 - q1),
        items_per_second=float(batch_size / (median / 1000.0)) if median > 0 else float("inf"),
        timings_ms=[float(t) for t in timings],
        interval_low_ms=interval[0] if interval else None,
        interval_high_ms=interval[1] if interval else None,
        interleaved_ms=paired[0],
        interleaved_reference_ms=paired[1],
    )


def tile(features: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The first ``batch_size`` items, repeating the set when it is smaller."""
    if len(features) >= batch_size:
        return features[:batch_size].contiguous()
    reps = (batch_size // len(features)) + 1
    return features.repeat((reps,) + (1,) * (features.dim() - 1))[:batch_size].contiguous()
