"""The stages of a study run, one function per Airflow task.

Each stage reads the files earlier stages stored and returns the key(s) of
what it stored, so tasks exchange only keys of the artefact store
(:mod:`lca.storage`) through XCom, paths relative to its root such as
``runs/digits/<run>/models/baseline.json``, never a path on the worker's
disk. A stage fetches its inputs into a scratch folder of its own on this host
(removed when it returns), works on local files, and stores its outputs back
under fixed keys: run again (an Airflow retry, a cleared task), it replaces
them whole. Every stage can be run and tested without Airflow. Heavy libraries
are imported inside the stages: the DAG file imports this module lazily, task
by task.
"""

from __future__ import annotations

import functools
import json
import shutil
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lca.orchestration.termination import honour_sigterm, raise_if_terminated
from lca.records import EnergyRecord, LciaResults, StudyInventory, VariantBenchmark, as_readable
from lca.settings import safe_name
from lca.storage import RUNS, ArtifactStore, join, new_scratch
from lca.study.loading import load_study
from lca.study.schema import Study

_SCRATCH: ContextVar[Path | None] = ContextVar("lca_stage_scratch", default=None)


def _stage(fn):
    """Run a stage in a scratch folder of its own under this host's cache, removed when it returns."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        scratch = new_scratch(fn.__name__)
        token = _SCRATCH.set(scratch)
        try:
            return fn(*args, **kwargs)
        finally:
            _SCRATCH.reset(token)
            shutil.rmtree(scratch, ignore_errors=True)

    return wrapper


@dataclass(frozen=True)
class Run:
    """One execution of one study: the keys of its files, and this attempt's local copies of them."""

    study_path: Path
    run_id: str

    @cached_property
    def base_study(self) -> Study:
        """The study file as written."""
        return load_study(self.study_path)

    @cached_property
    def study(self) -> Study:
        """The study as this run assumes it: the file with the run's overrides (lca.orchestration.reassess)."""
        from lca.orchestration.reassess import read_settings
        from lca.study.overrides import apply_overrides

        overrides = read_settings(self.base_study.name, self.run_id)["overrides"]
        return apply_overrides(self.study_path, overrides) if overrides else self.base_study

    @cached_property
    def source(self):
        """The store folder of the earlier run whose measurements this run reuses (None: this run measures)."""
        from lca.orchestration.reassess import source_folder

        return source_folder(self.base_study.name, self.run_id)

    @cached_property
    def store(self) -> ArtifactStore:
        return ArtifactStore()

    @property
    def dir(self):
        """The run's folder in the store (a local path on a file:// root): for reading, e.g. in tests."""
        return self.store.path(self.prefix)

    @property
    def measured_prefix(self) -> str:
        """Where this run's measurements are: its own folder, or that of the run it reuses."""
        return self.store.key_of(self.source) if self.source is not None else self.prefix

    @property
    def prefix(self) -> str:
        return join(RUNS, self.study.name, safe_name(self.run_id))

    def key(self, *parts: str) -> str:
        return join(self.prefix, *parts)

    @property
    def scratch(self) -> Path:
        scratch = _SCRATCH.get()
        if scratch is None:
            raise RuntimeError("a Run's files are only reachable inside a stage (see lca.orchestration.stages._stage)")
        return scratch

    def local(self, key: str) -> Path:
        """Where this attempt keeps its copy of ``key`` (the key's own layout, under the scratch folder)."""
        target = self.scratch.joinpath(*join(key).split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def path(self, *parts: str) -> Path:
        """A local file to write the output ``parts`` into, before :meth:`put` stores it."""
        return self.local(self.key(*parts))

    def put(self, *parts: str) -> str:
        """Store the output written at :meth:`path` ``(*parts)``; return its key."""
        return self.store.put(self.path(*parts), self.key(*parts))

    def save(self, record, *parts: str) -> str:
        """Write a record (anything with ``save(path)``) and store it; return its key."""
        record.save(self.path(*parts))
        return self.put(*parts)

    def fetch(self, key: str) -> Path:
        """A local copy of ``key``, fetched from the store for this attempt."""
        return self.store.get(key, self.local(key))

    def fetch_dataset(self, key: str) -> Path:
        """The prepared dataset and its card (which lca.ml.data reads beside it)."""
        from lca.ml.datasets.card import card_key

        local = self.fetch(key)
        self.fetch(card_key(key))
        return local


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
    """A trained or compressed model in the store, with what it is and what making it cost.

    ``model_path`` and ``energy_path`` are keys of the artefact store, not host paths.
    """

    name: str
    model_path: str
    description: str
    energy_path: str

    def save(self, path: Path) -> str:
        path.write_text(json.dumps(self.__dict__, indent=2))
        return str(path)

    @classmethod
    def load(cls, path: str | Path) -> "Variant":
        return cls(**json.loads(as_readable(path).read_text()))


# --- data -----------------------------------------------------------------


@_stage
def prepare_data(study_path: str, run_id: str) -> str:
    """Store the dataset (``dataset_SYNTHETIC.csv`` when generated) and its card next to it."""
    from lca.ml import data
    from lca.ml.datasets.card import card_path
    from lca.ml.energy import track_energy

    run = _run(study_path, run_id)
    spec = run.study.dataset
    name = data.dataset_filename(spec)
    out = run.path("data", name)
    # Measured like every other stage, so data preparation is an inventory stage of its own.
    with track_energy("data_preparation", run.study.deployment.country, **_sampling(run.study)) as measurement:
        data.prepare_dataset(spec, out, task_kind=run.study.task.kind)
    run.save(measurement.record, "energy", "data_preparation.json")
    run.put("data", card_path(out).name)  # the card first: whoever sees the dataset finds its card
    return run.put("data", name)


@_stage
def check_data(study_path: str, run_id: str, dataset_path: str) -> str:
    import pandas as pd

    from lca.ml.data import SPLIT, load_card
    from lca.ml.quality_gates import check_dataset

    run = _run(study_path, run_id)
    local = run.fetch_dataset(dataset_path)
    card = load_card(local)
    result = check_dataset(
        pd.read_csv(local),
        feature_columns=card.feature_columns,
        extra_columns=[*card.id_columns, SPLIT],
        label_column=card.target_columns if len(card.target_columns) > 1 else card.target_columns[0],
        allowed_labels=card.labels,
        label_range=card.target_range,
        value_range=card.feature_ranges,
        source=dataset_path,  # the key: the same on every host
    )
    return run.save(result, "gates", "dataset.json")


def _n_outputs(study: Study, card) -> int:
    from lca.ml.tasks import task_for

    return task_for(study.task.kind).n_outputs(card.n_classes, len(card.target_columns))


# --- models ----------------------------------------------------------------


@_stage
def train(study_path: str, run_id: str, dataset_path: str) -> str:
    from lca.ml.data import load_card, load_split
    from lca.ml.device import select_device
    from lca.ml.energy import track_energy
    from lca.ml.models import build_model, count_parameters, save_model
    from lca.ml.tasks import task_for
    from lca.ml.training import fit, seed_everything

    run = _run(study_path, run_id)
    study = run.study
    local = run.fetch_dataset(dataset_path)
    card = load_card(local)
    train_split = load_split(local, "train", card)
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
    save_model(model.cpu(), run.path("models", "baseline.pt"))  # saved on the CPU: the next task may run elsewhere
    model_key = run.put("models", "baseline.pt")
    energy_key = run.save(measurement.record, "energy", "training.json")
    description = (
        f"{study.model.architecture} ({count_parameters(model)[0]:,} parameters) trained for "
        f"{study.training.epochs} epoch(s) on {len(train_split)} items of {card.banner()} "
        f"(Adam, lr {study.training.learning_rate}, seed {study.training.seed}, {study.task.kind} loss, on {device.type})."
    )
    return run.save(Variant("baseline", model_key, description, energy_key), "models", "baseline.json")


@_stage
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
    local = run.fetch_dataset(dataset_path)
    card = load_card(local)
    train_split = load_split(local, "train", card)
    make_importable(study.model)
    baseline = load_model(run.fetch(Variant.load(run.fetch(baseline_path)).model_path))
    device = select_device(study.deployment.device)
    ctx = CompressionContext(
        train_split.x,
        train_split.y,
        study.training,
        task_for(study.task.kind),
        _n_outputs(study, card),
        device=device.type,
        model_spec=study.model,
    )
    seed_everything(study.training.seed)
    # An architecture variant is trained here from scratch: its record is a training, not a compression.
    stage = f"training:{name}" if name in study.architecture_names() else f"compression:{name}"
    with track_energy(stage, study.deployment.country, device=device.type, **_sampling(study)) as measurement:
        model, description = apply_compression(spec, baseline, ctx)
    save_model(model.cpu(), run.path("models", f"{name}.pt"))
    model_key = run.put("models", f"{name}.pt")
    energy_key = run.save(measurement.record, "energy", f"compression_{name}.json")
    return run.save(Variant(name, model_key, description, energy_key), "models", f"{name}.json")


@_stage
def measure_idle(study_path: str, run_id: str) -> str:
    """The machine's idle power, with the same tracker, in the same run as the benchmarks."""
    from lca.ml.energy import measure_idle as idle

    run = _run(study_path, run_id)
    study = run.study
    record = idle(study.benchmark.idle_window_seconds, study.deployment.country, **_sampling(study))
    return run.save(record, "energy", "idle.json")


@_stage
def benchmark(study_path: str, run_id: str, dataset_path: str, variant_path: str, idle_path: str | None = None) -> str:
    import torch

    from lca.ml.benchmarking import benchmark_variant
    from lca.ml.data import load_split
    from lca.ml.device import select_device
    from lca.ml.models import load_model, make_importable

    run = _run(study_path, run_id)
    study = run.study
    variant = Variant.load(run.fetch(variant_path))
    local_dataset = run.fetch_dataset(dataset_path)
    test = load_split(local_dataset, "test")
    train_targets = load_split(local_dataset, "train").y_true  # the trivial baseline learns from these
    make_importable(study.model)
    torch.manual_seed(study.training.seed)
    result = benchmark_variant(
        variant=variant.name,
        description=variant.description,
        model=load_model(run.fetch(variant.model_path)),
        test=test,
        task_spec=study.task,
        spec=study.benchmark,
        routing=study.routing,
        country_iso3=study.deployment.country,
        idle=EnergyRecord.load(run.fetch(idle_path)) if idle_path else None,
        per_item_path=run.path("benchmarks", f"{variant.name}.items.npz"),
        train_y=train_targets,
        device=select_device(study.deployment.device),
    )
    if result.per_item_file:  # stored before the record that names it
        run.put("benchmarks", result.per_item_file)
    return run.save(result, "benchmarks", f"{variant.name}.json")


@_stage
def score_variants(study_path: str, run_id: str, benchmark_paths: list[str]) -> list[str]:
    """Quality loss of every variant against the baseline, and the study's limit flag (not a filter)."""
    from lca.ml.benchmarking import score_against_baseline

    run = _run(study_path, run_id)
    loaded = [VariantBenchmark.load(run.fetch(p)) for p in benchmark_paths]
    for b, p in zip(loaded, benchmark_paths):
        if b.per_item_file:  # named relative to its record: fetched beside this host's copy of it
            run.fetch(join(p.rsplit("/", 1)[0], b.per_item_file))
    scored = score_against_baseline(loaded)
    out_dir = run.path("benchmarks", "scored", "x").parent
    sources = {b.variant: run.local(p).parent for b, p in zip(loaded, benchmark_paths)}
    scored = [_relocate_per_item(b, sources[b.variant], out_dir) for b in scored]
    _quality_bootstrap(run, scored, out_dir)
    return [run.save(b, "benchmarks", "scored", f"{b.variant}.json") for b in scored]


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
    write_bootstrap(run.path("benchmarks", "quality_bootstrap.json").parent, record, [b.variant for b in order], shares)
    run.put("benchmarks", "quality_bootstrap.npz")  # the draws before the record that names them
    return run.put("benchmarks", "quality_bootstrap.json")


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


@_stage
def check_benchmarks(study_path: str, run_id: str, benchmark_paths: list[str]) -> str:
    from lca.ml.quality_gates import check_benchmarks as gate
    from lca.ml.quality_gates import check_better_than_trivial
    from lca.study.metrics import METRICS

    run = _run(study_path, run_id)
    benchmarks = [VariantBenchmark.load(run.fetch(p)) for p in benchmark_paths]
    table = benchmark_table(benchmarks)
    table.to_csv(run.path("benchmarks", "benchmarks.csv"), index=False)
    table_key = run.put("benchmarks", "benchmarks.csv")
    bounds = {f"quality_{name}": (m.lower, m.upper) for name, m in METRICS[run.study.task.kind].items()}
    result = gate(table, expected_variants=run.study.variant_names(), source=table_key, metric_bounds=bounds)
    result.warnings = check_better_than_trivial(
        # the study file's name, not its host path: the record travels between hosts
        benchmarks,
        required=run.study.task.require_better_than_trivial,
        source=run.study_path.name,
    )
    return run.save(result, "gates", "benchmarks.json")


# --- life-cycle assessment --------------------------------------------------


@_stage
def build_inventory(study_path: str, run_id: str, variant_paths: list[str], benchmark_paths: list[str]) -> str:
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.linking import linked_background
    from lca.assessment.brightway.project import ensure_project
    from lca.assessment.inventory import build_inventory as build

    run = _run(study_path, run_id)
    variants = {v.name: v for v in (Variant.load(run.fetch(p)) for p in variant_paths)}
    energy = {name: EnergyRecord.load(run.fetch(v.energy_path)) for name, v in variants.items()}
    benchmarks = {b.variant: b for b in (VariantBenchmark.load(run.fetch(p)) for p in benchmark_paths)}
    # written by prepare_data, in this run or in the run whose measurements it reuses
    preparation_key = join(run.measured_prefix, "energy", "data_preparation.json")
    preparation = run.fetch(preparation_key) if run.store.is_file(preparation_key) else None
    ensure_project(run.study.impact_methods)
    links, draws = linked_background(run.study)  # the practitioner's own background, if the study links to it

    def inventory_of(study):
        return build(
            study,
            run_id,
            training=energy["baseline"],
            compression={name: record for name, record in energy.items() if name != "baseline"},
            benchmarks=benchmarks,
            data_preparation=EnergyRecord.load(preparation) if preparation else None,
            links=links,
            background_draws=draws,
        )

    inventory = inventory_of(run.study)
    inventory_key = run.save(inventory, "lca", "inventory.json")
    if inventory.allocation != "whole_machine":  # the same run booked the old way, for the sensitivity section
        whole = run.study.model_copy(
            update={"deployment": run.study.deployment.model_copy(update={"allocation": "whole_machine"})}
        )
        run.save(inventory_of(whole), "lca", WHOLE_MACHINE_INVENTORY)
    write_inventory(inventory)
    return inventory_key


WHOLE_MACHINE_INVENTORY = "inventory_whole_machine.json"


def _quality(run: Run):
    """The paired bootstrap of the test set (written by score_variants) and its draws, if this run has them."""
    import numpy as np

    from lca.records import QualityBootstrap

    key = run.key("benchmarks", "quality_bootstrap.json")
    if not run.store.is_file(key):
        return None, None
    record = QualityBootstrap.load(run.fetch(key))
    with np.load(run.fetch(join(key.rsplit("/", 1)[0], record.draws_file))) as data:
        names = [str(n) for n in data["variants"]]
        shares = data["routed_share"].astype(float)
    order = [names.index(v.variant) for v in record.variants]
    return record, shares[order]


# Brightway stores float32-friendly arrays: agreement to about 1e-7 is exact here.
ENGINE_TOLERANCE = 1e-5


@_stage
def lcia(study_path: str, run_id: str, inventory_path: str) -> str:
    """Brightway's scores of every scenario and stage, checked against the project's engine."""
    from lca.assessment.brightway.foreground import ensure_foreground
    from lca.assessment.brightway.lcia import compute_scores_and_stages
    from lca.assessment.engine import compile_model, deterministic, scenario_totals
    from lca.errors import LcaError

    run = _run(study_path, run_id)
    inventory = StudyInventory.load(run.fetch(inventory_path))
    methods = run.study.impact_methods
    # This host's own Brightway project: the run's database is rebuilt here if another host wrote it.
    results, _ = compute_scores_and_stages(inventory, ensure_foreground(inventory, methods), methods)
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
    return run.save(results, "lca", "lcia.json")


def _units(methods) -> dict[tuple[str, ...], str]:
    from lca.assessment.brightway.layout import method_units

    return method_units(methods)


@_stage
def uncertainty(study_path: str, run_id: str, inventory_path: str) -> str:
    """Paired Monte Carlo of every scenario, probabilities of beating the reference and the baseline, break-even."""
    import numpy as np

    from lca.assessment.interpretation import monte_carlo

    run = _run(study_path, run_id)
    spec = run.study.lca
    inventory = StudyInventory.load(run.fetch(inventory_path))
    draws_path = run.path("lca", "monte_carlo.npz")
    quality, shares = _quality(run)
    results, draws = monte_carlo(
        inventory,
        run.study.impact_methods,
        _units(run.study.impact_methods),
        spec.monte_carlo_iterations,
        spec.seed,
        run_id=run_id,
        draws_file=run.key("lca", "monte_carlo.npz"),
        quality=quality,
        quality_shares=shares,
    )
    np.savez_compressed(draws_path, **draws)
    run.put("lca", "monte_carlo.npz")  # before the results that point at it
    return run.save(results, "lca", "monte_carlo.json")


@_stage
def sensitivity(study_path: str, run_id: str, inventory_path: str) -> str:
    """The study on each sensitivity country's grid, and the one-at-a-time tornado of the uncertain inputs."""
    from lca.assessment.interpretation import bootstrap_supplied
    from lca.assessment.interpretation import sensitivity as analyse
    from lca.errors import StudyError

    run = _run(study_path, run_id)
    spec = run.study.lca
    inventory = StudyInventory.load(run.fetch(inventory_path))
    whole_key = join(inventory_path.rsplit("/", 1)[0], WHOLE_MACHINE_INVENTORY)
    whole = StudyInventory.load(run.fetch(whole_key)) if run.store.is_file(whole_key) else None
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
    results = results.model_copy(update={"excluded_stages": _excluded_stages(run, inventory)})
    return run.save(results, "lca", "sensitivity.json")


def _excluded_stages(run: Run, inventory: StudyInventory) -> list:
    """Each stage the study left out at a cited typical value, from this run's own measurements."""
    from lca.assessment.excluded_sensitivity import excluded_stage_sensitivity

    def keys(prefix: str, *parts: str) -> list[str]:
        folder = run.store.path(join(prefix, *parts[:-1]))
        return sorted(run.store.key_of(p) for p in folder.glob(parts[-1])) if folder.is_dir() else []

    # the models and their energy are the measuring run's; the scored benchmarks are this run's (a
    # reassessment copies them, with the routed share of its own rule)
    models = keys(run.measured_prefix, "models", "*.json")
    variants = {v.name: v for v in (Variant.load(run.fetch(k)) for k in models)}
    energy = {name: EnergyRecord.load(run.fetch(v.energy_path)) for name, v in variants.items()}
    scored = keys(run.prefix, "benchmarks", "scored", "*.json")
    benchmarks = {b.variant: b for b in (VariantBenchmark.load(run.fetch(k)) for k in scored)}
    preparation_key = join(run.measured_prefix, "energy", "data_preparation.json")
    preparation = run.fetch(preparation_key) if run.store.is_file(preparation_key) else None
    return excluded_stage_sensitivity(
        run.study,
        inventory,
        run.study.impact_methods,
        _units(run.study.impact_methods),
        training=energy["baseline"],
        compression={name: record for name, record in energy.items() if name != "baseline"},
        benchmarks=benchmarks,
        data_preparation=EnergyRecord.load(preparation) if preparation else None,
    )


@_stage
def export_inventory(study_path: str, run_id: str, inventory_path: str) -> str:
    """The foreground and the background it uses as a bw2io Excel file (importable in Activity Browser)."""
    from lca.assessment.brightway.export import export_excel
    from lca.assessment.brightway.foreground import ensure_foreground

    run = _run(study_path, run_id)
    inventory = StudyInventory.load(run.fetch(inventory_path))
    database = ensure_foreground(inventory, run.study.impact_methods)
    export_excel(inventory, database, run.path("lca", "inventory.xlsx"))
    return run.put("lca", "inventory.xlsx")


@_stage
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
    from lca.records import MonteCarloResults

    run = _run(study_path, run_id)
    rows = result_rows(
        LciaResults.load(run.fetch(lcia_path)),
        StudyInventory.load(run.fetch(inventory_path)),
        [VariantBenchmark.load(run.fetch(p)) for p in benchmark_paths],
        MonteCarloResults.load(run.fetch(monte_carlo_path)) if monte_carlo_path else None,
    )
    path = run.path("lca", "comparison.csv")
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return run.put("lca", "comparison.csv")


@_stage
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
    """Publish the run's report folder and return its key; a retry finds it complete and returns it."""
    from lca.ml.datasets.card import sha256
    from lca.orchestration.reassess import read_settings, whatif
    from lca.records import GateResult, MonteCarloResults, SensitivityResults
    from lca.reporting.history import record_run
    from lca.reporting.run_report import write_report

    run = _run(study_path, run_id)
    inputs: dict[str, Path] = {}  # every stored file the report is made from, by key

    def fetch(key: str) -> Path:
        inputs[key] = run.fetch(key)
        return inputs[key]

    variants = {v.name: v for v in (Variant.load(fetch(p)) for p in variant_paths)}
    energy = {name: EnergyRecord.load(fetch(v.energy_path)) for name, v in variants.items()}
    monte_carlo = None
    if monte_carlo_path:
        monte_carlo = MonteCarloResults.load(fetch(monte_carlo_path))
        # The report reads the draws from this host's copy; the record keeps the key.
        monte_carlo = monte_carlo.model_copy(update={"draws_file": str(fetch(monte_carlo.draws_file))})
    card = None
    if dataset_path:
        from lca.ml.data import load_card
        from lca.ml.datasets.card import card_key

        fetch(card_key(dataset_path))
        card = load_card(run.local(dataset_path))  # the card beside where the dataset would be
    out = write_report(
        study=run.study,
        study_path=run.study_path,
        run_id=run_id,
        inventory=StudyInventory.load(fetch(inventory_path)),
        lcia=LciaResults.load(fetch(lcia_path)),
        benchmarks=[VariantBenchmark.load(fetch(p)) for p in benchmark_paths],
        training_energy=energy["baseline"],
        compression_energy={n: r for n, r in energy.items() if n != "baseline"},
        gates=[GateResult.load(fetch(p)) for p in gate_paths],
        **({"dataset_card": card} if card is not None else {}),
        monte_carlo=monte_carlo,
        sensitivity=SensitivityResults.load(fetch(sensitivity_path)) if sensitivity_path else None,
        export_path=fetch(export_path) if export_path else None,
        whatif=whatif(run.study_path, run.base_study.name, run_id),
        inputs={key: sha256(path) for key, path in sorted(inputs.items())},
    )
    settings = read_settings(run.base_study.name, run_id)
    key = run.store.key_of(out)
    record_run(
        key,
        study_name=run.base_study.name,
        study_path=run.study_path,
        run_id=run_id,
        source_run=settings["reuse_measurements_from"],
        overrides=settings["overrides"],
        store=run.store,
    )
    return key
