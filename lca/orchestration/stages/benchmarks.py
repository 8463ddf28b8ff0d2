"""Measurement stages: the idle power, one benchmark per variant, their scores against the baseline and the gate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lca.orchestration import reassess
from lca.orchestration.run import Run, stage
from lca.orchestration.stages.runtimes import deployed_runtime, runtime_fields
from lca.records import EnergyRecord, Variant, VariantBenchmark
from lca.run_layout import beside

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

    from lca.study.schema import Study


@stage
def measure_idle(run: Run) -> str:
    """The machine's idle power, with the same tracker, in the same run as the benchmarks."""
    if run.source is not None:
        return run.source.idle_energy

    from lca.ml.energy import measure_idle as idle

    study = run.study
    record = idle(study.benchmark.idle_window_seconds, study.deployment.country, **run.sampling)
    return run.save(record, run.layout.idle_energy)


@stage
def benchmark(run: Run, dataset_key: str, variant_key: str, idle_key: str | None = None) -> str:
    if run.source is not None:
        return reassess.benchmark(run, variant_key)

    import torch

    from lca.ml.benchmarking import benchmark_variant
    from lca.ml.data import load_split
    from lca.ml.device import select_device
    from lca.ml.models import load_model, make_importable
    from lca.ml.routing import DeliveredQuality

    study = run.study
    variant = run.load(Variant, variant_key)
    local_dataset = run.fetch_dataset(dataset_key)
    test = load_split(local_dataset, "test")
    train_targets = load_split(local_dataset, "train").y_true  # the trivial baseline learns from these
    validation = load_split(local_dataset, "validation") if study.routing.needs_validation else None
    make_importable(study.model)
    torch.manual_seed(study.training.seed)
    model = load_model(run.fetch(variant.model_path))
    example = torch.from_numpy(test.x[:8])
    deployed, prepared = deployed_runtime(run, variant.name, model, example, study.benchmark.all_batch_sizes())
    reference = None
    if variant.name != "baseline":  # run interleaved with the variant, for the paired speed and energy verdicts
        baseline = load_model(run.fetch(run.load(Variant, run.layout.variant("baseline")).model_path))
        _, base_prepared = deployed_runtime(run, "baseline", baseline, example, study.benchmark.all_batch_sizes())
        reference = base_prepared if base_prepared is not None else baseline
    result = benchmark_variant(
        variant=variant.name,
        description=variant.description,
        model=model,
        test=test,
        task_spec=study.task,
        spec=study.benchmark,
        routing=study.routing,
        country_iso3=study.deployment.country,
        idle=run.load(EnergyRecord, idle_key) if idle_key else None,
        per_item_path=run.local(run.layout.per_item(variant.name)),
        train_y=train_targets,
        device=select_device(study.deployment.device),
        validation=validation,
        delivered=DeliveredQuality.of(study),
        routing_seed=study.dataset.seed,
        prepared=prepared,
        reference=reference,
        floor=_seasonal_floor(study, local_dataset),
    )
    if deployed is not None:
        result = result.model_copy(update=runtime_fields(deployed, run.measured.runtimes(variant.name), prepared))
    if result.per_item_file:  # stored before the record that names it
        run.put(run.layout.per_item(variant.name))
    return run.save(result, run.layout.benchmark(variant.name))


def _seasonal_floor(study: Study, local_dataset: Path) -> tuple[str, np.ndarray] | None:
    """A forecast's floor is its seasonal naive column when the study names it (baselines.seasonal_floor)."""
    columns = study.baselines.seasonal_floor
    if columns is None:
        return None
    from lca.ml.data import seasonal_floor

    name = f"seasonal naive forecast (column{'s' if len(columns) > 1 else ''} {', '.join(columns)})"
    return name, seasonal_floor(local_dataset, "test", columns)


@stage
def score_variants(run: Run, benchmark_keys: list[str]) -> list[str]:
    """Quality loss of every variant against the baseline, and the study's limit flag (not a filter)."""
    if run.source is not None:
        return reassess.scored(run, benchmark_keys)

    from lca.ml.benchmarking import score_against_baseline

    loaded = [run.load(VariantBenchmark, k) for k in benchmark_keys]
    for b, k in zip(loaded, benchmark_keys):
        if b.per_item_file:  # named relative to its record: fetched beside this host's copy of it
            run.fetch(beside(k, b.per_item_file))
    scored = score_against_baseline(loaded, run.study.benchmark.alpha)
    out_dir = run.local(run.layout.scored("baseline")).parent
    sources = {b.variant: run.local(k).parent for b, k in zip(loaded, benchmark_keys)}
    scored = [_relocate_per_item(b, sources[b.variant], out_dir) for b in scored]
    scored = _against_classical(run, scored, out_dir)
    _quality_bootstrap(run, scored, out_dir)
    return [run.save(b, run.layout.scored(b.variant)) for b in scored]


def _relocate_per_item(b: VariantBenchmark, source: Path, target: Path) -> VariantBenchmark:
    """``per_item_file`` is relative to its record: rewrite it for the scored copy's folder."""
    import os

    if not b.per_item_file:
        return b
    return b.model_copy(update={"per_item_file": os.path.relpath(source / b.per_item_file, target)})


def _against_classical(run: Run, scored: list[VariantBenchmark], folder: Path) -> list[VariantBenchmark]:
    """Each ML variant tested against the classical baseline on the same items (lca.ml.classical_comparison)."""
    from lca.ml.benchmarking import read_per_item
    from lca.ml.classical_comparison import against_classical
    from lca.ml.tasks import task_for
    from lca.study.baselines import METHODS, method_for

    study = run.study
    if not study.classical_names() or any(not b.per_item_file for b in scored):
        return scored
    items = {b.variant: read_per_item((folder / b.per_item_file).resolve()) for b in scored}
    label = METHODS[method_for(study.baselines, study.task.kind)]
    return against_classical(scored, items, task_for(study.task.kind), study.task, label)


