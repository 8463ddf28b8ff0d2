"""The report of one run: a self-contained folder a reader can open from disk or the Airflow UI.

``reports/<study>/<run>/`` in the artefact store (:mod:`lca.storage`) holds
``report.html``, ``results.csv``, one chart per impact method and
``manifest.json``, linked relatively so the folder can be moved, zipped or
served under any URL prefix. A report is evidence: it is built in this host's
scratch folder, published in one step (:meth:`lca.storage.ArtifactStore.publish_folder`)
and never overwritten.

Exactly one report per run, however often the task runs: ``manifest.json``
records the SHA-256 of every input the report was made from. A retry that finds
the run's report complete with the same inputs returns it and writes nothing; a
complete report made from other inputs is refused (OutputExistsError); a partial
one (an attempt killed while putting files on an object store) is replaced.

This module builds and publishes the folder; what goes in it comes from the
sections (:mod:`~lca.reporting.impact_section`, :mod:`~lca.reporting.lca_sections`,
:mod:`~lca.reporting.ml_charts`) and the HTML from :mod:`~lca.reporting.render`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lca.assessment.comparison import result_rows
from lca.errors import OutputExistsError
from lca.records import (
    DatasetCard,
    EnergyRecord,
    GateResult,
    LciaResults,
    ReboundRow,
    StudyInventory,
    VariantBenchmark,
)
from lca.reporting.formats import sig
from lca.reporting.impact_section import write_results_csv, write_score_charts
from lca.reporting.index import REPORT_HTML
from lca.reporting.lca_sections import lca_context
from lca.reporting.ml_charts import write_pareto
from lca.reporting.render import render_html
from lca.settings import safe_name
from lca.storage import REPORTS, ArtifactStore, is_local, join, new_scratch
from lca.study.impact_methods import GWP100
from lca.study.schema import Study

MANIFEST = "manifest.json"


def write_report(
    *,
    study: Study,
    study_path: Path,
    run_id: str,
    inventory: StudyInventory,
    lcia: LciaResults,
    benchmarks: list[VariantBenchmark],
    training_energy: EnergyRecord,
    compression_energy: dict[str, EnergyRecord],
    gates: list[GateResult],
    dataset_card: DatasetCard | None = None,
    monte_carlo: Any = None,
    sensitivity: Any = None,
    export_path: Path | None = None,
    rebound: list[ReboundRow] | None = None,
    whatif: dict[str, Any] | None = None,
    inputs: dict[str, str] | None = None,
    before_publish: Callable[[Path], None] | None = None,
) -> Any:
    """Publish the run's report folder in the artefact store and return its path there.

    ``whatif`` describes a reassessment (``source_run`` whose measurements it reuses, ``overrides``:
    dicts of ``path``, ``value``, ``original``); the report states it at the top.

    ``rebound`` (the compare task's rows) is shown beside the main result.
    ``monte_carlo``, ``sensitivity`` (:mod:`lca.records`) and ``export_path`` (the
    bw2io Excel export) feed the interpretation sections; without them those
    sections say what was not run. ``inputs`` (key -> SHA-256 of each stored
    file the records came from) identifies what the report is made of; by
    default, the records passed. If the run's report exists complete with the
    same inputs it is returned untouched; with other inputs, OutputExistsError.

    ``before_publish`` is called with the built folder (a local one) right before it is
    published: whatever must succeed for the run to succeed (the study's history) goes
    there, so that a failure publishes nothing.
    """
    store = ArtifactStore()
    key = join(REPORTS, study.name, safe_name(run_id))
    inputs = (
        inputs
        if inputs is not None
        else _record_inputs(
            inventory,
            lcia,
            benchmarks,
            training_energy,
            compression_energy,
            gates,
            dataset_card,
            monte_carlo,
            sensitivity,
            export_path,
            rebound,
        )
    )
    manifest = {
        "study": study.name,
        "run_id": run_id,
        "study_file": Path(study_path).name,  # not a host path: the checkout may sit elsewhere on each host
        "study_sha256": _sha256(Path(study_path)),
        "inputs": dict(sorted(inputs.items())),
    }
    manifest["inputs_sha256"] = hashlib.sha256(
        json.dumps({k: manifest[k] for k in ("run_id", "study_sha256", "inputs")}, sort_keys=True).encode()
    ).hexdigest()
    existing = _existing(store, key, manifest["inputs_sha256"], run_id)
    if existing is not None:
        return existing
    if is_local(store.path(key)):
        store.path(key).parent.mkdir(parents=True, exist_ok=True)
    staging = new_scratch("report_folder")  # built on this host, then published
    try:
        rows = result_rows(lcia, inventory, benchmarks, monte_carlo)
        write_results_csv(staging, rows)
        lca = lca_context(
            staging,
            study=study,
            inventory=inventory,
            lcia=lcia,
            monte_carlo=monte_carlo,
            sensitivity=sensitivity,
            export_path=export_path,
            rebound=rebound,
            benchmarks=benchmarks,
            energy=[training_energy, *compression_energy.values()],
        )
        charts = write_score_charts(staging, rows)
        pareto = write_pareto(staging, benchmarks)
        html = render_html(
            study=study,
            study_path=Path(study_path),
            study_sha256=manifest["study_sha256"],
            run_id=run_id,
            inventory=inventory,
            rows=rows,
            charts=charts,
            benchmarks=benchmarks,
            training_energy=training_energy,
            compression_energy=compression_energy,
            gates=gates,
            pareto=pareto,
            dataset_card=dataset_card,
            lca=lca,
            whatif=whatif,
        )
        (staging / REPORT_HTML).write_text(html, encoding="utf-8")
        manifest["files"] = {
            p.relative_to(staging).as_posix(): _sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if before_publish is not None:
            before_publish(staging)
        try:
            # On an object store the manifest, then report.html, go last: report.html present means complete.
            return store.publish_folder(staging, key, last=(MANIFEST, REPORT_HTML))
        except FileExistsError:
            existing = _existing(store, key, manifest["inputs_sha256"], run_id)  # another attempt won the race
            if existing is None:
                raise OutputExistsError(
                    f"{store.path(key)}: written by another process while this report was built"
                ) from None
            return existing
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def summary_lines(lcia: LciaResults, inventory: StudyInventory) -> list[str]:
    """One screen for the console: each scenario's GWP100 (or first method) against the reference."""
    method = _headline_method(lcia)
    rows = [r for r in result_rows(lcia, inventory, []) if r["method"] == method]
    unit = rows[0]["unit"] if rows else ""
    lines = [f"{method} [{unit}] for: {inventory.functional_unit}"]
    width = max((len(r["label"]) for r in rows), default=0)
    for r in rows:
        ratio = "reference" if r["is_reference"] else f"{sig(r['ratio_to_reference'])} x reference"
        lines.append(f"  {r['label']:<{width}}  {sig(r['score']):>10}  {ratio}")
    return lines


# --- writing ----------------------------------------------------------------


def _existing(store: ArtifactStore, key: str, fingerprint: str, run_id: str) -> Any:
    """The run's complete report made from the same inputs, or None once no report is there.

    A complete report made from other inputs (or written before manifests
    existed) is refused; a partial one is removed, so this attempt replaces it.
    """
    folder = store.path(key)
    if not folder.exists():
        return None
    complete = store.is_file(join(key, REPORT_HTML))
    if complete and store.is_file(join(key, MANIFEST)):
        if json.loads(store.read_text(join(key, MANIFEST))).get("inputs_sha256") == fingerprint:
            return folder
        raise OutputExistsError(
            f"{folder}: a report for run {run_id!r} already exists, made from other inputs; reports are never "
            "overwritten (trigger a new run, or move that folder away to redo this one)"
        )
    if complete:
        raise OutputExistsError(
            f"{folder}: a report for run {run_id!r} already exists; reports are never overwritten "
            "(trigger a new run, or move that folder away to redo this one)"
        )
    store.remove_tree(key)
    return None


def _record_inputs(*records: Any) -> dict[str, str]:
    """SHA-256 of each record passed to write_report, for callers that do not name stored files."""
    out = {}
    for i, record in enumerate(records):
        if isinstance(record, Path):
            out[f"arg{i}"] = _sha256(record)
            continue
        if isinstance(record, dict):
            record = list(record.items())
        if isinstance(record, (list, tuple)):
            text = json.dumps([_dump(r) for r in record], sort_keys=True, default=str)
        else:
            text = json.dumps(_dump(record), sort_keys=True, default=str)
        out[f"arg{i}"] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _dump(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: _dump(v) for k, v in vars(value).items()}
    return value


def _headline_method(lcia: LciaResults) -> str:
    methods = [tuple(s.method) for s in lcia.scores]
    if not methods:
        raise ValueError(f"LCIA results of run {lcia.run_id!r} hold no scores")
    return " | ".join(GWP100 if GWP100 in methods else methods[0])


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
