"""The stages of a study run, one function per Airflow task.

Each stage reads the files earlier stages wrote and returns the path(s) of
what it wrote, so tasks exchange only paths through XCom and every stage can
be run and tested without Airflow. Heavy libraries are imported inside the
stages: the DAG file imports this module lazily, task by task.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lca.orchestration.termination import honour_sigterm, raise_if_terminated
from lca.records import EnergyRecord, LciaResults, StudyInventory, VariantBenchmark
from lca.settings import runs_dir, safe_name
from lca.study.schema import Study, load_study


@dataclass(frozen=True)
class Run:
    """One execution of one study: where its files go."""

    study_path: Path
    run_id: str

    @cached_property
    def study(self) -> Study:
        return load_study(self.study_path)

    @property
    def dir(self) -> Path:
        return runs_dir() / self.study.name / safe_name(self.run_id)

    def path(self, *parts: str) -> Path:
        target = self.dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def _run(study_path: str | Path, run_id: str) -> Run:
    """Every stage starts here, so every stage honours SIGTERM (lca.orchestration.termination)."""
    honour_sigterm()
    raise_if_terminated()
    return Run(Path(study_path), run_id)


def _sampling(study: Study) -> dict[str, float]:
    """Every stage is tracked at the study's sampling interval (lca.study.energy_windows)."""
    return {"measure_power_secs": study.benchmark.sampling_interval_seconds}


@dataclass(frozen=True)
class Variant:
    """A trained or compressed model on disk, with what it is and what making it cost."""

    name: str
    model_path: str
    description: str
    energy_path: str

    def save(self, path: Path) -> str:
        path.write_text(json.dumps(self.__dict__, indent=2))
        return str(path)

    @classmethod
    def load(cls, path: str | Path) -> "Variant":
        return cls(**json.loads(Path(path).read_text()))


# --- data -----------------------------------------------------------------


def prepare_data(study_path: str, run_id: str) -> str:
    """Write the dataset (``dataset_SYNTHETIC.csv`` when generated) and its card next to it."""
    from lca.ml import data
    from lca.ml.energy import track_energy

    run = _run(study_path, run_id)
    spec = run.study.dataset
    out = run.path("data", data.dataset_filename(spec))
    # Measured like every other stage, so data preparation is an inventory stage of its own.
    with track_energy("data_preparation", run.study.deployment.country, **_sampling(run.study)) as measurement:
        written = data.prepare_dataset(spec, out, task_kind=run.study.task.kind)
    measurement.record.save(run.path("energy", "data_preparation.json"))
    return str(written)


def check_data(study_path: str, run_id: str, dataset_path: str) -> str:
    import pandas as pd

    from lca.ml.data import SPLIT, load_card
    from lca.ml.quality_gates import check_dataset

    run = _run(study_path, run_id)
    card = load_card(dataset_path)
    result = check_dataset(
        pd.read_csv(dataset_path),
        feature_columns=card.feature_columns,
        extra_columns=[*card.id_columns, SPLIT],
        label_column=card.target_columns if len(card.target_columns) > 1 else card.target_columns[0],
        allowed_labels=card.labels,
        label_range=card.target_range,
        value_range=card.feature_ranges,
        source=dataset_path,
    )
    return str(result.save(run.path("gates", "dataset.json")))


def _n_outputs(study: Study, card) -> int:
    from lca.ml.tasks import task_for

    return task_for(study.task.kind).n_outputs(card.n_classes, len(card.target_columns))


# --- models ----------------------------------------------------------------


