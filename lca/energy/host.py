"""What machine a window ran on: virtual or bare metal, its vCPUs, its CPU model.

A 2-vCPU VM is not the 2-socket server an LCA may charge its measurements to: the
record states what was measured so that the two can be compared (and a reader can see
that "AMD EPYC" with no model number was matched to a family default, not a spec sheet).
Three signs of a hypervisor are read, each recorded, none trusted alone: the
``hypervisor`` CPU flag (set by the kernel under KVM, Xen, Hyper-V, VMware),
``systemd-detect-virt`` when present (it also names containers), and the DMI product
name (e.g. "KVM", "VMware Virtual Platform", "Google Compute Engine").
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
DMI_PRODUCT = Path("/sys/class/dmi/id/product_name")
_VM_PRODUCTS = ("kvm", "vmware", "virtualbox", "qemu", "hvm domu", "virtual machine", "google compute", "bochs")


@dataclass(frozen=True)
class HostSigns:
    cpu_model: str
    logical_cpus: int
    virtual: bool | None  # None: no sign either way
    evidence: str


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    try:
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "cpu model"):
                return value.strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


def _hypervisor_flag(cpuinfo: Path) -> bool | None:
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return "hypervisor" in line.split(":", 1)[1].split()
    except OSError:
        return None
    return None


def _detect_virt() -> str | None:
    tool = shutil.which("systemd-detect-virt")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def describe(cpuinfo: Path = CPUINFO, dmi_product: Path = DMI_PRODUCT, detect_virt: str | None = "auto") -> HostSigns:
    """The host, from the signs it gives; ``detect_virt`` 'auto' runs systemd-detect-virt (tests pass a value)."""
    flag = _hypervisor_flag(cpuinfo)
    virt = _detect_virt() if detect_virt == "auto" else detect_virt
    try:
        product = dmi_product.read_text().strip()
    except OSError:
        product = ""
    evidence = [
        f"cpuinfo hypervisor flag {'set' if flag else 'absent' if flag is False else 'unreadable'}",
        f"systemd-detect-virt {virt!r}" if virt is not None else "systemd-detect-virt unavailable",
        f"DMI product {product!r}" if product else "DMI product unreadable",
    ]
    product_vm = any(p in product.lower() for p in _VM_PRODUCTS) if product else None
    signs = [s for s in (flag, product_vm) if s is not None]
    if virt is not None and virt != "none":
        # a container name (docker, lxc) says nothing of the machine below it; a VM name does
        containers = ("docker", "lxc", "lxc-libvirt", "podman", "rkt", "systemd-nspawn", "openvz", "wsl")
        if virt not in containers:
            signs.append(True)
    virtual = any(signs) if signs else None
    return HostSigns(cpu_model(cpuinfo), os.cpu_count() or 1, virtual, "; ".join(evidence))


@lru_cache(maxsize=1)
def this_host() -> HostSigns:
    return describe()


def server_mismatch(
    logical_cpus: int,
    virtual: bool | None,
    server: str,
    server_threads: int,
    declared_share: float,
    factor: float = 2.0,
) -> str | None:
    """A warning when the measured host is far smaller (or larger) than the share of the server it is charged as.

    Energy is measured on this host; the LCA charges idle power and embodied impacts as
    ``declared_share`` of the modelled ``server``. The host's own share of that server is
    its logical CPUs over the server's threads (``share: from_host`` in the issue's terms).
    More than ``factor`` apart either way, the measured energy and the charged hardware
    describe different machines.
    """
    if server_threads <= 0 or declared_share <= 0:
        return None
    implied = logical_cpus / server_threads
    if 1 / factor <= declared_share / implied <= factor:
        return None
    kind = "a VM" if virtual else "bare metal" if virtual is False else "a host"
    return (
        f"energy is measured on {kind} with {logical_cpus} logical CPU(s), whose share of {server} "
        f"({server_threads} threads) is {logical_cpus}/{server_threads} = {implied:.3g}, but the LCA charges the "
        f"server's idle power and embodied impacts at a share of {declared_share:.3g} "
        f"({declared_share / implied:.3g}x the hardware measured): set the share to about {implied:.3g}, or measure "
        f"on the modelled server"
    )
