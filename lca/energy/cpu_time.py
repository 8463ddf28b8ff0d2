"""CPU time: of the task's own processes, of its cgroup, and of the whole machine.

These are the shares a counter's energy is split by (Scaphandre and Kepler split a
node's energy by the CPU time each process or container used), and, on a host without
counters, the quantity a cited power model multiplies. CPU time is counted by the
kernel per process, so a neighbour's work never appears in the task's figure, which is
what makes the attribution independent of what else runs on the host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psutil

PROC_STAT = Path("/proc/stat")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def process_tree_cpu_s(pid: int | None = None) -> float:
    """User plus system CPU seconds of a process, its live descendants and its reaped children.

    Children that already exited and were waited for are in the parent's
    ``children_user``/``children_system``; live ones are read one by one. A descendant that
    was re-parented away (a daemon) before it was reaped is not counted: the task's work
    runs in threads or in children it waits for.
    """
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # exited between listing and reading
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclass(frozen=True)
class MachineCpu:
    """Cumulative CPU seconds of the whole machine since boot (all logical CPUs)."""

    busy_s: float
    total_s: float
    steal_s: float

    def __sub__(self, other: MachineCpu) -> MachineCpu:
        return MachineCpu(self.busy_s - other.busy_s, self.total_s - other.total_s, self.steal_s - other.steal_s)


def machine_cpu(stat: Path = PROC_STAT) -> MachineCpu:
    """The first line of ``/proc/stat``: busy is everything but idle, iowait and steal.

    Steal is time the hypervisor gave to another virtual machine: it is neither this
    machine's work nor its idle time, so it is kept apart (a large steal share means the
    host is oversubscribed and a power model of this VM is less reliable).
    """
    fields = stat.read_text().splitlines()[0].split()
    if fields[0] != "cpu":
        raise ValueError(f"{stat}: the first line is not the 'cpu' summary")
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    ticks += [0] * (8 - len(ticks))
    hz = os.sysconf("SC_CLK_TCK")
    idle, iowait, steal = ticks[3], ticks[4], ticks[7]
    return MachineCpu(busy_s=(sum(ticks) - idle - iowait - steal) / hz, total_s=sum(ticks) / hz, steal_s=steal / hz)


def own_cgroup(proc_cgroup: Path = Path("/proc/self/cgroup")) -> tuple[str, str] | None:
    """This process's CPU-accounting cgroup as (version, relative path), or None at the root.

    cgroup v2 has one line ``0::/path``; v1 a line whose controllers include ``cpuacct``.
    A process at the root cgroup (a plain host, as here) has no cgroup of its own to read.
    """
    for line in proc_cgroup.read_text().splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and controllers == "" and path not in ("", "/"):
            return "v2", path.lstrip("/")
        if "cpuacct" in controllers.split(",") and path not in ("", "/"):
            return "v1", path.lstrip("/")
    return None


def cgroup_cpu_s(version: str, path: str, root: Path = CGROUP_ROOT) -> float:
    """CPU seconds used by every process of a cgroup (a container's or a pod's)."""
    if version == "v2":
        for line in (root / path / "cpu.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
        raise ValueError(f"{root / path / 'cpu.stat'}: no usage_usec line")
    for controller in ("cpuacct", "cpu,cpuacct", "cpuacct,cpu"):
        usage = root / controller / path / "cpuacct.usage"
        if usage.is_file():
            return int(usage.read_text().strip()) / 1e9
    raise FileNotFoundError(f"no cpuacct.usage for cgroup {path!r} under {root}")