def _quality_bootstrap(run: Run, scored: list[VariantBenchmark], folder: Path) -> str | None:
    """Paired bootstrap of routed shares and primary metrics (lca.ml.quality_bootstrap), beside the benchmarks.

    Skipped (the Monte Carlo then falls back on each stage's declared spread) when a
    benchmark carries no per-item file, e.g. one written before per-item files existed.
    """
    from lca.ml.benchmarking import read_per_item
    from lca.ml.quality_bootstrap import paired_bootstrap, write_bootstrap
    from lca.ml.tasks import task_for
    from lca.records import QualityBootstrap

    if not scored or any(not b.per_item_file for b in scored):
        return None
    order = sorted(scored, key=lambda b: b.variant != "baseline")
    items = {b.variant: read_per_item((folder / b.per_item_file).resolve()) for b in order}
    spec = run.study.lca
    record, shares = paired_bootstrap(
        order, items, task_for(run.study.task.kind), run.study.task, spec.monte_carlo_iterations, spec.seed
    )
    key = run.layout.quality_bootstrap
    written = write_bootstrap(run.local(key).parent, record, [b.variant for b in order], shares)
    run.put(beside(key, QualityBootstrap.load(written).draws_file))  # the draws before the record that names them
    return run.store.put(written, key)


def benchmark_table(benchmarks: list[VariantBenchmark]):
    """One row per variant: quality metrics, loss against the baseline, latency per batch size, energy."""
    import pandas as pd

    rows = []
    for b in benchmarks:
        row = {
            "variant": b.variant,
            "primary_metric": b.primary_metric,
            "primary_value": b.primary_value,
            **{f"quality_{name}": value for name, value in b.quality.items()},
            "accuracy": b.accuracy,
            "quality_loss": b.quality_loss,
            "exceeds_max_quality_loss": b.exceeds_max_quality_loss,
            "energy_per_item_kwh": b.energy_per_item_kwh,
            "dynamic_energy_per_item_kwh": b.dynamic_energy_per_item_kwh,
            "energy_resolved": b.energy_resolved,
            "energy_bound": b.energy_bound or "",
            "energy_contended": b.energy_contended,
            "energy_contention_divisor": b.energy_contention_divisor,
            "idle_power_w": b.idle_power_w,
            "latency_ms_median": b.latency_ms_median,
            **{f"latency_b{s.batch_size}_ms_median": s.median_ms for s in b.latency},
            **{f"latency_b{s.batch_size}_ms_iqr": s.iqr_ms for s in b.latency},
            "items_per_second": b.items_per_second,
            "size_bytes": b.size_bytes,
            "n_parameters": b.n_parameters,
            "routed_fraction": b.routed_fraction,
            "threads": b.threads,
            "energy_method": b.energy.method,
            **_verdict_columns(b),
            **_trivial_columns(b),
        }
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.dropna(axis=1, how="all")  # e.g. accuracy of a regression: absent, not null


def _verdict_columns(b: VariantBenchmark) -> dict:
    """Speed per batch size and energy against the baseline: the verdict, and the statement with its p and alpha.

    Text throughout, so the gate's no-null rule holds for the baseline (the reference, not tested against
    itself) and for a verdict not tested (no p-value).
    """
    none = "the reference" if b.variant == "baseline" else "not tested"
    columns: dict = {}
    for stat in b.latency:
        size = str(stat.batch_size)
        test = b.speed_tests.get(size)
        columns[f"speed_b{size}"] = b.speed_verdicts.get(size, none)
        columns[f"speed_b{size}_test"] = test.statement if test else b.speed_verdicts.get(size, none)
    columns["energy_verdict"] = b.energy_verdict or none
    columns["energy_test"] = b.energy_test.statement if b.energy_test else b.energy_verdict or none
    return columns


def _trivial_columns(b: VariantBenchmark) -> dict:
    if b.trivial is None:
        return {}
    return {
        "trivial_baseline": b.trivial.name,
        "trivial_primary_value": b.trivial.primary_value,
        "better_than_trivial": b.trivial.significantly_better,
        # every metric of the floor, as the variant's quality_* columns (e.g. recall@k and NDCG@k of popularity)
        **{f"trivial_{metric}": value for metric, value in b.trivial.quality.items()},
    }


@stage
def check_benchmarks(run: Run, benchmark_keys: list[str]) -> str:
    if run.source is not None and (reused := reassess.benchmark_gate(run)):
        return reused

    from lca.ml.quality_gates import check_benchmarks as gate
    from lca.ml.quality_gates import check_better_than_trivial
    from lca.study.metrics import METRICS

    benchmarks = [run.load(VariantBenchmark, k) for k in benchmark_keys]
    table = benchmark_table(benchmarks)
    table_key = run.layout.benchmark_table
    table.to_csv(run.local(table_key), index=False)
    run.put(table_key)
    bounds = {f"quality_{name}": (m.lower, m.upper) for name, m in METRICS[run.study.task.kind].items()}
    result = gate(table, expected_variants=run.study.variant_names(), source=table_key, metric_bounds=bounds)
    result.warnings = check_better_than_trivial(
        # the study file's name, not its host path: the record travels between hosts
        benchmarks,
        required=run.study.task.require_better_than_trivial,
        source=run.study_path.name,
    )
    return run.save(result, run.layout.benchmark_gate)
