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
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lca import __version__
from lca.assessment.comparison import MONTE_CARLO_COLUMNS, describe_uncertainty, result_rows
from lca.errors import OutputExistsError
from lca.records import DatasetCard, EnergyRecord, GateResult, LciaResults, StudyInventory, VariantBenchmark
from lca.reporting.assessment_sections import cited_lca_parameters, lca_context
from lca.reporting.index import REPORT_HTML
from lca.reporting.legend import Notes, energy_method_note
from lca.reporting.ml_charts import pareto_front
from lca.settings import safe_name
from lca.storage import REPORTS, ArtifactStore, is_local, join, new_scratch
from lca.study.impact_methods import GWP100
from lca.study.reference_data import Parameter, grid_table, resolve
from lca.study.schema import Study

RESULTS_CSV = "results.csv"
MANIFEST = "manifest.json"
PARETO_PNG = "pareto_quality_energy.png"
# Above this max/min ratio a linear axis shows the smaller bars as zero.
LOG_SCALE_SPREAD = 100.0

RESULT_COLUMNS = (
    "scenario",
    "label",
    "is_reference",
    "method",
    "unit",
    "score",
    "ratio_to_reference",
    "grid_electricity_kwh",
    "accuracy",
    "primary_metric",
    "primary_value",
    "quality_loss",
    "exceeds_max_quality_loss",
    "energy_per_item_kwh",
    "dynamic_energy_per_item_kwh",
    "energy_resolved",
    "energy_bound",
    "energy_method",
    "energy_cpu_model",
    "energy_uncertainty",
    *MONTE_CARLO_COLUMNS,
)


