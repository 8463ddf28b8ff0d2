"""What-if runs: the measuring stages of a run that reuses an earlier run's measurements.

A run's settings (:mod:`lca.orchestration.run_settings`) may name an earlier run whose
measurements it reuses: then each measuring stage asks its :class:`~lca.orchestration.run.Run`
for that source and hands on the source's files instead of measuring again (data
preparation, gate, training, compression, idle power); only runs whose gates passed can be
reused. A benchmark record is copied into the new run; when the routing rule changed, its
routed share is recomputed from the stored model on the same held-out items (inference
only, no energy window), since that share depends on the rule and not on the energy
measured, and the benchmark gate then checks the copies again.

Like every stage, these hand on keys of the artefact store (:mod:`lca.storage`), never
host paths, so a reassessment works on any root the run itself works on.
"""

from __future__ import annotations

from lca.errors import LcaError
from lca.orchestration.run import Run
from lca.orchestration.run_settings import read_settings
from lca.records import Variant
from lca.run_layout import DATASET_STEM, DATASET_SUFFIX
from lca.study.overrides import overridden
from lca.study.schema import Study


def dataset(run: Run) -> str:
    """The source run's prepared dataset (its name says whether it is synthetic: lca.ml.data.dataset_filename)."""
    folder = run.source.data_folder
    found = [k for k in run.stored_files(folder, DATASET_SUFFIX) if k.rsplit("/", 1)[-1].startswith(DATASET_STEM)]
    if len(found) != 1:
        raise LcaError(f"{run.store.path(folder)}: expected one prepared dataset, found {len(found)}")
    return found[0]


def benchmark(run: Run, variant_key: str) -> str:
    """The source run's scored benchmark of this variant, copied (routed share redone if the rule changed)."""
    from lca.records import VariantBenchmark

    name = run.load(Variant, variant_key).name
    record = run.load(VariantBenchmark, run.source.scored(name))
    if routing_changed(run):
        outcome = _routing(run, variant_key)
        record = record.model_copy(update={"routed_fraction": outcome.routed_fraction, "routing": outcome})
    return run.save(record, run.layout.benchmark(name))


def scored(run: Run, benchmark_keys: list[str]) -> list[str]:
    """The copies are already scored against the baseline (quality loss does not depend on the routing)."""
    from lca.records import VariantBenchmark

    records = [run.load(VariantBenchmark, key) for key in benchmark_keys]
    return [run.save(b, run.layout.scored(b.variant)) for b in records]


def benchmark_gate(run: Run) -> str | None:
    """The source run's passed benchmark gate when the records are the ones it checked; None: check them again."""
    return None if routing_changed(run) else run.source.benchmark_gate


def routing_changed(run: Run) -> bool:
    return _source_study(run).routing != run.study.routing


def _source_study(run: Run) -> Study:
    """The study as the source run assumed it: its snapshot, or for a run older than snapshots, this run's
    study file as written with the source's overrides."""
    from lca.study.bounded_yaml import load_yaml_text
    from lca.study.loading import parse_study

    source = run.source
    if run.is_stored(source.study):
        mapping = load_yaml_text(run.store.read_text(source.study), run.study_path)
    else:
        written = load_yaml_text(run.store.read_text(run.layout.study_as_written), run.study_path)
        mapping = overridden(written, read_settings(run.store, source).overrides, run.study_path)
    return parse_study(mapping, run.study_path)


def _routing(run: Run, variant_key: str):
    """The routed share under this run's rule: the stored model on the source run's held-out items, no energy window."""
    from lca.ml.data import load_split
    from lca.ml.models import load_model, make_importable
    from lca.ml.routing import DeliveredQuality, Held, route_items
    from lca.ml.tasks import task_for
    from lca.ml.training import predict

    study = run.study
    local_dataset = run.fetch_dataset(dataset(run))
    test = load_split(local_dataset, "test")
    make_importable(study.model)
    model = load_model(run.fetch(run.load(Variant, variant_key).model_path))
    model.eval()

    def held(split) -> Held:
        return Held(split.decode(predict(model, split.x)), split.y_true, split.x)

    validation = held(load_split(local_dataset, "validation")) if study.routing.needs_validation else None
    task = task_for(study.task.kind)
    routed = route_items(
        task, study.routing, study.task, held(test), DeliveredQuality.of(study), validation, seed=study.dataset.seed
    )
    return routed.outcome
