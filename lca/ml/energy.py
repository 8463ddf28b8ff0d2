"""Energy of a stage, measured by CodeCarbon, with an honest account of how.

On a machine without RAPL or NVML, CodeCarbon does not measure: it models CPU
power from load and a TDP and RAM at a fixed wattage. The record says which
case applies, and the uncertainty attached to it (from
``include/data/energy_methods.yaml``) is wide when it is an estimate.

Every window is measured alone on its host: :func:`track_energy` holds the host lock of
:mod:`lca.ml.host_lock` exclusively (re-entrant, so a task that already holds it for its
whole duration does not lock twice). The record names the host and says how busy the
machine was with processes that are not ours, which no lock can stop.
"""

from __future__ import annotations

import logging
import math
import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterator

import yaml

from lca import host_lock
from lca.errors import ReferenceDataError
from lca.limits import MAX_WINDOW_SECONDS
from lca.records import EnergyMethod, EnergyRecord, MeasurementWindow
from lca.settings import current_host, reference_data_dir
from lca.uncertainty import Uncertainty

os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")

log = logging.getLogger(__name__)

# A window during which other processes kept more than a quarter of a core busy on
# average is flagged: on a small server that is several watts under CodeCarbon's load
# model (4 W per thread for an unknown CPU), the order of a small model's inference.
BACKGROUND_LIMIT_CORES = 0.25