@dataclass(frozen=True)
class Chart:
    method: str
    unit: str
    file: str
    log_scale: bool


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
    whatif: dict[str, Any] | None = None,
    inputs: dict[str, str] | None = None,
) -> Any:
    """Publish the run's report folder in the artefact store and return its path there.

    ``whatif`` describes a reassessment (``source_run`` whose measurements it reuses, ``overrides``:
    dicts of ``path``, ``value``, ``original``); the report states it at the top.

    ``monte_carlo``, ``sensitivity`` (:mod:`lca.records`) and ``export_path`` (the
    bw2io Excel export) feed the interpretation sections; without them those
    sections say what was not run. ``inputs`` (key -> SHA-256 of each stored
    file the records came from) identifies what the report is made of; by
    default, the records passed. If the run's report exists complete with the
    same inputs it is returned untouched; with other inputs, OutputExistsError.
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
        _write_csv(staging / RESULTS_CSV, rows)
        lca = lca_context(
            staging,
            study=study,
            inventory=inventory,
            lcia=lcia,
            monte_carlo=monte_carlo,
            sensitivity=sensitivity,
            export_path=export_path,
        )
        charts = _write_charts(staging, rows)
        pareto = _write_pareto(staging, benchmarks)
        html = _render(
            study=study,
            study_path=Path(study_path),
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
        ratio = "reference" if r["is_reference"] else f"{_sig(r['ratio_to_reference'])} x reference"
        lines.append(f"  {r['label']:<{width}}  {_sig(r['score']):>10}  {ratio}")
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


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in RESULT_COLUMNS})


def _write_charts(folder: Path, rows: list[dict[str, Any]]) -> list[Chart]:
    """One horizontal bar chart per method, the reference bar highlighted."""
    # The object-oriented API renders with Agg and never touches pyplot's global
    # backend, so it is safe in a worker, a test or a notebook alike.
    from matplotlib.figure import Figure

    charts = []
    for i, method in enumerate(dict.fromkeys(r["method"] for r in rows), start=1):
        part = [r for r in rows if r["method"] == method]
        values = [r["score"] for r in part]
        positive = [v for v in values if v > 0]
        log_scale = (
            len(positive) == len(values) and len(values) > 1 and max(positive) / min(positive) > LOG_SCALE_SPREAD
        )
        fig = Figure(figsize=(8, 1.2 + 0.55 * len(part)), layout="constrained")
        ax = fig.add_subplot()
        colors = ["#d9822b" if r["is_reference"] else "#2b6cb0" for r in part]
        bars = ax.barh([r["label"] for r in part], values, color=colors)
        ax.invert_yaxis()  # first scenario on top, as in the table
        if log_scale:
            ax.set_xscale("log")
        for bar, r in zip(bars, part):
            note = "reference" if r["is_reference"] else f"{_sig(r['ratio_to_reference'])} x ref."
            ax.annotate(
                f" {_sig(r['score'])} ({note})",
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=8,
            )
        ax.margins(x=0.35)
        unit = part[0]["unit"]
        ax.set_xlabel(f"{unit} per functional unit" + (" (log scale)" if log_scale else ""))
        ax.set_title(method, fontsize=9)
        name = f"scores_{i:02d}.png"
        fig.savefig(folder / name, dpi=110)
        charts.append(Chart(method=method, unit=unit, file=name, log_scale=log_scale))
    return charts


def _write_pareto(folder: Path, benchmarks: list[VariantBenchmark]) -> str | None:
    """The quality-vs-energy chart of the variants (lca.reporting.ml_charts), when they carry a primary metric."""
    from lca.reporting.ml_charts import pareto_chart

    if not any(b.primary_value is not None for b in benchmarks):
        return None
    return pareto_chart(benchmarks, folder / PARETO_PNG).name


def _render(
    *,
    study: Study,
    study_path: Path,
    run_id: str,
    inventory: StudyInventory,
    rows: list[dict[str, Any]],
    charts: list[Chart],
    benchmarks: list[VariantBenchmark],
    training_energy: EnergyRecord,
    compression_energy: dict[str, EnergyRecord],
    gates: list[GateResult],
    pareto: str | None = None,
    dataset_card: DatasetCard | None = None,
    lca: dict[str, Any] | None = None,
    whatif: dict[str, Any] | None = None,
) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lca.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in the template fails the task, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sig"] = _sig
    env.filters["size"] = _size
    env.filters["uncertainty"] = describe_uncertainty
    env.filters["grouped"] = _grouped
    env.filters["first_sentence"] = _first_sentence
    energy_windows = [training_energy, *compression_energy.values(), *(b.energy for b in benchmarks)]
    energy_notes = Notes()
    energy_rows = [(e, energy_notes.ref(*energy_method_note(e))) for e in energy_windows]
    return env.get_template("report.html.j2").render(
        study=study,
        study_file=study_path,
        study_sha256=_sha256(study_path),
        run_id=run_id,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        inventory=inventory,
        tables=[(chart, [r for r in rows if r["method"] == chart.method]) for chart in charts],
        benchmarks=benchmarks,
        energy_windows=energy_windows,
        energy_rows=energy_rows,
        energy_notes=energy_notes,
        energy_groups=_energy_groups(energy_rows),
        energy_total_kwh=sum(e.energy_kwh for e in energy_windows),
        energy_total_s=sum(e.duration_s for e in energy_windows),
        stage_notes=Notes(),
        background_notes=Notes(),
        whatif=whatif,
        gates=gates,
        grid=grid_table().factor(study.deployment.country),
        grid_used=inventory.grid_kg_co2e_per_kwh,
        parameters=_cited_parameters(study),
        results_csv=RESULTS_CSV,
        pareto=pareto,
        dataset_card=dataset_card,
        pareto_front=pareto_front(benchmarks) if pareto else [],
        lca=lca,
    )


def _first_sentence(text: str) -> str:
    """Up to the first full stop followed by a space (numbers such as 0.104 keep their decimals)."""
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _grouped(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Rows grouped by ``key`` in first-seen order (Jinja's own groupby sorts the groups)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return list(groups.items())


def _energy_groups(energy_rows: list[tuple[EnergyRecord, str]]) -> list[dict[str, Any]]:
    """The energy windows summed by kind of stage (training, compression, inference...), in first-seen order."""
    groups: dict[str, dict[str, Any]] = {}
    for record, note in energy_rows:
        kind = record.stage.split(":", 1)[0].replace("_", " ")
        g = groups.setdefault(kind, {"kind": kind, "count": 0, "duration_s": 0.0, "energy_kwh": 0.0, "notes": []})
        g["count"] += 1
        g["duration_s"] += record.duration_s
        g["energy_kwh"] += record.energy_kwh
        if note not in g["notes"]:
            g["notes"].append(note)
    return list(groups.values())


def _cited_parameters(study: Study) -> list[tuple[str, Parameter]]:
    return [
        ("Power usage effectiveness (PUE) of the datacentre", resolve(study.deployment.pue)),
        ("Reference: time per item", resolve(study.reference.time_per_item)),
        ("Reference: power of the device used", resolve(study.reference.device_power)),
        *cited_lca_parameters(study),
    ]


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


def _sig(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def _size(n_bytes: float) -> str:
    """Decimal units, as file managers show them."""
    if n_bytes < 1000:
        return f"{n_bytes:.0f} B"
    for unit in ("kB", "MB"):
        n_bytes /= 1000
        if n_bytes < 1000:
            return f"{n_bytes:.1f} {unit}"
    return f"{n_bytes / 1000:.1f} GB"
