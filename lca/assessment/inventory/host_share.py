"""The measured host against the modelled server: the share it implies, and a warning when they disagree.

Energy is measured on whatever machine ran the stages (often a small VM); idle power and
embodied impacts are charged as a share of the *modelled* server (``lca.hardware.server``).
A 2-vCPU VM charged as a tenth of a 96-thread server is charged for about five times the
hardware it ran on. The records state the host (:class:`lca.records.HostFacts`: VM or bare
metal, logical CPUs, CPU model, the source of its power figure), so the inventory can:

* resolve ``deployment.server_share: from_host``: the measured host's logical CPUs over the
  server's threads (hardware data), stated in the allocation sentence with the result;
* warn (``StudyInventory.host_warnings``: the report's 'In short' and Limitations) when the
  share charged is far from that implied share
  (:func:`lca.energy.host.server_mismatch`, the same test ``lca-ml validate`` runs on the
  host it is called on).

Where the stages ran on hosts of different sizes, the largest is taken: the service must
fit on the largest machine it was measured on, and the larger share is the conservative one.
"""

from __future__ import annotations

from collections.abc import Iterable

from lca.energy.host import server_mismatch
from lca.errors import StudyError
from lca.records import EnergyRecord, HostFacts
from lca.study.reference_data import hardware_data
from lca.study.schema import FROM_HOST, Study


def measured_hosts(records: Iterable[EnergyRecord | None]) -> dict[str, HostFacts]:
    """Each measured host (by name) and what it said of itself; records of older runs carry no facts."""
    found: dict[str, HostFacts] = {}
    for record in records:
        if record is not None and record.machine is not None:
            found.setdefault(record.host or record.machine.cpu_model, record.machine)
    return found


def server_threads(study: Study) -> int | None:
    threads = (hardware_data().get("devices") or {}).get(study.lca.hardware.server, {}).get("threads")
    return threads if isinstance(threads, int) and threads > 0 else None


def _largest(hosts: dict[str, HostFacts]) -> tuple[str, HostFacts]:
    return max(hosts.items(), key=lambda item: (item[1].logical_cpus, item[0]))


def _kind(facts: HostFacts) -> str:
    return "a VM" if facts.virtual else "bare metal" if facts.virtual is False else "a host of unknown kind"


def share_from_host(study: Study, records: Iterable[EnergyRecord | None]) -> tuple[float, str]:
    """``deployment.server_share: from_host``: the measured host's logical CPUs / the server's threads, and why."""
    field = f"field 'deployment.server_share': value {FROM_HOST!r}"
    server = study.lca.hardware.server
    threads = server_threads(study)
    if threads is None:
        raise StudyError(f"{field}: the server {server!r} states no threads in include/data/hardware.yaml")
    hosts = measured_hosts(records)
    if not hosts:
        raise StudyError(
            f"{field}: no energy record of this run states its host (logical CPUs): records written before host "
            "facts were recorded cannot give the share; measure again, or declare a share"
        )
    name, facts = _largest(hosts)
    share = min(1.0, facts.logical_cpus / threads)
    why = (
        f"deployment.server_share {FROM_HOST!r}: {facts.logical_cpus} logical CPUs of the measured host {name!r} "
        f"({_kind(facts)}, {facts.cpu_model}) / {threads} threads of {server}"
    )
    if facts.logical_cpus > threads:
        why += ", capped at the whole server"
    if len({f.logical_cpus for f in hosts.values()}) > 1:
        sizes = ", ".join(f"{n}: {f.logical_cpus}" for n, f in sorted(hosts.items()))
        why += f"; the largest of the hosts measured ({sizes})"
    return share, why


def mismatch_warnings(study: Study, records: Iterable[EnergyRecord | None], share: float) -> list[str]:
    """Warnings for the report when a measured host is far smaller (or larger) than the share it is charged as."""
    threads = server_threads(study)
    if threads is None:
        return []
    notes = []
    for name, facts in sorted(measured_hosts(records).items()):
        warning = server_mismatch(facts.logical_cpus, facts.virtual, study.lca.hardware.server, threads, share)
        if warning:
            notes.append(
                f"Measured host {name!r} ({facts.cpu_model}; CPU power: {facts.cpu_power_source}): {warning} "
                f"(deployment.server_share: {FROM_HOST} charges the measured host's share)."
            )
    return notes
