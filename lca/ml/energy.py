"""Energy of a stage, attributed to its own processes, with an honest account of how.

A stage's energy is that of its own process tree, from the best source the host offers
(:mod:`lca.energy.task_energy`): RAPL counters shared out by CPU time at the fitted
marginal cost, else a cited power model of the host's CPU times the task's *own* CPU
seconds plus its resident memory times a cited W/GB; a GPU's total-energy counter for
exactly the task's GPUs. The record names the method, the source of every figure and the
host (VM or bare metal, vCPUs, CPU model), and carries the method's uncertainty
(``include/data/energy_methods.yaml``) into the LCA.

CodeCarbon still runs over the same window, for one figure only: ``machine_wide_kwh``, its
model of the whole machine, kept beside the attributed figure so that the difference shows
(the benchmark ``benchmarks/energy_attribution.py`` prints both). It costs a thread
and a start-up of well under a second per window, and no attributed figure depends on it.

Because the kernel counts CPU time per process, neighbours do not enter the task's
figure: a CPU window needs no lock. A GPU window does hold the host lock of
:mod:`lca.host_lock` exclusively (re-entrant), since NVML has no per-process energy and
the board's counter can only be the task's if nothing of ours computes beside it; the
record lists foreign processes seen on the board.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from lca import host_lock
from lca.energy import contention, gpus, host, powercap
from lca.energy.power_model import cpu_w_per_thread, ram_w_per_gb
from lca.energy.sampler import WindowSampler
from lca.energy.task_energy import FOREIGN_LIMIT_CORES, attribute
from lca.errors import ReferenceDataError
from lca.limits import MAX_WINDOW_SECONDS
from lca.records import EnergyMethod, EnergyRecord, HostFacts, MeasurementWindow
from lca.settings import current_host, reference_data_dir
from lca.uncertainty import Uncertainty

os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")

log = logging.getLogger(__name__)

# Neighbours that kept more than a quarter of a core busy on average are noted in the
# window. They do not enter an attributed figure; they make a share-rule (RAPL, fit not
# identified) window contaminated (lca.energy.task_energy).
BACKGROUND_LIMIT_CORES = FOREIGN_LIMIT_CORES


class _WindowProbe:
    """Timestamps, load averages and the lock held, around one window."""

    def __init__(self, hold: host_lock.Hold | None) -> None:
        from datetime import datetime

        self._now = lambda: datetime.now(UTC)
        self.hold = hold
        self.started_at = self._now()
        self.load_start = os.getloadavg()[0]

    def finish(self, stage: str, duration_s: float, foreign_cpu_s: float | None) -> MeasurementWindow:
        background = foreign_cpu_s / duration_s if foreign_cpu_s is not None and duration_s > 0 else None
        high = background is not None and background > BACKGROUND_LIMIT_CORES
        if high:
            log.info(
                "energy window %r on %s: other processes kept %.2f CPU cores busy (not booked to the task)",
                stage,
                current_host(),
                background,
            )
        return MeasurementWindow(
            started_at=self.started_at,
            ended_at=self._now(),
            lock=f"{self.hold.mode} {self.hold.path}" if self.hold else "",
            lock_wait_s=self.hold.waited_s if self.hold else 0.0,
            load_1min_start=self.load_start,
            load_1min_end=os.getloadavg()[0],
            background_cpu_cores=background,
            background_load_high=high,
        )


@lru_cache(maxsize=2)
def _method_table(path: Path) -> dict[str, dict]:
    try:
        return yaml.safe_load(path.read_text())["methods"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read energy measurement methods: {exc}") from exc


def method_uncertainty(method: EnergyMethod) -> Uncertainty:
    """The method's spread: one per method, since every stage measured one way shares one error draw."""
    path = reference_data_dir() / "energy_methods.yaml"
    entry = _method_table(path).get(method)
    if entry is None or "gsd" not in entry:
        raise ReferenceDataError(f"{path}: field 'methods.{method}.gsd' is missing")
    return Uncertainty(distribution="lognormal", gsd=entry["gsd"], basis=f"{entry['label']}. {entry['basis']}")


def _rapl_zones() -> tuple[list[powercap.Zone], str]:
    try:
        zones = powercap.discover()
        if zones:
            powercap.read(zones)  # readable at all (root only since Linux 5.10)?
        return zones, ""
    except powercap.CounterUnreadable as exc:
        return [], str(exc)


def _task_gpus() -> tuple[Any, list[gpus.Gpu], str]:
    """NVML and the task's GPUs, or why not."""
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml, gpus.task_gpus(pynvml), ""
    except gpus.GpuMappingError:
        raise
    except Exception as exc:  # no driver, no library: NVML raises its own error types
        return None, [], f"NVML unavailable: {exc}"


def _codecarbon(country_iso3: str, interval_s: float):
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError:  # pragma: no cover - codecarbon is a dependency
        return None
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    return OfflineEmissionsTracker(
        country_iso_code=country_iso3,
        save_to_file=False,
        measure_power_secs=interval_s,
        log_level="error",
        tracking_mode="machine",
    )


