"""Quality, latency, size and energy per item of a model variant.

Energy per item is measured over a window of several seconds of repeated
inference so CodeCarbon's one-second sampling is a small part of it.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from torch import nn

from lca.energy import run_for_at_least, track_energy
from lca.models import count_parameters, serialized_size
from lca.records import VariantBenchmark
from lca.study import BenchmarkSpec, RoutingSpec
from lca.training import accuracy, max_probabilities


@torch.no_grad()
def latency_ms(model: nn.Module, batch: torch.Tensor, repeats: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        model(batch)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(batch)
        timings.append((time.perf_counter() - start) * 1000.0)
    return timings


def benchmark_variant(
    *,
    variant: str,
    description: str,
    model: nn.Module,
    x_test: np.ndarray,
    y_test: np.ndarray,
    spec: BenchmarkSpec,
    routing: RoutingSpec,
    country_iso3: str,
) -> VariantBenchmark:
    model.eval()
    features = torch.from_numpy(x_test)
    batch = features[: spec.batch_size]
    if len(batch) < spec.batch_size:  # small test sets: tile to the requested batch size
        batch = features.repeat((spec.batch_size // len(features)) + 1, 1, 1, 1)[: spec.batch_size]
    timings = latency_ms(model, batch, spec.latency_repeats)

    @torch.no_grad()
    def one_pass() -> int:
        model(batch)
        return len(batch)

    with track_energy(f"inference:{variant}", country_iso3) as measurement:
        measurement.items = run_for_at_least(spec.energy_window_seconds, one_pass)
    record = measurement.record
    total, nonzero = count_parameters(model)
    median = statistics.median(timings)
    quality = accuracy(model, x_test, y_test)
    return VariantBenchmark(
        variant=variant,
        description=description,
        accuracy=quality,
        n_test_items=len(y_test),
        latency_ms_median=median,
        latency_ms_p90=float(np.percentile(timings, 90)),
        batch_size=spec.batch_size,
        items_per_second=record.items / record.duration_s,
        size_bytes=serialized_size(model),
        n_parameters=total,
        n_nonzero_parameters=nonzero,
        energy=record,
        energy_per_item_kwh=record.kwh_per_item,
        routed_fraction=routed_fraction(routing, quality, model, x_test),
    )


def routed_fraction(routing: RoutingSpec, quality: float, model: nn.Module, x_test: np.ndarray) -> float:
    if routing.rule == "expected_errors":
        return 1.0 - quality
    return float((max_probabilities(model, x_test) < routing.confidence_threshold).mean())
