"""RAPL energy counters through the Linux powercap interface.

The kernel exposes each RAPL domain as a folder under ``/sys/class/powercap``:
``intel-rapl:N`` for a package (socket), ``intel-rapl:N:M`` for its subdomains (core,
uncore, dram), each with ``name``, ``energy_uj`` (a monotonic counter in microjoules that
wraps at ``max_energy_range_uj``) and ``max_energy_range_uj``. AMD processors use the
same ``intel-rapl`` folders where the kernel's ``intel_rapl`` driver supports them.

What is summed: the package domains, plus the DRAM subdomains (outside the package on
servers). Core and uncore are parts of the package and ``psys`` covers the whole
platform, package included, so adding them would count energy twice. The
``intel-rapl-mmio`` folders mirror the package domain through another interface and are
skipped for the same reason.

Since Linux 5.10 ``energy_uj`` is readable by root only (CVE-2020-8694, the "Platypus"
side channel): an unreadable counter is reported as such, never read as zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lca.errors import LcaError

POWERCAP_ROOT = Path("/sys/class/powercap")

# intel-rapl:0 (package) and intel-rapl:0:1 (a subdomain); not intel-rapl-mmio:0.
_ZONE = re.compile(r"^intel-rapl:(\d+)(?::(\d+))?$")


class CounterUnreadable(LcaError):
    """A counter exists but cannot be read (permissions, a vanished zone)."""


@dataclass(frozen=True)
class Zone:
    """One RAPL domain that contributes to the machine's energy."""

    path: Path
    name: str
    max_energy_uj: int

    @property
    def label(self) -> str:
        return f"{self.path.name} ({self.name})"


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except PermissionError:
        raise CounterUnreadable(
            f"{path}: permission denied (RAPL counters are readable by root only since Linux 5.10, CVE-2020-8694)"
        ) from None
    except (OSError, ValueError) as exc:
        raise CounterUnreadable(f"{path}: cannot read the counter: {exc}") from None


def discover(root: Path = POWERCAP_ROOT) -> list[Zone]:
    """The package and DRAM domains under ``root``; empty when the machine exposes none."""
    if not root.is_dir():
        return []
    zones = []
    for folder in sorted(root.iterdir()):
        match = _ZONE.match(folder.name)
        if not match or not (folder / "energy_uj").exists():
            continue
        try:
            name = (folder / "name").read_text().strip()
        except OSError:
            continue
        is_package = match.group(2) is None and name.startswith("package")
        is_dram = match.group(2) is not None and name == "dram"
        if is_package or is_dram:
            zones.append(Zone(folder, name, _read_int(folder / "max_energy_range_uj")))
    return zones


def read(zones: list[Zone]) -> dict[Path, int]:
    """One reading of every zone's counter, in microjoules."""
    return {zone.path: _read_int(zone.path / "energy_uj") for zone in zones}


def delta_uj(before: int, after: int, max_energy_uj: int) -> int:
    """Energy between two readings of one counter, across at most one wrap-around.

    The counter restarts from zero after ``max_energy_range_uj``; a reading lower than the
    one before means it wrapped once (readings a second or so apart cannot wrap twice:
    the range is about 262 kJ, hours at a package's power).
    """
    if not 0 <= before <= max_energy_uj or not 0 <= after <= max_energy_uj:
        raise CounterUnreadable(f"a RAPL reading outside [0, {max_energy_uj}] uJ: {before} then {after}")
    return after - before if after >= before else max_energy_uj - before + after


def energy_j(zones: list[Zone], before: dict[Path, int], after: dict[Path, int]) -> float:
    """The zones' energy in joules between two readings."""
    return sum(delta_uj(before[z.path], after[z.path], z.max_energy_uj) for z in zones) / 1e6
