"""What-if runs: the measuring stages of a run that reuses an earlier run's measurements.

The first task of every study run records the run's settings (:mod:`lca.orchestration.run_settings`):
the overrides its Params (or ``lca-ml reassess --set``) ask for, validated by the
study schema, and ``reuse_measurements_from``.

With a source run, the measuring stages (data preparation, gate, training,
compression, idle power, benchmarks) return that run's files instead of measuring
again: only runs whose gates passed can be reused. A benchmark record is copied into
the new run; when the routing rule changed, its routed share is recomputed from the
stored model on the same held-out items (inference only, no energy window), since
that share depends on the rule and not on the energy measured.

Like every stage, these hand on keys of the artefact store (:mod:`lca.storage`), never
host paths, so a reassessment works on any root the run itself works on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.errors import LcaError
from lca.orchestration.layout import DATASET_STEM, DATASET_SUFFIX, RunLayout
from lca.orchestration.run import Run, stage
from lca.orchestration.run_settings import RunSettings, check_source, read_settings
from lca.orchestration.variant import Variant
from lca.storage import ArtifactStore, new_scratch


def write_settings(study_path: str | Path, run_id: str, params: dict[str, Any] | None) -> str:
    """Validate the run's Params against the study schema and record them; the run's first task."""
    from lca.study import overrides as ov
    from lca.study.schema import load_study

    study_path = Path(study_path)
    base = load_study(study_path)
    params = dict(params or {})
    overrides = ov.from_params(params)
    study = ov.apply_overrides(study_path, overrides) if overrides else base
    source = (params.get("reuse_measurements_from") or "").strip() or None
    store = ArtifactStore()
    if source is not None:
        check_source(store, base.name, source, study.variant_names())
    settings = RunSettings(overrides=overrides, reuse_measurements_from=source)
    scratch = new_scratch("settings")
    try:
        return store.put_text(RunLayout.of(base.name, run_id).settings, settings.to_json(), scratch)
    finally:
        scratch.rmdir()


# --- the measuring stages, short-circuited ------------------------------------------


def dataset(run: Run, source: RunLayout) -> str:
    """The source run's prepared dataset (its name says whether it is synthetic: lca.ml.data.dataset_filename)."""
    found = [
        key
        for key in run.stored_files(source.data_folder, DATASET_SUFFIX)
        if key.rsplit("/", 1)[-1].startswith(DATASET_STEM)
    ]
    if len(found) != 1:
        raise LcaError(f"{run.store.path(source.data_folder)}: expected one prepared dataset, found {len(found)}")
    return found[0]


def data_gate(source: RunLayout) -> str:
    return source.dataset_gate


def variant(source: RunLayout, name: str) -> str:
    return source.variant(name)


def idle(source: RunLayout) -> str:
    return source.idle_energy


@stage
def benchmark(run: Run, source: RunLayout, variant_key: str) -> str:
    """The source run's scored benchmark of this variant, copied into this run (routed share redone if the rule changed)."""
    from lca.records import VariantBenchmark

    name = Variant.load(run.fetch(variant_key)).name
    record = VariantBenchmark.load(run.fetch(source.scored(name)))
    if routing_changed(run, source):
        record = record.model_copy(update={"routed_fraction": _routed_fraction(run, source, variant_key)})
    return run.save(record, run.layout.benchmark(name))


@stage
def scored(run: Run, benchmark_keys: list[str]) -> list[str]:
    """The copies are already scored against the baseline (quality loss does not depend on the routing)."""
    from lca.records import VariantBenchmark

    records = [VariantBenchmark.load(run.fetch(key)) for key in benchmark_keys]
    return [run.save(b, run.layout.scored(b.variant)) for b in records]


def benchmark_gate(run: Run, source: RunLayout) -> str | None:
    """The source run's passed benchmark gate when the records are the ones it checked; None: check them again."""
    return None if routing_changed(run, source) else source.benchmark_gate


def routing_changed(run: Run, source: RunLayout) -> bool:
    return _source_study(run, source).routing != run.study.routing


def _source_study(run: Run, source: RunLayout):
    from lca.study import overrides as ov

    overrides = read_settings(run.store, source).overrides
    return ov.apply_overrides(run.study_path, overrides) if overrides else run.base_study


def _routed_fraction(run: Run, source: RunLayout, variant_key: str) -> float:
    from lca.ml.data import load_split
    from lca.ml.models import load_model, make_importable
    from lca.ml.tasks import task_for
    from lca.ml.training import predict

    study = run.study
    test = load_split(run.fetch_dataset(dataset(run, source)), "test")
    make_importable(study.model)
    model = load_model(run.fetch(Variant.load(run.fetch(variant_key)).model_path))
    model.eval()
    outputs = test.decode(predict(model, test.x))
    return task_for(study.task.kind).routed_fraction(study.routing, outputs, test.y_true, study.task)