def train(study_path: str, run_id: str, dataset_path: str) -> str:
    from lca.ml.data import load_card, load_split
    from lca.ml.device import select_device
    from lca.ml.energy import track_energy
    from lca.ml.models import build_model, count_parameters, save_model
    from lca.ml.tasks import task_for
    from lca.ml.training import fit, seed_everything

    run = _run(study_path, run_id)
    study = run.study
    card = load_card(dataset_path)
    train_split = load_split(dataset_path, "train", card)
    task = task_for(study.task.kind)
    seed_everything(study.training.seed)
    device = select_device(study.deployment.device)
    model = build_model(study.model, card.input_shape, _n_outputs(study, card))
    with track_energy("training", study.deployment.country, device=device.type, **_sampling(study)) as measurement:
        fit(
            model,
            train_split.x,
            train_split.y,
            epochs=study.training.epochs,
            batch_size=study.training.batch_size,
            learning_rate=study.training.learning_rate,
            seed=study.training.seed,
            loss=task.loss,
            device=device,
        )
    model_path = run.path("models", "baseline.pt")
    save_model(model.cpu(), model_path)  # saved on the CPU: the next task may run elsewhere
    energy_path = measurement.record.save(run.path("energy", "training.json"))
    description = (
        f"{study.model.architecture} ({count_parameters(model)[0]:,} parameters) trained for "
        f"{study.training.epochs} epoch(s) on {len(train_split)} items of {card.banner()} "
        f"(Adam, lr {study.training.learning_rate}, seed {study.training.seed}, {study.task.kind} loss, on {device.type})."
    )
    return Variant("baseline", str(model_path), description, str(energy_path)).save(run.path("models", "baseline.json"))


def compress(study_path: str, run_id: str, dataset_path: str, baseline_path: str, name: str) -> str:
    from lca.ml.compression import CompressionContext
    from lca.ml.compression import compress as apply_compression
    from lca.ml.data import load_card, load_split
    from lca.ml.device import select_device
    from lca.ml.energy import track_energy
    from lca.ml.models import load_model, make_importable, save_model
    from lca.ml.tasks import task_for
    from lca.ml.training import seed_everything

    run = _run(study_path, run_id)
    study = run.study
    spec = study.compression_spec(name)
    card = load_card(dataset_path)
    train_split = load_split(dataset_path, "train", card)
    make_importable(study.model)
    baseline = load_model(Variant.load(baseline_path).model_path)
    device = select_device(study.deployment.device)
    ctx = CompressionContext(
        train_split.x, train_split.y, study.training, task_for(study.task.kind), _n_outputs(study, card),
        device=device.type, model_spec=study.model,
    )
    seed_everything(study.training.seed)
    # An architecture variant is trained here from scratch: its record is a training, not a compression.
    stage = f"training:{name}" if name in study.architecture_names() else f"compression:{name}"
    with track_energy(stage, study.deployment.country, device=device.type, **_sampling(study)) as measurement:
        model, description = apply_compression(spec, baseline, ctx)
    model_path = run.path("models", f"{name}.pt")
    save_model(model.cpu(), model_path)
    energy_path = measurement.record.save(run.path("energy", f"compression_{name}.json"))
    return Variant(name, str(model_path), description, str(energy_path)).save(run.path("models", f"{name}.json"))


def measure_idle(study_path: str, run_id: str) -> str:
    """The machine's idle power, with the same tracker, in the same run as the benchmarks."""
    from lca.ml.energy import measure_idle as idle

    run = _run(study_path, run_id)
    study = run.study
    record = idle(study.benchmark.idle_window_seconds, study.deployment.country, **_sampling(study))
    return str(record.save(run.path("energy", "idle.json")))


def benchmark(study_path: str, run_id: str, dataset_path: str, variant_path: str, idle_path: str | None = None) -> str:
    import torch

    from lca.ml.benchmarking import benchmark_variant
    from lca.ml.data import load_split
    from lca.ml.device import select_device
    from lca.ml.models import load_model, make_importable

    run = _run(study_path, run_id)
    study = run.study
    variant = Variant.load(variant_path)
    test = load_split(dataset_path, "test")
    train_targets = load_split(dataset_path, "train").y_true  # the trivial baseline learns from these
    make_importable(study.model)
    torch.manual_seed(study.training.seed)
    result = benchmark_variant(
        variant=variant.name,
        description=variant.description,
        model=load_model(variant.model_path),
        test=test,
        task_spec=study.task,
        spec=study.benchmark,
        routing=study.routing,
        country_iso3=study.deployment.country,
        idle=EnergyRecord.load(idle_path) if idle_path else None,
        per_item_path=run.path("benchmarks", f"{variant.name}.items.npz"),
        train_y=train_targets,
        device=select_device(study.deployment.device),
    )
    return str(result.save(run.path("benchmarks", f"{variant.name}.json")))


