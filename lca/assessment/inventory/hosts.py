"""Idle power belongs to one machine: refuse benchmarks whose idle came from another.

A benchmark's dynamic energy is its total minus the idle power of the machine it ran on.
On a cluster the idle task and a benchmark may land on different hosts; the benchmark
then measures idle again on its own host (:func:`lca.ml.energy.idle_on_this_host`). A
record that still pairs two hosts (written by an older version, or edited by hand) would
mix two machines' figures, so the inventory refuses it and names both hosts.
"""

from __future__ import annotations

from lca.errors import LcaError
from lca.records import VariantBenchmark


def check_idle_hosts(benchmarks: dict[str, VariantBenchmark]) -> None:
    wrong = [
        f"variant {name!r}: benchmark measured on {b.energy.host or 'an unknown host'!r}, "
        f"idle power on {b.idle_energy.host or 'an unknown host'!r}"
        for name, b in benchmarks.items()
        if b.idle_energy is not None and b.idle_energy.host != b.energy.host
    ]
    if wrong:
        raise LcaError(
            "idle power may only be subtracted from a benchmark measured on the same host: " + "; ".join(wrong)
        )
