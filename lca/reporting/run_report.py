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
    RuntimeSweep,
    StudyInventory,
    VariantBenchmark,
)
from lca.reporting.formats import sig
from lca.reporting.impact_section import RESULTS_CSV, write_results_csv, write_score_charts
from lca.reporting.index import REPORT_HTML
from lca.reporting.lca_sections import lca_context
from lca.reporting.ml_charts import write_pareto
from lca.reporting.render import functional_unit_overridden, render_html
from lca.reporting.runtimes_section import runtimes_section
from lca.reporting.tables_xlsx import write_tables_xlsx
from lca.reporting.vega_bundle import SCRIPT_TAG
from lca.reporting.vega_bundle import sha256 as script_sha256
from lca.settings import safe_name
from lca.storage import REPORTS, ArtifactStore, StoreError, is_local, join, new_scratch
from lca.study.impact_methods import GWP100
from lca.study.report_spec import headline_methods
from lca.study.schema import Study

MANIFEST = "manifest.json"


def write_report(  # noqa: PLR0913  # keyword-only, one per record in the report
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
    runtime_sweeps: list[RuntimeSweep] | None = None,
    before_publish: Callable[[Path], None] | None = None,
) -> Any:
    """Publish the run's report folder in the artefact store and return its path there.

    ``whatif`` describes a reassessment (``source_run`` whose measurements it reuses, ``overrides``:
    dicts of ``path``, ``value``, ``original``); the report states it at the top.

    ``rebound`` (the compare task's rows) is shown beside the main result.
    ``runtime_sweeps`` (the runtimes stage's records, :mod:`lca.records.runtimes`) give the table of every
    variant in every runtime (:mod:`~lca.reporting.runtimes_section`); without them it is left out.
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
        if whatif is not None:
            whatif = {
                **whatif,
                **whatif_changes(store, study.name, whatif.get("source_run"), rows, _headline_method(lcia)),
            }
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
        # Charted: the headline categories only (lca.study.report_spec); the tables and CSVs keep them all.
        charts = write_score_charts(staging, [r for r in rows if r["method"] in headline_labels(study, lcia)])
        pareto = write_pareto(staging, benchmarks)
        runtimes = runtimes_section(staging, runtime_sweeps or [])
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
            runtimes=runtimes,
        )
        write_tables_xlsx(staging)  # from the CSVs the sections wrote (the report links it)
        (staging / REPORT_HTML).write_text(html, encoding="utf-8")
        # The inline scripts the Airflow plugin's CSP lets run in this report: the charts' one, by its hash.
        manifest["scripts_sha256"] = [script_sha256()] if SCRIPT_TAG in html else []
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


# Labels a decision-maker reads without the study's vocabulary (lca.reporting.render uses them too).
PLAIN_NAMES = {"baseline": "uncompressed model"}


def whatif_changes(
    store: ArtifactStore, study_name: str, source_run: str | None, rows: list[dict[str, Any]], method: str
) -> dict[str, Any]:
    """How a reassessment's headline results moved from its source run's, and where that run's report is.

    Read from the source's published ``results.csv`` (the figures its report shows); nothing
    when the run reuses no measurements or the source has no report (e.g. it was moved away).
    """
    import csv
    import io

    if not source_run:
        return {}
    folder = safe_name(source_run)
    try:
        text = store.read_text(join(REPORTS, study_name, folder, RESULTS_CSV))
    except (StoreError, OSError, ValueError):
        return {}
    before = {r["scenario"]: float(r["score"]) for r in csv.DictReader(io.StringIO(text)) if r["method"] == method}
    changes = []
    for r in rows:
        if r["method"] != method or r["scenario"] not in before:
            continue
        old, new = before[r["scenario"]], r["score"]
        changes.append(
            {
                "label": PLAIN_NAMES.get(r["scenario"], r["label"]),
                "before": sig(old),
                "after": sig(new),
                "unit": r["unit"],
                "change": _percent_change(old, new),
            }
        )
    return {"source_report": f"../{folder}/{REPORT_HTML}", "method": method.split(" | ")[-1], "changes": changes}


def _percent_change(old: float, new: float) -> str:
    if old == 0:
        return "n/a"
    pct = (new - old) / abs(old) * 100
    sign = "+" if pct > 0 else "−"  # a minus sign, not a hyphen
    return "±0 %" if round(pct) == 0 else f"{sign}{abs(pct):.0f} %"


def functional_unit_text(inventory: StudyInventory, overrides: dict[str, Any] | None = None) -> str:
    """The functional unit in words that match its figures.

    The study's description is written for its own item count; after a what-if on the
    functional unit it would contradict the figures, so the unit is then stated from its
    fields and the description marked as the study file's.
    """
    paths = [{"path": p} for p in (overrides or {})]
    if not functional_unit_overridden({"overrides": paths}):
        return inventory.functional_unit
    return f"{inventory.items:,} items (what-if; the study file describes: {inventory.functional_unit})"


def summary_lines(lcia: LciaResults, inventory: StudyInventory, overrides: dict[str, Any] | None = None) -> list[str]:
    """One screen for the console: each scenario's GWP100 (or first method) against the reference."""
    method = _headline_method(lcia)
    rows = [r for r in result_rows(lcia, inventory, []) if r["method"] == method]
    unit = rows[0]["unit"] if rows else ""
    lines = [f"{method} [{unit}] for: {functional_unit_text(inventory, overrides)}"]
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


def headline_labels(study: Study, lcia: LciaResults) -> set[str]:
    """The report's labels (``a | b | c``) of the study's headline methods among those scored."""
    methods = list(dict.fromkeys(tuple(s.method) for s in lcia.scores))
    return {" | ".join(m) for m in headline_methods(study.report, methods)}


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
