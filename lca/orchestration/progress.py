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

from lca.orchestration.layout import RunLayout, report_folder
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


def key_figure(study, run_id: str, task_id: str, map_index: int = -1) -> str:  # noqa: C901  # one branch per task id, each a few words
    """What the task produced, in a few words (empty when there is nothing to say)."""
    from lca.orchestration.run_settings import read_settings, source_of
    from lca.reporting.index import REPORT_HTML

    store = ArtifactStore()
    run = RunLayout.of(study.name, run_id)
    source = source_of(store, run)
    reused = f"reused from {source.folder_name}" if source is not None else ""
    variants = study.variant_names()
    name = variants[map_index if task_id == "benchmark" else map_index + 1] if map_index >= 0 else None
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


class ProgressListener:
    """A task SDK listener printing one line per task to ``stream`` (the console, while Airflow writes to its log)."""

    def __init__(self, study, stream: TextIO) -> None:
        self.study = study
        self.stream = stream
        self.started = time.perf_counter()
        self.failed: list[str] = []

    def _line(self, task_instance, status: str, extra: str = "") -> None:
        task_id = task_instance.task_id
        map_index = getattr(task_instance, "map_index", -1)
        start = getattr(task_instance, "start_date", None)
        seconds = (datetime.now(UTC) - start).total_seconds() if start else float("nan")
        label = task_id if map_index is None or map_index < 0 else f"{task_id}[{map_index}]"
        try:
            figure = extra or key_figure(
                self.study, task_instance.run_id, task_id, map_index if map_index is not None else -1
            )
        except Exception as exc:  # a progress line must never fail the run
            figure = f"({type(exc).__name__})"
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"[{elapsed:6.0f} s] {status:<4} {label:<22} {seconds:6.1f} s  {figure}\n")
        self.stream.flush()

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
