"""The GPUs a task uses, as NVML sees them, and their energy counters.

CUDA numbers the devices a process may use through ``CUDA_VISIBLE_DEVICES``, either by
index or by UUID (``GPU-8f3c...``, a unique prefix is enough). NVML, which holds the
energy counters, numbers *every* GPU of the machine, in PCI bus order. Reading NVML
device 0 for a task that runs on ``CUDA_VISIBLE_DEVICES=2`` books another tenant's GPU,
and reading every device books them all: the mapping below is what ties the energy to
the task.

Indices are only comparable when both sides order devices the same way. CUDA orders
"fastest first" unless ``CUDA_DEVICE_ORDER=PCI_BUS_ID``; it breaks ties by PCI bus id, so
on a machine of identical GPUs both orders agree. Anywhere else an index is ambiguous
and the mapping refuses it, naming the two ways out (UUIDs, or PCI order).

The counter is ``nvmlDeviceGetTotalEnergyConsumption``: millijoules since the driver
loaded, integrated on the board (Volta and later), as Zeus reads it, not a power
reading sampled by software. A GPU reports the energy of the whole board; NVML has no
per-process energy, so a GPU is attributed to the task only while no other process
computes on it, and the record says whether that held (:func:`foreign_processes`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lca.errors import LcaError


class GpuMappingError(LcaError):
    """The task's visible GPUs cannot be tied to NVML devices without guessing."""


@dataclass(frozen=True)
class Gpu:
    """One physical GPU the task can use."""

    nvml_index: int
    uuid: str
    name: str
    handle: Any


def visible_tokens(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The entries of ``CUDA_VISIBLE_DEVICES``; None when unset (every GPU is visible).

    CUDA reads the list up to its first invalid entry and ignores the rest; an empty
    value hides every GPU.
    """
    env = os.environ if environ is None else environ
    raw = env.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return None
    return [token.strip() for token in raw.split(",") if token.strip()]


def _decoded(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def task_gpus(nvml: Any, environ: Mapping[str, str] | None = None) -> list[Gpu]:
    """The NVML devices behind the task's CUDA devices, in CUDA's order.

    ``nvml`` is the ``pynvml`` module (already initialised) or an object with the same
    functions; tests pass a fake.
    """
    env = os.environ if environ is None else environ
    physical = []
    for index in range(nvml.nvmlDeviceGetCount()):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        physical.append(
            Gpu(index, _decoded(nvml.nvmlDeviceGetUUID(handle)), _decoded(nvml.nvmlDeviceGetName(handle)), handle)
        )
    tokens = visible_tokens(env)
    if tokens is None:
        return physical
    chosen: list[Gpu] = []
    for token in tokens:
        gpu = _match(token, physical, env)
        if gpu is None:
            break  # CUDA stops at the first entry it cannot use
        if gpu in chosen:
            raise GpuMappingError(f"CUDA_VISIBLE_DEVICES: value {token!r} names GPU {gpu.uuid} twice")
        chosen.append(gpu)
    return chosen


def for_device(visible: list[Gpu], device: str, environ: Mapping[str, str] | None = None) -> list[Gpu]:
    """The one GPU behind torch's ``device`` among the task's ``visible`` ones (:func:`task_gpus`).

    The stages run on one GPU: ``cuda`` is torch's current device (index 0 unless set) and
    ``cuda:N`` the N-th visible one. Reading every visible board would book the idle draw of
    GPUs the task never touched (all of a machine's GPUs when ``CUDA_VISIBLE_DEVICES`` is
    unset). With it unset, CUDA's 'fastest first' order matches NVML's PCI order only among
    identical GPUs, so elsewhere the index is refused as in :func:`task_gpus`.
    """
    env = os.environ if environ is None else environ
    _, _, suffix = device.partition(":")
    if suffix and not suffix.isdigit():
        raise GpuMappingError(f"device {device!r}: not a CUDA device index")
    index = int(suffix) if suffix else 0
    if index >= len(visible):
        raise GpuMappingError(
            f"device {device!r}: the task sees {len(visible)} GPU(s) (CUDA_VISIBLE_DEVICES "
            f"{env.get('CUDA_VISIBLE_DEVICES', 'unset')!r}), no CUDA device {index}"
        )
    names = {gpu.name for gpu in visible}
    ordered = visible_tokens(env) is not None or env.get("CUDA_DEVICE_ORDER", "FASTEST_FIRST") == "PCI_BUS_ID"
    if not ordered and len(names) > 1:
        raise GpuMappingError(
            f"device {device!r}: with different GPU models ({', '.join(sorted(names))}) and CUDA_VISIBLE_DEVICES "
            "unset, CUDA's 'fastest first' order differs from NVML's PCI order; set CUDA_DEVICE_ORDER=PCI_BUS_ID "
            "or name the GPU in CUDA_VISIBLE_DEVICES"
        )
    return [visible[index]]


def _match(token: str, physical: list[Gpu], env: Mapping[str, str]) -> Gpu | None:
    if token.startswith("MIG-"):
        raise GpuMappingError(
            f"CUDA_VISIBLE_DEVICES: value {token!r}: a MIG instance has no energy counter of its own; "
            "measure on a whole GPU"
        )
    if token.isdigit():
        index = int(token)
        if index >= len(physical):
            return None
        names = {gpu.name for gpu in physical}
        if env.get("CUDA_DEVICE_ORDER", "FASTEST_FIRST") != "PCI_BUS_ID" and len(names) > 1:
            raise GpuMappingError(
                f"CUDA_VISIBLE_DEVICES: value {token!r}: with different GPU models ({', '.join(sorted(names))}) "
                "CUDA's default 'fastest first' order differs from NVML's PCI order; set CUDA_DEVICE_ORDER=PCI_BUS_ID "
                "or name the GPU by its UUID"
            )
        return physical[index]
    prefix = token if token.startswith("GPU-") else f"GPU-{token}"
    found = [gpu for gpu in physical if gpu.uuid.startswith(prefix)]
    if len(found) > 1:
        raise GpuMappingError(f"CUDA_VISIBLE_DEVICES: value {token!r} matches {len(found)} GPUs; give more of the UUID")
    return found[0] if found else None


def energy_mj(nvml: Any, gpus: list[Gpu]) -> dict[str, int]:
    """Each GPU's total-energy counter, in millijoules, keyed by UUID."""
    return {gpu.uuid: int(nvml.nvmlDeviceGetTotalEnergyConsumption(gpu.handle)) for gpu in gpus}


def foreign_processes(nvml: Any, gpus: list[Gpu], own_pids: set[int]) -> dict[str, list[int]]:
    """Processes other than the task's computing on each of its GPUs (empty lists: it held them alone)."""
    found = {}
    for gpu in gpus:
        running = nvml.nvmlDeviceGetComputeRunningProcesses(gpu.handle)
        found[gpu.uuid] = sorted(p.pid for p in running if p.pid not in own_pids)
    return found