def score_variants(study_path: str, run_id: str, benchmark_paths: list[str]) -> list[str]:
    """Quality loss of every variant against the baseline, and the study's limit flag (not a filter)."""
    from lca.ml.benchmarking import score_against_baseline

    run = _run(study_path, run_id)
    loaded = [VariantBenchmark.load(p) for p in benchmark_paths]
    scored = score_against_baseline(loaded)
    out_dir = run.path("benchmarks", "scored", "x").parent
    sources = {b.variant: Path(p).parent for b, p in zip(loaded, benchmark_paths)}
    scored = [_relocate_per_item(b, sources[b.variant], out_dir) for b in scored]
    _quality_bootstrap(run, scored, out_dir)
    return [str(b.save(out_dir / f"{b.variant}.json")) for b in scored]


def _relocate_per_item(b: VariantBenchmark, source: Path, target: Path) -> VariantBenchmark:
    """``per_item_file`` is relative to its record: rewrite it for the scored copy's folder."""
    import os

    if not b.per_item_file:
        return b
    return b.model_copy(update={"per_item_file": os.path.relpath(source / b.per_item_file, target)})


def _quality_bootstrap(run: Run, scored: list[VariantBenchmark], folder: Path) -> str | None:
    """Paired bootstrap of routed shares and primary metrics (lca.ml.quality_bootstrap), beside the benchmarks.

    Skipped (the Monte Carlo then falls back on each stage's declared spread) when a
    benchmark carries no per-item file, e.g. one written before per-item files existed.
    """
    from lca.ml.benchmarking import read_per_item
    from lca.ml.quality_bootstrap import paired_bootstrap, write_bootstrap
    from lca.ml.tasks import task_for

    if not scored or any(not b.per_item_file for b in scored):
        return None
    order = sorted(scored, key=lambda b: b.variant != "baseline")
    items = {b.variant: read_per_item((folder / b.per_item_file).resolve()) for b in order}
    spec = run.study.lca
    record, shares = paired_bootstrap(
        order, items, task_for(run.study.task.kind), run.study.task, spec.monte_carlo_iterations, spec.seed
    )
    return str(write_bootstrap(run.path("benchmarks", "quality_bootstrap.json").parent, record,
                               [b.variant for b in order], shares))


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
            **{f"speed_b{size}": verdict for size, verdict in b.speed_verdicts.items()},
            "energy_verdict": b.energy_verdict,
            **_trivial_columns(b),
        }
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.dropna(axis=1, how="all")  # e.g. accuracy of a regression: absent, not null


def _trivial_columns(b: VariantBenchmark) -> dict:
    if b.trivial is None:
        return {}
    return {
        "trivial_baseline": b.trivial.name,
        "trivial_primary_value": b.trivial.primary_value,
        "better_than_trivial": b.trivial.significantly_better,
    }


def check_benchmarks(study_path: str, run_id: str, benchmark_paths: list[str]) -> str:
    from lca.ml.quality_gates import check_benchmarks as gate
    from lca.ml.quality_gates import check_better_than_trivial
    from lca.study.metrics import METRICS

    run = _run(study_path, run_id)
    benchmarks = [VariantBenchmark.load(p) for p in benchmark_paths]
    table = benchmark_table(benchmarks)
    table_path = run.path("benchmarks", "benchmarks.csv")
    table.to_csv(table_path, index=False)
    bounds = {f"quality_{name}": (m.lower, m.upper) for name, m in METRICS[run.study.task.kind].items()}
    result = gate(table, expected_variants=run.study.variant_names(), source=str(table_path), metric_bounds=bounds)
    result.warnings = check_better_than_trivial(
        benchmarks, required=run.study.task.require_better_than_trivial, source=str(run.study_path)
    )
    return str(result.save(run.path("gates", "benchmarks.json")))


# --- life-cycle assessment --------------------------------------------------