@dataclass
class Measurement:
    """Filled in when the ``track_energy`` block exits."""

    stage: str
    items: int | None = None
    record: EnergyRecord | None = field(default=None, repr=False)


@contextmanager
def track_energy(
    stage: str,
    country_iso3: str,
    *,
    measure_power_secs: float = 1.0,
    device: str = "cpu",
    reference_idle_w: float | None = None,
) -> Iterator[Measurement]:
    """Run the block while sampling the task's CPU time, memory and counters; build an :class:`EnergyRecord`.

    Set ``measurement.items`` inside the block when the work is a count of inferences,
    so energy per item can be derived. ``measure_power_secs`` is the study's
    ``benchmark.sampling_interval_seconds`` (the sampler's tick). ``reference_idle_w``:
    the machine's idle power from an interleaved reference window, used by RAPL when the
    marginal fit is not identified (:mod:`lca.energy.task_energy`). ``device`` is torch's
    ('cpu', 'cuda', 'cuda:N'): a CUDA window reads the energy counter of that one GPU.
    """
    facts = host.this_host()
    zones, rapl_error = _rapl_zones()
    torch_device, device = device, device.partition(":")[0]  # the record keeps the kind: cpu or cuda
    nvml, task_gpus, gpu_error = _task_gpus() if device == "cuda" else (None, [], "")
    if task_gpus:  # the one GPU torch runs on, not every board the task could see
        task_gpus = gpus.for_device(task_gpus, torch_device)
    if device == "cuda" and not task_gpus:
        log.warning("stage %s ran on cuda but no GPU energy counter is readable (%s)", stage, gpu_error)
    cpu_figure = None if zones else cpu_w_per_thread(facts.cpu_model)
    ram_figure = ram_w_per_gb()
    tracker = _codecarbon(country_iso3, measure_power_secs)
    measurement = Measurement(stage=stage)
    lock = host_lock.exclusive() if task_gpus else nullcontext(None)
    with lock as hold:
        probe = _WindowProbe(hold)
        sampler = WindowSampler(measure_power_secs, zones, nvml, task_gpus)
        if tracker is not None:
            tracker.start()
        sampler.start()
        try:
            yield measurement
        finally:
            readings = sampler.stop()
            if tracker is not None:
                tracker.stop()
    result = attribute(
        readings,
        ram_figure=ram_figure,
        cpu_figure=cpu_figure,
        zones=zones,
        reference_idle_w=reference_idle_w,
        rapl_error=rapl_error or sampler.rapl_error,
    )
    window = probe.finish(stage, result.duration_s, result.attribution.foreign_cpu_s)
    data = tracker.final_emissions_data if tracker is not None else None
    machine_wide = float(data.energy_consumed) if data is not None else None
    foreign_cores = window.background_cpu_cores
    term = contention.load_term()
    attribution = result.attribution.model_copy(
        update={
            "contention_divisor": term.factor(result.method, foreign_cores, facts.logical_cpus),
            "contended": result.method in term.applies_to and contention.contended(foreign_cores),
            "machine_wide_source": (
                f"CodeCarbon {metadata.version('codecarbon')} tracking_mode 'machine' over the same window "
                f"(its CPU mode and TDP, and RAM of the whole machine; comparison only, not booked)"
            )
            if data is not None
            else "CodeCarbon unavailable",
        }
    )
    if attribution.contaminated:
        log.warning(
            "energy window %r on %s: RAPL share rule under %.2f foreign cores: contaminated",
            stage,
            current_host(),
            window.background_cpu_cores or 0.0,
        )
    to_kwh = 1 / 3.6e6
    duration = result.duration_s
    measurement.record = EnergyRecord(
        stage=stage,
        duration_s=duration,
        energy_kwh=result.total_j * to_kwh,
        cpu_kwh=result.cpu_j * to_kwh,
        ram_kwh=result.ram_j * to_kwh,
        gpu_kwh=result.gpu_j * to_kwh,
        method=result.method,
        method_detail=result.detail
        + (f"; {gpu_error}" if gpu_error else "")
        + (
            f"; contended: {foreign_cores:.2f} foreign cores, the interval widened by x"
            f"{attribution.contention_divisor:.3g} either way ({term.cited})"
            if attribution.contended and foreign_cores is not None
            else ""
        ),
        uncertainty=method_uncertainty(result.method),
        cpu_model=facts.cpu_model,
        gpu_model=", ".join(sorted({g.name for g in task_gpus})),
        threads=_threads(),
        tracking_mode="process tree",
        codecarbon_version=metadata.version("codecarbon"),
        items=measurement.items,
        sampling_interval_s=float(measure_power_secs),
        cpu_count=facts.logical_cpus,
        ram_total_gb=None,
        cpu_power_w=result.cpu_j / duration if duration else None,
        device=device,
        host=current_host(),
        window=window,
        machine_wide_kwh=machine_wide,
        attribution=attribution,
        machine=HostFacts(
            cpu_model=facts.cpu_model,
            logical_cpus=facts.logical_cpus,
            virtual=facts.virtual,
            evidence=facts.evidence,
            cpu_power_source=attribution.cpu_source,
        ),
    )


