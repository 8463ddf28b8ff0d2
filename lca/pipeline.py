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

from lca.records import EnergyRecord, LciaResults, StudyInventory, VariantBenchmark
from lca.settings import runs_dir, safe_name
from lca.study import Study, load_study


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
    return Run(Path(study_path), run_id)


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
    from lca.data import prepare_dataset

    run = _run(study_path, run_id)
    return str(prepare_dataset(run.study.dataset, run.path("data", "dataset.csv")))


def check_data(study_path: str, run_id: str, dataset_path: str) -> str:
    import pandas as pd

    from lca.data import SPLIT, schema_for
    from lca.quality_gates import check_dataset

    run = _run(study_path, run_id)
    schema = schema_for(run.study.dataset)
    result = check_dataset(
        pd.read_csv(dataset_path),
        feature_columns=schema.feature_columns,
        extra_columns=[SPLIT],
        label_column=schema.label_column,
        allowed_labels=schema.allowed_labels,
        value_range=schema.value_range,
        source=dataset_path,
    )
    return str(result.save(run.path("gates", "dataset.json")))


# --- models ----------------------------------------------------------------


def train(study_path: str, run_id: str, dataset_path: str) -> str:
    from lca.data import load_split, schema_for
    from lca.energy import track_energy
    from lca.models import build_model, save_model
    from lca.training import accuracy, fit, seed_everything

    run = _run(study_path, run_id)
    study = run.study
    schema = schema_for(study.dataset)
    x, y = load_split(Path(dataset_path), "train", schema)
    seed_everything(study.training.seed)
    model = build_model(study.model)
    with track_energy("training", study.deployment.country) as measurement:
        fit(
            model,
            x,
            y,
            epochs=study.training.epochs,
            batch_size=study.training.batch_size,
            learning_rate=study.training.learning_rate,
            seed=study.training.seed,
        )
    model_path = run.path("models", "baseline.pt")
    save_model(model, model_path)
    energy_path = measurement.record.save(run.path("energy", "training.json"))
    description = (
        f"{study.model.architecture} trained for {study.training.epochs} epoch(s) on {len(y)} items "
        f"(Adam, lr {study.training.learning_rate}, seed {study.training.seed}); "
        f"training accuracy {accuracy(model, x, y):.3f}."
    )
    return Variant("baseline", str(model_path), description, str(energy_path)).save(run.path("models", "baseline.json"))


def compress(study_path: str, run_id: str, dataset_path: str, baseline_path: str, name: str) -> str:
    from lca.compression import compress as apply_compression
    from lca.data import load_split, schema_for
    from lca.energy import track_energy
    from lca.models import load_model, save_model
    from lca.training import seed_everything

    run = _run(study_path, run_id)
    study = run.study
    spec = study.compression_spec(name)
    x, y = load_split(Path(dataset_path), "train", schema_for(study.dataset))
    baseline = load_model(Variant.load(baseline_path).model_path)
    seed_everything(study.training.seed)
    with track_energy(f"compression:{name}", study.deployment.country) as measurement:
        model, description = apply_compression(spec, baseline, x, y, study.training)
    model_path = run.path("models", f"{name}.pt")
    save_model(model, model_path)
    energy_path = measurement.record.save(run.path("energy", f"compression_{name}.json"))
    return Variant(name, str(model_path), description, str(energy_path)).save(run.path("models", f"{name}.json"))


def benchmark(study_path: str, run_id: str, dataset_path: str, variant_path: str) -> str:
    import torch

    from lca.benchmarking import benchmark_variant
    from lca.data import load_split, schema_for
    from lca.models import load_model

    run = _run(study_path, run_id)
    study = run.study
    variant = Variant.load(variant_path)
    x, y = load_split(Path(dataset_path), "test", schema_for(study.dataset))
    torch.manual_seed(study.training.seed)
    result = benchmark_variant(
        variant=variant.name,
        description=variant.description,
        model=load_model(variant.model_path),
        x_test=x,
        y_test=y,
        spec=study.benchmark,
        routing=study.routing,
        country_iso3=study.deployment.country,
    )
    return str(result.save(run.path("benchmarks", f"{variant.name}.json")))


def benchmark_table(benchmarks: list[VariantBenchmark]):
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "variant": b.variant,
                "accuracy": b.accuracy,
                "energy_per_item_kwh": b.energy_per_item_kwh,
                "latency_ms_median": b.latency_ms_median,
                "size_bytes": b.size_bytes,
                "energy_method": b.energy.method,
            }
            for b in benchmarks
        ]
    )


def check_benchmarks(study_path: str, run_id: str, benchmark_paths: list[str]) -> str:
    from lca.quality_gates import check_benchmarks as gate

    run = _run(study_path, run_id)
    table = benchmark_table([VariantBenchmark.load(p) for p in benchmark_paths])
    table_path = run.path("benchmarks", "benchmarks.csv")
    table.to_csv(table_path, index=False)
    result = gate(table, expected_variants=run.study.variant_names(), source=str(table_path))
    return str(result.save(run.path("gates", "benchmarks.json")))


# --- life-cycle assessment --------------------------------------------------


def build_inventory(study_path: str, run_id: str, variant_paths: list[str], benchmark_paths: list[str]) -> str:
    from lca.bw.foreground import write_inventory
    from lca.bw.project import ensure_project
    from lca.inventory import build_inventory as build

    run = _run(study_path, run_id)
    variants = {v.name: v for v in map(Variant.load, variant_paths)}
    energy = {name: EnergyRecord.load(v.energy_path) for name, v in variants.items()}
    benchmarks = {b.variant: b for b in map(VariantBenchmark.load, benchmark_paths)}
    inventory = build(
        run.study,
        run_id,
        training=energy["baseline"],
        compression={name: record for name, record in energy.items() if name != "baseline"},
        benchmarks=benchmarks,
    )
    inventory_path = inventory.save(run.path("lca", "inventory.json"))
    ensure_project(run.study.impact_methods)
    write_inventory(inventory)
    return str(inventory_path)


def lcia(study_path: str, run_id: str, inventory_path: str) -> str:
    from lca.bw.foreground import database_name
    from lca.bw.lcia import compute_scores

    run = _run(study_path, run_id)
    inventory = StudyInventory.load(inventory_path)
    results = compute_scores(inventory, database_name(inventory), run.study.impact_methods)
    return str(results.save(run.path("lca", "lcia.json")))


def compare(study_path: str, run_id: str, lcia_path: str, inventory_path: str, benchmark_paths: list[str]) -> str:
    import csv

    from lca.comparison import result_rows

    run = _run(study_path, run_id)
    rows = result_rows(
        LciaResults.load(lcia_path),
        StudyInventory.load(inventory_path),
        [VariantBenchmark.load(p) for p in benchmark_paths],
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
) -> str:
    from lca.quality_gates import GateResult
    from lca.report import write_report

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
    )
    return str(out)