def build_inventory(study_path: str, run_id: str, variant_paths: list[str], benchmark_paths: list[str]) -> str:
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.project import ensure_project
    from lca.assessment.inventory import build_inventory as build

    run = _run(study_path, run_id)
    variants = {v.name: v for v in map(Variant.load, variant_paths)}
    energy = {name: EnergyRecord.load(v.energy_path) for name, v in variants.items()}
    benchmarks = {b.variant: b for b in map(VariantBenchmark.load, benchmark_paths)}
    preparation = run.dir / "energy" / "data_preparation.json"  # written by prepare_data
    inventory = build(
        run.study,
        run_id,
        training=energy["baseline"],
        compression={name: record for name, record in energy.items() if name != "baseline"},
        benchmarks=benchmarks,
        data_preparation=EnergyRecord.load(preparation) if preparation.is_file() else None,
    )
    inventory_path = inventory.save(run.path("lca", "inventory.json"))
    if inventory.allocation != "whole_machine":  # the same run booked the old way, for the sensitivity section
        whole = run.study.model_copy(
            update={"deployment": run.study.deployment.model_copy(update={"allocation": "whole_machine"})}
        )
        build(
            whole,
            run_id,
            training=energy["baseline"],
            compression={name: record for name, record in energy.items() if name != "baseline"},
            benchmarks=benchmarks,
            data_preparation=EnergyRecord.load(preparation) if preparation.is_file() else None,
        ).save(run.path("lca", WHOLE_MACHINE_INVENTORY))
    ensure_project(run.study.impact_methods)
    write_inventory(inventory)
    return str(inventory_path)


WHOLE_MACHINE_INVENTORY = "inventory_whole_machine.json"


def _quality(run: Run):
    """The paired bootstrap of the test set (written by score_variants) and its draws, if this run has them."""
    import numpy as np

    from lca.records import QualityBootstrap

    path = run.dir / "benchmarks" / "quality_bootstrap.json"
    if not path.is_file():
        return None, None
    record = QualityBootstrap.load(path)
    with np.load(path.parent / record.draws_file) as data:
        names = [str(n) for n in data["variants"]]
        shares = data["routed_share"].astype(float)
    order = [names.index(v.variant) for v in record.variants]
    return record, shares[order]


# Brightway stores float32-friendly arrays: agreement to about 1e-7 is exact here.
ENGINE_TOLERANCE = 1e-5


def lcia(study_path: str, run_id: str, inventory_path: str) -> str:
    """Brightway's scores of every scenario and stage, checked against the project's engine."""
    from lca.assessment.brightway.foreground import database_name
    from lca.assessment.brightway.lcia import compute_scores_and_stages
    from lca.assessment.engine import compile_model, deterministic, scenario_totals
    from lca.errors import LcaError

    run = _run(study_path, run_id)
    inventory = StudyInventory.load(inventory_path)
    methods = run.study.impact_methods
    results, _ = compute_scores_and_stages(inventory, database_name(inventory), methods)
    model = compile_model(inventory, methods)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    gaps = [
        abs(s.score - totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))])
        / max(abs(s.score), 1e-300)
        for s in results.scores
    ]
    results = results.model_copy(update={"engine_max_rel_diff": max(gaps, default=0.0)})
    if results.engine_max_rel_diff > ENGINE_TOLERANCE:
        raise LcaError(
            f"lca.assessment.engine and Brightway disagree on {inventory_path} by {results.engine_max_rel_diff:.2e} (relative): "
            "the Monte Carlo and sensitivity results would not describe Brightway's model"
        )
    return str(results.save(run.path("lca", "lcia.json")))


def _units(methods) -> dict[tuple[str, ...], str]:
    from lca.assessment.characterization import method_unit

    return {tuple(m): method_unit(m) for m in methods}


def uncertainty(study_path: str, run_id: str, inventory_path: str) -> str:
    """Paired Monte Carlo of every scenario, probabilities of beating the reference and the baseline, break-even."""
    import numpy as np

    from lca.assessment.interpretation import monte_carlo

    run = _run(study_path, run_id)
    spec = run.study.lca
    inventory = StudyInventory.load(inventory_path)
    draws_path = run.path("lca", "monte_carlo.npz")
    quality, shares = _quality(run)
    results, draws = monte_carlo(
        inventory,
        run.study.impact_methods,
        _units(run.study.impact_methods),
        spec.monte_carlo_iterations,
        spec.seed,
        run_id=run_id,
        draws_file=str(draws_path),
        quality=quality,
        quality_shares=shares,
    )
    np.savez_compressed(draws_path, **draws)
    return str(results.save(run.path("lca", "monte_carlo.json")))


