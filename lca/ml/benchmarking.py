"""Quality, latency, size and energy per item of a model variant, measured the way a reviewer would check.

- Latency: after warm-up runs, ``latency_repeats`` timed runs at each batch size
  (1 and a large batch by default); the median and the spread (p10, p90, IQR)
  are kept, with the torch thread count.
- Energy: inference runs back to back for at least ``energy_window_seconds``
  under CodeCarbon, so its sampling interval is a small part of the window; the
  machine's idle power, measured in the same run with the same tracker, gives
  the dynamic energy (above idle) next to the total.
- Quality: every metric of the task on the held-out split; the loss against the
  baseline is added once all variants are measured (:func:`score_against_baseline`).
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from lca.ml.data import Split
from lca.ml.energy import idle_on_this_host, run_for_at_least, track_energy
from lca.ml.models import count_parameters, serialized_size
from lca.ml.tasks import task_for
from lca.ml.training import predict
from lca.records import EnergyRecord, LatencyStat, VariantBenchmark
from lca.study.metrics import metric_info, quality_loss
from lca.study.schema import BenchmarkSpec, RoutingSpec, TaskSpec


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


def latency_stat(model: nn.Module, features: torch.Tensor, batch_size: int, spec: BenchmarkSpec) -> LatencyStat:
    batch = tile(features, batch_size)
    timings = np.array(latency_ms(model, batch, spec.latency_repeats, spec.warmup))
    p10, q1, median, q3, p90 = np.percentile(timings, [10, 25, 50, 75, 90])
    return LatencyStat(
        batch_size=batch_size,
        repeats=spec.latency_repeats,
        warmup=spec.warmup,
        median_ms=float(median),
        p10_ms=float(p10),
        p90_ms=float(p90),
        iqr_ms=float(q3 - q1),
        items_per_second=float(batch_size / (median / 1000.0)) if median > 0 else float("inf"),
    )


def tile(features: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The first ``batch_size`` items, repeating the set when it is smaller."""
    if len(features) >= batch_size:
        return features[:batch_size].contiguous()
    reps = (batch_size // len(features)) + 1
    return features.repeat((reps,) + (1,) * (features.dim() - 1))[:batch_size].contiguous()


def benchmark_variant(
    *,
    variant: str,
    description: str,
    model: nn.Module,
    test: Split,
    task_spec: TaskSpec,
    spec: BenchmarkSpec,
    routing: RoutingSpec,
    country_iso3: str,
    idle: EnergyRecord | None = None,
) -> VariantBenchmark:
    if spec.threads:
        torch.set_num_threads(spec.threads)
    model.eval()
    features = torch.from_numpy(test.x)
    latency = [latency_stat(model, features, size, spec) for size in spec.all_batch_sizes()]
    main = next(stat for stat in latency if stat.batch_size == spec.batch_size)
    batch = tile(features, spec.batch_size)

    @torch.no_grad()
    def one_pass() -> int:
        model(batch)
        return len(batch)

    with track_energy(f"inference:{variant}", country_iso3) as measurement:
        measurement.items = run_for_at_least(spec.energy_window_seconds, one_pass)
    record = measurement.record
    # Idle power of this very host: measured again here if it came from another one (in a
    # DAG, under the exclusive host lock the benchmark task holds for its whole duration).
    idle = idle_on_this_host(idle, spec.idle_window_seconds, country_iso3)

    task = task_for(task_spec.kind)
    outputs = test.decode(predict(model, test.x))
    quality = task.evaluate(outputs, test.y_true, task_spec)
    primary = task_spec.primary
    total, nonzero = count_parameters(model)
    idle_power, dynamic = _dynamic_energy(record, idle)
    return VariantBenchmark(
        variant=variant,
        description=description,
        accuracy=quality.get("accuracy") if task.kind == "multiclass" else None,
        task=task.kind,
        quality=quality,
        primary_metric=primary,
        primary_value=quality[primary],
        higher_is_better=metric_info(task.kind, primary).higher_is_better,
        max_quality_loss=task_spec.max_quality_loss,
        n_test_items=len(test),
        latency_ms_median=main.median_ms,
        latency_ms_p90=main.p90_ms,
        batch_size=spec.batch_size,
        items_per_second=record.items / record.duration_s,
        size_bytes=serialized_size(model),
        n_parameters=total,
        n_nonzero_parameters=nonzero,
        energy=record,
        energy_per_item_kwh=record.kwh_per_item,
        routed_fraction=task.routed_fraction(routing, outputs, test.y_true, task_spec),
        latency=latency,
        threads=torch.get_num_threads(),
        idle_energy=idle,
        idle_power_w=idle_power,
        dynamic_energy_per_item_kwh=dynamic,
    )


def _dynamic_energy(record: EnergyRecord, idle: EnergyRecord | None) -> tuple[float | None, float | None]:
    """Idle power (W) and the energy per item above it; floored at zero when noise makes it negative."""
    if idle is None or not idle.duration_s:
        return None, None
    if idle.host != record.host:
        raise ValueError(
            f"idle power measured on host {idle.host!r} cannot be subtracted from {record.stage!r} "
            f"measured on host {record.host!r}"
        )
    idle_power = idle.mean_power_w
    above_idle_kwh = record.energy_kwh - idle_power * record.duration_s / 3.6e6
    return idle_power, max(above_idle_kwh, 0.0) / record.items


def score_against_baseline(benchmarks: list[VariantBenchmark]) -> list[VariantBenchmark]:
    """Each variant's loss on the primary metric against the baseline, and the study's limit flag.

    Runs after every variant was measured (a separate task), so no benchmark
    task ever waits for another's result.
    """
    by_name = {b.variant: b for b in benchmarks}
    if "baseline" not in by_name:
        raise ValueError(f"no baseline among the benchmarks {sorted(by_name)}")
    base = by_name["baseline"]
    scored = []
    for b in benchmarks:
        if b.primary_metric != base.primary_metric or b.primary_value is None or base.primary_value is None:
            raise ValueError(f"variant {b.variant!r} is not scored on the baseline's metric {base.primary_metric!r}")
        loss = quality_loss(b.task, b.primary_metric, base.primary_value, b.primary_value)
        limit = b.max_quality_loss
        scored.append(
            b.model_copy(
                update={"quality_loss": loss, "exceeds_max_quality_loss": limit is not None and loss > limit + 1e-12}
            )
        )
    return scored
