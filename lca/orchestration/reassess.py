"""What-if runs: a run's own assumptions, and the earlier run whose measurements it reuses.

The first task of every study run writes ``settings.json`` into the run folder:
the overrides its Params (or ``lca-ml reassess --set``) ask for, validated by the
study schema, and ``reuse_measurements_from``. Every later stage reads the study
through :class:`lca.orchestration.stages.Run`, which applies those overrides, so one
file decides what the whole run assumes.

With a source run, the measuring stages (data preparation, gate, training,
compression, idle power, benchmarks) return that run's files instead of measuring
again: only runs whose gates passed can be reused. A benchmark record is copied into
the new run; when the routing rule changed, its routed share is recomputed from the
stored model on the same held-out items (inference only, no energy window), since
that share depends on the rule and not on the energy measured.

Like every stage, these hand on keys of the artefact store (:mod:`lca.storage`), never
host paths. They read the source run's small records in place through the store's
path objects (pathlib on ``file://``, universal-pathlib on ``s3://`` and the like) and
fetch a model or dataset to this host only when the routed share must be recomputed,
so a reassessment works on any root the run itself works on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from lca.errors import LcaError, StudyError
from lca.settings import safe_name
from lca.storage import ArtifactStore, new_scratch, runs_dir


def _key(path) -> str:
    """The store key of a path under the runs folder: what goes through XCom."""
    return ArtifactStore().key_of(path)


def _path(key: str):
    """The store path of a key (a local path on a file:// root)."""
    return ArtifactStore().path(key)


SETTINGS = "settings.json"


def run_folder(study_name: str, run_id: str) -> Path:
    return runs_dir() / study_name / safe_name(run_id)


def write_settings(study_path: str | Path, run_id: str, params: dict[str, Any] | None) -> str:
    """Validate the run's Params against the study schema and record them; the run's first task."""
    from lca.study import overrides as ov
    from lca.study.loading import load_study

    study_path = Path(study_path)
    base = load_study(study_path)
    params = dict(params or {})
    overrides = ov.from_params(params)
    study = ov.apply_overrides(study_path, overrides) if overrides else base
    source = (params.get("reuse_measurements_from") or "").strip() or None
    if source is not None:
        check_source(base.name, source, study.variant_names())
    folder = run_folder(base.name, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"overrides": overrides, "reuse_measurements_from": source}
    key = _key(folder / SETTINGS)
    scratch = new_scratch("settings")
    try:
        return ArtifactStore().put_text(key, json.dumps(settings, indent=2, default=str), scratch)
    finally:
        scratch.rmdir()


def read_settings(study_name: str, run_id: str) -> dict[str, Any]:
    path = run_folder(study_name, run_id) / SETTINGS
    if not path.is_file():
        return {"overrides": {}, "reuse_measurements_from": None}
    return json.loads(path.read_text())


def check_source(study_name: str, source: str, variants: list[str]) -> Path:
    """The folder of the run to reuse; a clear error unless its data and benchmark gates passed."""
    try:
        folder = run_folder(study_name, source)
    except ValueError:
        raise StudyError(f"reuse_measurements_from: value {source!r}: not a run id") from None
    where = f"reuse_measurements_from: value {source!r}"
    if not folder.is_dir():
        raise StudyError(f"{where}: no run of study '{study_name}' in {folder.parent}")
    folder = measured_folder(folder)
    for gate in ("dataset", "benchmarks"):
        gate_file = folder / "gates" / f"{gate}.json"
        if not gate_file.is_file() or not json.loads(gate_file.read_text()).get("success"):
            raise StudyError(
                f"{where}: its {gate} gate did not pass ({gate_file}); only checked measurements are reused"
            )
    missing = [v for v in variants if not (folder / "benchmarks" / "scored" / f"{v}.json").is_file()]
    if missing:
        raise StudyError(
            f"{where}: it has no scored benchmark of variant(s) {', '.join(missing)} ({folder / 'benchmarks'})"
        )
    return folder


def measured_folder(folder: Path) -> Path:
    """The run that made the measurements: a reassessment of a reassessment leads back to it."""
    seen = set()
    while (folder / SETTINGS).is_file() and folder not in seen:
        seen.add(folder)
        source = json.loads((folder / SETTINGS).read_text()).get("reuse_measurements_from")
        if not source:
            break
        folder = folder.parent / safe_name(source)
    return folder


def source_folder(study_name: str, run_id: str) -> Path | None:
    """The folder of the run whose measurements this one reuses, or None for a run that measures."""
    source = read_settings(study_name, run_id).get("reuse_measurements_from")
    return measured_folder(run_folder(study_name, source)) if source else None


def whatif(study_path: str | Path, study_name: str, run_id: str) -> dict[str, Any] | None:
    """What the report says about a reassessment; None for a plain run."""
    from lca.study import overrides as ov

    settings = read_settings(study_name, run_id)
    if not settings["overrides"] and not settings["reuse_measurements_from"]:
        return None
    return {
        "source_run": settings["reuse_measurements_from"],
        "overrides": ov.describe(study_path, settings["overrides"]),
    }


# --- the measuring stages, short-circuited ------------------------------------------


def _only(folder: Path, pattern: str) -> str:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise LcaError(f"{folder}: expected one {pattern}, found {len(found)}")
    return _key(found[0])


def dataset(source: Path) -> str:
    return _only(source / "data", "dataset*.csv")  # lca.ml.data.dataset_filename


def data_gate(source: Path) -> str:
    return _key(source / "gates" / "dataset.json")


def variant(source: Path, name: str) -> str:
    return _key(source / "models" / f"{name}.json")


def idle(source: Path) -> str:
    return _key(source / "energy" / "idle.json")


def benchmark(run, source: Path, variant_path: str) -> str:
    """The source run's scored benchmark of this variant, copied into this run (routed share redone if the rule changed)."""
    from lca.orchestration.stages import Variant
    from lca.records import VariantBenchmark

    name = Variant.load(_path(variant_path)).name
    record = VariantBenchmark.load(source / "benchmarks" / "scored" / f"{name}.json")
    if routing_changed(run, source):
        record = record.model_copy(update={"routed_fraction": _routed_fraction(run, source, variant_path)})
    return _put_record(record, run.key("benchmarks", f"{name}.json"))


def _put_record(record, key: str) -> str:
    scratch = new_scratch("reassess")
    try:
        return ArtifactStore().put_text(key, record.model_dump_json(indent=2), scratch)
    finally:
        scratch.rmdir()


def scored(run, benchmark_paths: list[str]) -> list[str]:
    """The copies are already scored against the baseline (quality loss does not depend on the routing)."""
    from lca.records import VariantBenchmark

    records = [VariantBenchmark.load(_path(key)) for key in benchmark_paths]
    return [_put_record(b, run.key("benchmarks", "scored", f"{b.variant}.json")) for b in records]


def benchmark_gate(run, source: Path) -> str | None:
    """The source run's passed benchmark gate when the records are the ones it checked; None: check them again."""
    return None if routing_changed(run, source) else _key(source / "gates" / "benchmarks.json")


def routing_changed(run, source: Path) -> bool:
    return _source_study(run, source).routing != run.study.routing


def _source_study(run, source: Path):
    from lca.study import overrides as ov

    settings = read_settings(run.base_study.name, source.name) if (source / SETTINGS).is_file() else {"overrides": {}}
    return ov.apply_overrides(run.study_path, settings["overrides"]) if settings["overrides"] else run.base_study


def _routed_fraction(run, source: Path, variant_path: str) -> float:
    from lca.ml.data import load_split
    from lca.ml.datasets.card import card_key, card_path
    from lca.ml.models import load_model, make_importable
    from lca.ml.tasks import task_for
    from lca.ml.training import predict
    from lca.orchestration.stages import Variant

    study = run.study
    store, scratch = ArtifactStore(), new_scratch("reassess_routing")
    try:
        data_key = dataset(source)
        local_data = store.get(data_key, scratch / "data" / data_key.rsplit("/", 1)[-1])
        store.get(card_key(data_key), card_path(local_data))
        test = load_split(local_data, "test")
        make_importable(study.model)
        model_key = Variant.load(_path(variant_path)).model_path
        model = load_model(store.get(model_key, scratch / "model" / model_key.rsplit("/", 1)[-1]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    model.eval()
    outputs = test.decode(predict(model, test.x))
    return task_for(study.task.kind).routed_fraction(study.routing, outputs, test.y_true, study.task)
