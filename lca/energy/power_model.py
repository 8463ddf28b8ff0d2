"""Watts per busy hardware thread and per GB of resident memory, for hosts without counters.

Where the machine has no RAPL counter, the task's energy is modelled from what the
kernel counts for the task itself: its CPU seconds times the power of one busy hardware
thread (TDP / threads of its CPU, ``include/data/cpu_power.yaml``), plus its resident
memory times a cited W/GB. Neither depends on what else runs on the machine, unlike
CodeCarbon's load mode, which charges the machine's whole load and its installed RAM.

The host's CPU is matched by name (``/proc/cpuinfo``'s model name, e.g. "AMD EPYC 7763
64-Core Processor" matches "AMD EPYC 7763"). A CPU that names only its family (a VM
showing "AMD EPYC") gets the family's default: the geometric mean of W/thread over the
family's listed models, with a wider stated spread; a CPU of no listed family gets the
mean of every listed model at the widest spread.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir

CPU_POWER_FILE = "cpu_power.yaml"

_NOISE = re.compile(r"\((r|tm)\)|\bcpu\b|@.*$|\b\d+-core\b|\bprocessor\b", re.IGNORECASE)


@dataclass(frozen=True)
class CitedFigure:
    """A figure of the model: its value, lognormal spread and where it comes from."""

    value: float
    unit: str
    gsd: float
    source: str
    match: str = ""  # how the host was matched: 'model', 'family' or 'unknown' (CPU only)


@dataclass(frozen=True)
class CpuEntry:
    name: str
    family: str
    tdp_w: float
    threads: int

    @property
    def w_per_thread(self) -> float:
        return self.tdp_w / self.threads


def _tokens(name: str) -> list[str]:
    return _NOISE.sub(" ", name).lower().split()


@lru_cache(maxsize=4)
def load_table(path: Path | None = None) -> dict:
    """The data file, checked: every CPU has a positive TDP and thread count."""
    path = path or reference_data_dir() / CPU_POWER_FILE
    try:
        table = yaml.safe_load(path.read_text())
        cpus = [CpuEntry(c["name"], c["family"], float(c["tdp_w"]), int(c["threads"])) for c in table["cpus"]]
        gsd, ram = table["gsd"], table["ram"]
        for key in ("known", "family", "unknown"):
            if not float(gsd[key]) >= 1.0:
                raise ValueError(f"field 'gsd.{key}': value {gsd[key]!r} is below 1")
        float(ram["w_per_gb"]), float(ram["gsd"]), str(ram["source"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the CPU power model: {exc}") from exc
    for cpu in cpus:
        if cpu.tdp_w <= 0 or cpu.threads <= 0:
            raise ReferenceDataError(f"{path}: CPU {cpu.name!r}: TDP and threads must be positive")
    return {**table, "cpus": cpus, "path": str(path)}


def _version(table: dict) -> str:
    return f"{Path(table['path']).name} v{table['version']}"


def geometric_spread(values: list[float]) -> tuple[float, float]:
    """Geometric mean and geometric SD of positive values."""
    logs = [math.log(v) for v in values]
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
    return math.exp(mean), math.exp(sd)


def combined_gsd(*gsds: float) -> float:
    """Independent lognormal spreads combined: the log-sigmas add in quadrature."""
    return math.exp(math.sqrt(sum(math.log(g) ** 2 for g in gsds)))


def cpu_w_per_thread(cpu_model: str, path: Path | None = None) -> CitedFigure:
    """Watts of one busy hardware thread of ``cpu_model``, matched by name, else by family."""
    table = load_table(path)
    host = set(_tokens(cpu_model))
    matches = [c for c in table["cpus"] if set(_tokens(c.name)) <= host]
    if matches:
        cpu = max(matches, key=lambda c: len(_tokens(c.name)))
        return CitedFigure(
            cpu.w_per_thread,
            "W/thread",
            float(table["gsd"]["known"]),
            f"{cpu.name}: TDP {cpu.tdp_w:g} W / {cpu.threads} threads ({_version(table)}; TDP: "
            f"{table['sources']['tdp'].split(',')[0]}; threads: vendor specifications)",
            "model",
        )
    families = sorted({c.family for c in table["cpus"]}, key=len, reverse=True)
    family = next((f for f in families if set(_tokens(f)) <= host), None)
    members = [c for c in table["cpus"] if family is None or c.family == family]
    mean, spread = geometric_spread([c.w_per_thread for c in members])
    kind = "family" if family else "unknown"
    what = f"family {family!r}" if family else "no listed family"
    return CitedFigure(
        mean,
        "W/thread",
        float(table["gsd"][kind]),
        f"CPU {cpu_model!r} is not listed, {what}: geometric mean of TDP/threads over {len(members)} listed "
        f"models ({min(c.w_per_thread for c in members):.2g} to {max(c.w_per_thread for c in members):.2g} W/thread, "
        f"their spread x/÷{spread:.2f}), stated spread x/÷{table['gsd'][kind]} ({_version(table)})",
        kind,
    )


def ram_w_per_gb(path: Path | None = None) -> CitedFigure:
    table = load_table(path)
    ram = table["ram"]
    return CitedFigure(
        float(ram["w_per_gb"]), "W/GB", float(ram["gsd"]), " ".join(str(ram["source"]).split()), "resident memory"
    )