def _machine_busy_s() -> float | None:
    """CPU seconds the whole machine spent busy since boot (all cores; Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    ticks = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    """CPU seconds used by this process (every thread) and its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _WindowProbe:
    """Timestamps, load averages and the CPU time others used, around one window."""

    def __init__(self, hold: host_lock.Hold) -> None:
        from datetime import datetime, timezone

        self._now = lambda: datetime.now(timezone.utc)
        self.hold = hold
        self.started_at = self._now()
        self.load_start = os.getloadavg()[0]
        self._t0, self._busy0, self._own0 = time.monotonic(), _machine_busy_s(), _own_cpu_s()

    def finish(self, stage: str) -> MeasurementWindow:
        elapsed = time.monotonic() - self._t0
        busy1 = _machine_busy_s()
        background = None
        if self._busy0 is not None and busy1 is not None and elapsed > 0:
            background = max(0.0, (busy1 - self._busy0) - (_own_cpu_s() - self._own0)) / elapsed
        high = background is not None and background > BACKGROUND_LIMIT_CORES
        if high:
            log.warning(
                "energy window %r on %s: other processes kept %.2f CPU cores busy (limit %.2f); "
                "the record is flagged background_load_high",
                stage,
                current_host(),
                background,
                BACKGROUND_LIMIT_CORES,
            )
        return MeasurementWindow(
            started_at=self.started_at,
            ended_at=self._now(),
            lock=f"{self.hold.mode} {self.hold.path}",
            lock_wait_s=self.hold.waited_s,
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
    path = reference_data_dir() / "energy_methods.yaml"
    entry = _method_table(path).get(method)
    if entry is None or "gsd" not in entry:
        raise ReferenceDataError(f"{path}: field 'methods.{method}.gsd' is missing")
    return Uncertainty(distribution="lognormal", gsd=entry["gsd"], basis=f"{entry['label']}. {entry['basis']}")


_CPU_MEASURED = {"intel_rapl", "rapl", "powermetrics", "windows_emi", "intel_power_gadget"}


def classify_method(cpu_mode: str, gpu_count: int, gpu_energy_kwh: float, device: str = "cpu") -> EnergyMethod:
    """How the stage's energy was obtained, following where the work ran.

    Work on a GPU (``device`` cuda) is measured through NVML when CodeCarbon saw a
    GPU and read energy from it: the method is ``nvml``, and the part CodeCarbon
    estimated for the host (CPU without RAPL, RAM) widens its uncertainty
    (:func:`record_uncertainty`). Work on the CPU names the weakest link: an
    estimate anywhere makes the total an estimate.
    """
    cpu_measured = cpu_mode in _CPU_MEASURED
    if device == "cuda" and gpu_count and gpu_energy_kwh > 0:
        return "nvml"
    if device != "cuda" and gpu_count and gpu_energy_kwh > 0 and cpu_measured:
        return "nvml"
    if cpu_measured:
        return "rapl"
    return "codecarbon_estimate"


def record_uncertainty(method: EnergyMethod, cpu_mode: str, gpu_kwh: float, total_kwh: float) -> Uncertainty:
    """The method's spread; for NVML with an estimated host, the share-weighted log-spread of both parts.

    Weighting the log-sigmas by energy share assumes the two errors move together
    (the conservative bound of a sum of lognormal parts).
    """
    base = method_uncertainty(method)
    if method != "nvml" or cpu_mode in _CPU_MEASURED or total_kwh <= 0:
        return base
    import math

    share = min(max(gpu_kwh / total_kwh, 0.0), 1.0)
    host = method_uncertainty("codecarbon_estimate")
    sigma = share * math.log(base.gsd) + (1 - share) * math.log(host.gsd)
    return Uncertainty(
        distribution="lognormal",
        gsd=round(math.exp(sigma), 4),
        basis=f"{base.basis} The host part ({1 - share:.0%} of the energy, CPU mode '{cpu_mode}') is CodeCarbon's "
        f"estimate: {host.basis} Combined as the energy-share-weighted log-spread of both.",
    )


@dataclass
class Measurement:
    """Filled in when the ``track_energy`` block exits."""

    stage: str
    items: int | None = None
    record: EnergyRecord | None = field(default=None, repr=False)


@contextmanager
def track_energy(
    stage: str, country_iso3: str, *, measure_power_secs: float = 1.0, device: str = "cpu"
) -> Iterator[Measurement]:
    """Run the block under CodeCarbon's offline tracker and build an :class:`EnergyRecord`.

    Set ``measurement.items`` inside the block when the work is a count of
    inferences, so energy per item can be derived. ``measure_power_secs`` is the
    study's ``benchmark.sampling_interval_seconds``: windows must span
    ``lca.study.energy_windows.MIN_INTERVALS_PER_WINDOW`` of them (checked when the
    study is validated), and a shorter stage is flagged in its record.
    """
    from codecarbon import OfflineEmissionsTracker

    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    tracker = OfflineEmissionsTracker(
        country_iso_code=country_iso3,
        save_to_file=False,
        measure_power_secs=measure_power_secs,
        log_level="error",
        tracking_mode="machine",
    )
    measurement = Measurement(stage=stage)
    with host_lock.exclusive() as hold:
        probe = _WindowProbe(hold)
        tracker.start()
        try:
            yield measurement
        finally:
            tracker.stop()
        window = probe.finish(stage)
    data = tracker.final_emissions_data
    cpu_mode = next((getattr(h, "_mode", "") for h in tracker._hardware if type(h).__name__ == "CPU"), "unknown")
    method = classify_method(cpu_mode, data.gpu_count or 0, data.gpu_energy, device)
    if device == "cuda" and method != "nvml":
        log.warning(
            "stage %s ran on cuda but CodeCarbon read no GPU energy through NVML: recorded as %s", stage, method
        )
    measurement.record = EnergyRecord(
        stage=stage,
        duration_s=data.duration,
        energy_kwh=data.energy_consumed,
        cpu_kwh=data.cpu_energy,
        ram_kwh=data.ram_energy,
        gpu_kwh=data.gpu_energy,
        method=method,
        method_detail=f"codecarbon cpu mode '{cpu_mode}', gpu count {data.gpu_count or 0}, device {device}",
        uncertainty=record_uncertainty(method, cpu_mode, data.gpu_energy, data.energy_consumed),
        cpu_model=data.cpu_model or "unknown",
        gpu_model=data.gpu_model or "",
        threads=_threads(),
        tracking_mode=data.tracking_mode,
        codecarbon_version=metadata.version("codecarbon"),
        items=measurement.items,
        sampling_interval_s=float(measure_power_secs),
        cpu_count=int(data.cpu_count) if data.cpu_count else None,
        ram_total_gb=float(data.ram_total_size) if data.ram_total_size else None,
        cpu_power_w=float(data.cpu_power) if data.cpu_power is not None else None,
        device=device,
        host=current_host(),
        window=window,
    )


def combine_records(records: list[EnergyRecord], stage: str) -> EnergyRecord:
    """Consecutive windows of one measurement as one record: energies, durations and items add up."""
    if len(records) == 1:
        return records[0]
    first = records[0]
    summed = {
        key: sum(getattr(r, key) for r in records)
        for key in ("duration_s", "energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh")
    }
    items = [r.items for r in records]
    return first.model_copy(
        update={
            **summed,
            "stage": stage,
            "items": sum(items) if all(i is not None for i in items) else None,
            "window": _span([r.window for r in records]),
        }
    )


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


def measure_idle(seconds: float, country_iso3: str, measure_power_secs: float = 1.0) -> EnergyRecord:
    """The machine doing nothing (this process asleep) for ``seconds``, under the same tracker.

    Subtracting idle power times the window from a benchmark's total gives the
    energy the inference itself added. Other processes on the machine count in
    both (machine-level tracking), which is what a shared server sees too.
    """
    with track_energy("idle", country_iso3, measure_power_secs=measure_power_secs) as measurement:
        time.sleep(seconds)
    return measurement.record


def idle_on_this_host(
    idle: EnergyRecord | None, seconds: float, country_iso3: str, measure_power_secs: float = 1.0
) -> EnergyRecord | None:
    """``idle`` if it was measured on this host, else a fresh idle window measured here.

    Idle power is a property of the machine: subtracting one host's idle from another's
    benchmark would be wrong by the difference of the two machines. The fresh window is
    measured under the same exclusive host lock as the benchmark that asks for it.
    """
    if idle is None or idle.host == current_host():
        return idle
    log.warning(
        "idle power was measured on %r, this benchmark runs on %r: measuring idle here for %.0f s",
        idle.host or "an unknown host",
        current_host(),
        seconds,
    )
    return measure_idle(seconds, country_iso3, measure_power_secs)


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
