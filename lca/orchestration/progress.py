"""One line per finished task for the console: stage, duration, and the figure that matters.

``lca-ml demo`` and ``lca-ml reassess`` run the DAG in-process with Airflow's output sent
to a log file (:func:`quiet_airflow`); a listener (:class:`ProgressListener`) registered
with the task SDK prints a line as each task ends. The figure is read from the file the
task wrote (the same files the report uses), so the console never disagrees with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from lca.run_layout import RunLayout, report_folder
from lca.storage import ArtifactStore, StoreError


def _json(store: ArtifactStore, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(store.read_text(key))
    except (StoreError, OSError, ValueError):  # not written yet, or not readable
        return None


def _energy(store: ArtifactStore, key: str) -> str:
    record = _json(store, key)
    if not record:
        return ""
    return f"{record['energy_kwh']:.3g} kWh over {record['duration_s']:.3g} s"


# The tasks whose output is a measurement (an energy record or a benchmark): what a reassessment reuses.
MEASURING_TASKS = ("prepare_data", "train", "fit_classical", "compress", "runtimes", "measure_idle", "benchmark")


def window_warnings(record: dict[str, Any] | None) -> list[str]:
    """What makes an energy window doubtful, from its record (lca.records.EnergyRecord as JSON)."""
    if not record:
        return []
    out = []
    window = record.get("window") or {}
    if window.get("background_load_high"):
        out.append(f"window suspect: other processes kept {window.get('background_cpu_cores') or 0:.2f} CPU cores busy")
    interval = record.get("sampling_interval_s")
    if interval and record.get("duration_s", 0) < interval:
        out.append(f"window shorter than one power reading ({record['duration_s']:.2g} s < {interval:.2g} s)")
    return out


def variant_of(study, task_id: str, map_index: int | None) -> str | None:
    """The variant a mapped task works on.

    ``benchmark`` and ``runtimes`` map over every variant, ``compress`` over the compressed ones.
    """
    if map_index is None or map_index < 0 or task_id not in ("compress", "benchmark", "runtimes"):
        return None
    variants = study.variant_names()
    index = map_index + 1 if task_id == "compress" else map_index
    return variants[index] if index < len(variants) else None


def task_warnings(study, run_id: str, task_id: str, map_index: int = -1) -> list[str]:
    """The measurement-quality warnings of the record a task wrote (none for a task that measures nothing)."""
    store = ArtifactStore()
    run = RunLayout.of(study.name, run_id)
    name = variant_of(study, task_id, map_index)
    key = {
        "prepare_data": run.data_preparation_energy,
        "train": run.training_energy,
        "measure_idle": run.idle_energy,
        "compress": run.compression_energy(name) if name else None,
    }.get(task_id)
    if key is not None:
        return window_warnings(_json(store, key))
    if task_id == "benchmark" and name:
        return window_warnings((_json(store, run.benchmark(name)) or {}).get("energy"))
    return []


def measurement_warnings(study_name: str, run_id: str) -> list[str]:
    """Every measurement-quality warning of a run, one line each, for the summary.

    Read from the records the run stored, so it needs no study; a reassessment stores no
    measurement of its own and has none (its source's were judged when they were made).
    """
    store = ArtifactStore()
    run = RunLayout.of(study_name, run_id)
    lines = []
    try:
        energy = store.list_files(run.prefix + "/energy", ".json")
        benchmarks = store.list_files(run.prefix + "/benchmarks", ".json")
    except (StoreError, OSError):
        return []
    for key in sorted(energy):
        lines += [f"{key.rsplit('/', 1)[-1].removesuffix('.json')}: {w}" for w in window_warnings(_json(store, key))]
    for key in sorted(k for k in benchmarks if "/scored/" not in k):
        name = key.rsplit("/", 1)[-1].removesuffix(".json")
        lines += [f"benchmark {name}: {w}" for w in window_warnings((_json(store, key) or {}).get("energy"))]
    return lines


def key_figure(study, run_id: str, task_id: str, map_index: int = -1) -> str:  # noqa: C901  # one branch per task id, each a few words
    """What the task produced, in a few words (empty when there is nothing to say)."""
    from lca.orchestration.run_settings import read_settings, source_of
    from lca.reporting.index import REPORT_HTML

    store = ArtifactStore()
    run = RunLayout.of(study.name, run_id)
    source = source_of(store, run)
    reused = f"reused from {source.folder_name}" if source is not None else ""
    name = variant_of(study, task_id, map_index)
    if task_id == "settings":
        settings = read_settings(store, run)
        parts = [f"{k}={v}" for k, v in settings.overrides.items()]
        if settings.reuse_measurements_from:
            parts.append(f"reusing measurements of {settings.reuse_measurements_from}")
        return "; ".join(parts) or "as in the study file"
    if reused and task_id in ("prepare_data", "check_data", "train", "compress", "fit_classical", "measure_idle"):
        return reused
    if task_id == "prepare_data":
        return _energy(store, run.data_preparation_energy)
    if task_id in ("check_data", "check_benchmarks"):
        gate = _json(store, run.dataset_gate if task_id == "check_data" else run.benchmark_gate) or {}
        return f"{'passed' if gate.get('success') else 'FAILED'}, {gate.get('checked', 0)} expectations" if gate else ""
    if task_id == "train":
        return _energy(store, run.training_energy)
    if task_id == "compress" and name:
        return f"{name}: {_energy(store, run.compression_energy(name))}"
    if task_id == "fit_classical":
        return _energy(store, run.compression_energy("classical"))
    if task_id == "measure_idle":
        record = _json(store, run.idle_energy)
        return f"idle {record['energy_kwh'] * 3.6e6 / max(record['duration_s'], 1e-9):.3g} W" if record else ""
    if task_id == "benchmark" and name:
        b = _json(store, run.benchmark(name))
        if not b:
            return name
        figure = f"{name}: {b['primary_metric']} {b['primary_value']:.4g}, {b['energy_per_item_kwh']:.3g} kWh/item"
        return figure + (f" ({reused})" if reused else "")
    if task_id == "build_inventory":
        inv = _json(store, run.inventory)
        return (
            f"{len(inv['scenarios'])} scenarios, grid {inv['country']} {inv['grid_kg_co2e_per_kwh']:.3g} kg CO2e/kWh"
            if inv
            else ""
        )
    if task_id == "lcia":
        lcia = _json(store, run.lcia)
        if not lcia:
            return ""
        head = lcia["scores"][0]["method"]
        scores = {s["scenario"]: s for s in lcia["scores"] if s["method"] == head}
        base, ref = scores.get("baseline"), scores.get("reference")
        if base and ref:
            return f"baseline {base['score']:.3g} vs reference {ref['score']:.3g} {base['unit']} ({head[-1]})"
        return f"{len(lcia['scores'])} scores"
    if task_id == "uncertainty":
        mc = _json(store, run.monte_carlo)
        return f"{mc['iterations']:,} paired draws in {mc['seconds']:.2g} s" if mc else ""
    if task_id == "sensitivity":
        sens = _json(store, run.sensitivity)
        return (
            f"{len({c['country'] for c in sens['countries']})} countries, {len(sens['tornado'])} tornado bars"
            if sens
            else ""
        )
    if task_id == "report":
        return str(store.path(report_folder(study.name, run_id)) / REPORT_HTML)
    return ""


# The tasks that end before score_variants; in a reassessment all but collect_variants are reuses.
_BEFORE_THE_BENCHMARKS_ARE_SCORED = ("settings", "check_data", "collect_variants", *MEASURING_TASKS)


class ProgressListener:
    """A task SDK listener printing one line per task to ``stream`` (the console, while Airflow writes to its log).

    A mapped task is named by its variant (``benchmark[int8_dynamic]``), as the DAG's
    ``map_index_template`` names it in the UI. A measurement's quality warnings go on its
    line. In a reassessment, the tasks that only reuse an earlier run's measurements print
    nothing each: one line says how many were reused, and from which run.
    """

    def __init__(self, study, stream: TextIO) -> None:
        self.study = study
        self.stream = stream
        self.started = time.perf_counter()
        self.failed: list[str] = []
        self.reused: list[str] = []
        self.reused_from = ""
        self._reuse_said = False
        self._sources: dict[str, str | None] = {}

    def _write(self, status: str, label: str, seconds: float, figure: str) -> None:
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"[{elapsed:6.0f} s] {status:<4} {label:<26} {seconds:6.1f} s  {figure}\n")
        self.stream.flush()

    def _line(self, task_instance, status: str, extra: str = "") -> None:
        task_id = task_instance.task_id
        map_index = getattr(task_instance, "map_index", -1)
        map_index = -1 if map_index is None else map_index
        start = getattr(task_instance, "start_date", None)
        seconds = (datetime.now(UTC) - start).total_seconds() if start else float("nan")
        name = variant_of(self.study, task_id, map_index)
        label = task_id if map_index < 0 else f"{task_id}[{name or map_index}]"
        warnings: list[str] = []
        try:
            figure = extra or key_figure(self.study, task_instance.run_id, task_id, map_index)
            if status == "ok":
                warnings = task_warnings(self.study, task_instance.run_id, task_id, map_index)
        except Exception as exc:  # a progress line must never fail the run
            figure = f"({type(exc).__name__})"
        source = self._source(task_instance.run_id) if status == "ok" else None
        if source is not None and task_id in (*MEASURING_TASKS, "check_data"):
            if task_id in MEASURING_TASKS:
                self.reused.append(label)
            self.reused_from = source
            return  # said once, when the benchmarks are scored (flush_reused)
        if status != "ok" or task_id not in _BEFORE_THE_BENCHMARKS_ARE_SCORED:
            self.flush_reused()
        self._write(status, label, seconds, figure + "".join(f"  WARNING {w}" for w in warnings))

    def _source(self, run_id: str) -> str | None:
        """The run whose measurements this run reuses (its folder name), or None; read once per run."""
        if run_id not in self._sources:
            from lca.orchestration.run_settings import source_of

            found = source_of(ArtifactStore(), RunLayout.of(self.study.name, run_id))
            self._sources[run_id] = found.folder_name if found is not None else None
        return self._sources[run_id]

    def flush_reused(self) -> None:
        """The one line of a reassessment: how many measurements it reused, and from which run."""
        if self.reused and not self._reuse_said:
            self._reuse_said = True
            self._write("ok", "(measurements)", 0.0, f"reused {len(self.reused)} measurements from {self.reused_from}")

    def register(self) -> ProgressListener:
        from airflow.listeners import hookimpl
        from airflow.sdk.listener import get_listener_manager

        listener = self

        class _Hooks:
            @hookimpl
            def on_task_instance_success(self, previous_state, task_instance):
                listener._line(task_instance, "ok")

            @hookimpl
            def on_task_instance_failed(self, previous_state, task_instance, error):
                listener.failed.append(task_instance.task_id)
                listener._line(task_instance, "FAIL", f"{type(error).__name__}: {error}"[:300] if error else "")

        get_listener_manager().add_listener(_Hooks())
        return self


@contextlib.contextmanager
def quiet_airflow(log_file: Path) -> Iterator[TextIO]:
    """Send everything written to stdout and stderr (Airflow's task logs, CodeCarbon, warnings) to ``log_file``.

    Yields a stream on the real console for the progress lines. File descriptors are
    redirected, not just ``sys.stdout``, because Airflow's log handlers hold their own
    references to the streams.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    console_fd = os.dup(1)
    saved_err = os.dup(2)
    console = os.fdopen(os.dup(console_fd), "w", buffering=1)
    with open(log_file, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(console_fd, 1)
            os.dup2(saved_err, 2)
            os.close(console_fd)
            os.close(saved_err)
            console.close()
