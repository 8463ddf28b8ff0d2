"""The readings of one window, taken by a thread every sampling interval.

At each tick: the task's process-tree CPU seconds and resident memory, the machine's CPU
seconds (``/proc/stat``), the RAPL counters when readable, and the NVML energy counters of
exactly the task's GPUs. The first reading is taken when the window opens and the last
when it closes, so the window is covered end to end whatever the interval. The thread's own
CPU time (a few milliseconds per reading) counts as the task's: it is part of measuring it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from lca.energy import cpu_time, gpus, powercap


@dataclass(frozen=True)
class Reading:
    t: float  # time.monotonic()
    task_cpu_s: float
    task_rss_bytes: int
    machine: cpu_time.MachineCpu | None
    rapl_uj: dict[Path, int] | None
    gpu_mj: dict[str, int] | None
    gpu_foreign: dict[str, list[int]] | None


def tree_rss_bytes(pid: int | None = None) -> int:
    """Resident memory of a process and its live descendants (shared pages count in each)."""
    root = psutil.Process(pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def tree_pids(pid: int | None = None) -> set[int]:
    root = psutil.Process(pid)
    return {root.pid, *(p.pid for p in root.children(recursive=True))}


class WindowSampler:
    """Reads every ``interval_s`` in a daemon thread between :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        interval_s: float,
        zones: list[powercap.Zone] | None = None,
        nvml: Any = None,
        task_gpus: list[gpus.Gpu] | None = None,
        pid: int | None = None,
        stat: Path = cpu_time.PROC_STAT,
    ) -> None:
        self.interval_s = interval_s
        self.zones = zones or []
        self.nvml, self.gpus = nvml, task_gpus or []
        self.pid, self.stat = pid, stat
        self.readings: list[Reading] = []
        self.rapl_error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lca-energy-sampler", daemon=True)

    def read(self) -> Reading:
        try:
            machine = cpu_time.machine_cpu(self.stat)
        except (OSError, ValueError):
            machine = None
        rapl = None
        if self.zones and not self.rapl_error:
            try:
                rapl = powercap.read(self.zones)
            except powercap.CounterUnreadable as exc:
                self.rapl_error = str(exc)  # never read as zero: the window falls back, and says why
        gpu_mj = foreign = None
        if self.gpus:
            gpu_mj = gpus.energy_mj(self.nvml, self.gpus)
            foreign = gpus.foreign_processes(self.nvml, self.gpus, tree_pids(self.pid))
        return Reading(
            time.monotonic(),
            cpu_time.process_tree_cpu_s(self.pid),
            tree_rss_bytes(self.pid),
            machine,
            rapl,
            gpu_mj,
            foreign,
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.readings.append(self.read())

    def start(self) -> None:
        self.readings.append(self.read())
        self._thread.start()

    def stop(self) -> list[Reading]:
        self._stop.set()
        self._thread.join()
        self.readings.append(self.read())
        return self.readings