def combine_records(records: list[EnergyRecord], stage: str) -> EnergyRecord:
    """Consecutive windows of one measurement as one record: energies, durations, items and CPU seconds add up."""
    if len(records) == 1:
        return records[0]
    first = records[0]
    summed = {
        key: sum(getattr(r, key) for r in records)
        for key in ("duration_s", "energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh")
    }
    items = [r.items for r in records]
    wide = [r.machine_wide_kwh for r in records]
    update = {
        **summed,
        "stage": stage,
        "items": sum(items) if all(i is not None for i in items) else None,
        "window": _span([r.window for r in records]),
        "machine_wide_kwh": sum(wide) if all(w is not None for w in wide) else None,
    }
    parts = [r.attribution for r in records]
    if all(p is not None for p in parts):
        busy = [p.machine_busy_cpu_s for p in parts]
        foreign = [p.foreign_cpu_s for p in parts]
        update["attribution"] = parts[0].model_copy(
            update={
                "samples": sum(p.samples for p in parts),
                "task_cpu_s": sum(p.task_cpu_s for p in parts),
                "machine_busy_cpu_s": sum(busy) if None not in busy else None,
                "foreign_cpu_s": sum(foreign) if None not in foreign else None,
                "task_rss_gb_mean": sum(p.task_rss_gb_mean * r.duration_s for p, r in zip(parts, records, strict=True))
                / max(summed["duration_s"], 1e-12),
                "contaminated": any(p.contaminated for p in parts),
                "contended": any(p.contended for p in parts),
                "contention_divisor": max(p.contention_divisor for p in parts),
                "fallback": "; ".join(sorted({p.fallback for p in parts if p.fallback})),
            }
        )
    methods = {r.method for r in records}
    if len(methods) > 1:
        raise ValueError(f"energy windows of {stage!r} were measured by different methods {sorted(methods)}")
    return first.model_copy(update=update)


def _span(windows: list[MeasurementWindow | None]) -> MeasurementWindow | None:
    """Consecutive windows as one: first start to last end, the busiest background, flagged if any was."""
    if any(w is None for w in windows):
        return None
    first, last = windows[0], windows[-1]
    busy = [w.background_cpu_cores for w in windows if w.background_cpu_cores is not None]
    return first.model_copy(
        update={
            "ended_at": last.ended_at,
            "load_1min_end": last.load_1min_end,
            "background_cpu_cores": max(busy) if busy else None,
            "background_load_high": any(w.background_load_high for w in windows),
        }
    )


def measure_idle(
    seconds: float, country_iso3: str, measure_power_secs: float = 1.0, device: str = "cpu"
) -> EnergyRecord:
    """This process asleep for ``seconds``, measured the same way as the work (on ``device``: a GPU's idle
    is read from the same board counter as its benchmark).

    With attributed methods the task's own idle is what it holds while doing nothing: its
    resident memory (and, with RAPL, the record's ``attribution.machine_power_w`` is the
    machine's power, the reference of ``rapl_difference``). Its machine-wide CodeCarbon
    figure is kept in ``machine_wide_kwh``.
    """
    with track_energy("idle", country_iso3, measure_power_secs=measure_power_secs, device=device) as measurement:
        time.sleep(seconds)
    return measurement.record


def idle_on_this_host(
    idle: EnergyRecord | None, seconds: float, country_iso3: str, measure_power_secs: float = 1.0, device: str = "cpu"
) -> EnergyRecord | None:
    """``idle`` if it was measured on this host and device, else a fresh idle window measured here.

    Idle power is a property of the machine: subtracting one host's idle from another's
    benchmark would be wrong by the difference of the two machines. A GPU benchmark's idle
    is measured on the GPU with the same counter (an idle measured on the CPU has no board in it).
    """
    if idle is None or (idle.host == current_host() and (device != "cuda" or idle.device == "cuda")):
        return idle
    log.warning(
        "idle power was measured on %r (%s), this benchmark runs on %r (%s): measuring idle here for %.0f s",
        idle.host or "an unknown host",
        idle.device,
        current_host(),
        device,
        seconds,
    )
    return measure_idle(seconds, country_iso3, measure_power_secs, device)


def _threads() -> int:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:  # pragma: no cover - torch is a dependency
        return os.cpu_count() or 1


def run_for_at_least(seconds: float, step) -> int:
    """Call ``step()`` (which returns how many items it did) until ``seconds`` have passed.

    The study schema bounds the window (lca.limits.MAX_WINDOW_SECONDS); checked again
    here because an infinite window never ends and a nan one never starts counting.
    """
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"an energy window of {seconds!r} s is outside (0, {MAX_WINDOW_SECONDS:g}] s")
    done = 0
    start = time.perf_counter()
    while True:
        done += step()
        if time.perf_counter() - start >= seconds:
            return done