def sensitivity(study_path: str, run_id: str, inventory_path: str) -> str:
    """The study on each sensitivity country's grid, and the one-at-a-time tornado of the uncertain inputs."""
    from lca.assessment.interpretation import bootstrap_supplied
    from lca.assessment.interpretation import sensitivity as analyse
    from lca.errors import StudyError

    run = _run(study_path, run_id)
    spec = run.study.lca
    inventory = StudyInventory.load(inventory_path)
    whole_path = Path(inventory_path).with_name(WHOLE_MACHINE_INVENTORY)
    whole = StudyInventory.load(whole_path) if whole_path.is_file() else None
    supplied = bootstrap_supplied(inventory, *_quality(run))
    try:
        results = analyse(
            inventory,
            run.study.impact_methods,
            _units(run.study.impact_methods),
            spec.sensitivity_countries,
            spec.sensitivity_iterations,
            spec.seed,
            spec.tornado_parameters,
            supplied=supplied,
            whole_machine=whole,
        )
    except StudyError as exc:
        raise StudyError(f"{run.study_path}: {exc}") from None
    return str(results.save(run.path("lca", "sensitivity.json")))


def export_inventory(study_path: str, run_id: str, inventory_path: str) -> str:
    """The foreground and the background it uses as a bw2io Excel file (importable in Activity Browser)."""
    from lca.assessment.brightway.export import export_excel
    from lca.assessment.brightway.foreground import database_name

    run = _run(study_path, run_id)
    inventory = StudyInventory.load(inventory_path)
    return str(export_excel(inventory, database_name(inventory), run.path("lca", "inventory.xlsx")))


def compare(
    study_path: str,
    run_id: str,
    lcia_path: str,
    inventory_path: str,
    benchmark_paths: list[str],
    monte_carlo_path: str | None = None,
) -> str:
    import csv

    from lca.assessment.comparison import result_rows
    from lca.assessment.results import MonteCarloResults

    run = _run(study_path, run_id)
    rows = result_rows(
        LciaResults.load(lcia_path),
        StudyInventory.load(inventory_path),
        [VariantBenchmark.load(p) for p in benchmark_paths],
        MonteCarloResults.load(monte_carlo_path) if monte_carlo_path else None,
    )
    path = run.path("lca", "comparison.csv")
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def report(
    study_path: str,
    run_id: str,
    *,
    variant_paths: list[str],
    benchmark_paths: list[str],
    gate_paths: list[str],
    inventory_path: str,
    lcia_path: str,
    dataset_path: str | None = None,
    monte_carlo_path: str | None = None,
    sensitivity_path: str | None = None,
    export_path: str | None = None,
) -> str:
    from lca.assessment.results import MonteCarloResults, SensitivityResults
    from lca.ml.quality_gates import GateResult
    from lca.reporting.run_report import write_report

    run = _run(study_path, run_id)
    variants = {v.name: v for v in map(Variant.load, variant_paths)}
    energy = {name: EnergyRecord.load(v.energy_path) for name, v in variants.items()}
    out = write_report(
        study=run.study,
        study_path=run.study_path,
        run_id=run_id,
        inventory=StudyInventory.load(inventory_path),
        lcia=LciaResults.load(lcia_path),
        benchmarks=[VariantBenchmark.load(p) for p in benchmark_paths],
        training_energy=energy["baseline"],
        compression_energy={n: r for n, r in energy.items() if n != "baseline"},
        gates=[GateResult.load(p) for p in gate_paths],
        **_dataset_card_arg(dataset_path),
        monte_carlo=MonteCarloResults.load(monte_carlo_path) if monte_carlo_path else None,
        sensitivity=SensitivityResults.load(sensitivity_path) if sensitivity_path else None,
        export_path=Path(export_path) if export_path else None,
    )
    return str(out)


def _dataset_card_arg(dataset_path: str | None) -> dict:
    if not dataset_path:
        return {}
    from lca.ml.data import load_card

    return {"dataset_card": load_card(dataset_path)}
