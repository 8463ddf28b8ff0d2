"""The inventory refuses a benchmark whose idle power was measured on another host."""

from __future__ import annotations

import pytest

from lca.assessment.inventory import build_inventory
from lca.errors import LcaError
from lca.study.loading import load_study
from tests.conftest import DIGITS
from tests.records_factory import bench, energy


def _measurements(idle_host: str):
    study = load_study(DIGITS)
    benchmarks = {}
    for name in study.variant_names():
        b = bench(name, 1e-7)
        b = b.model_copy(
            update={
                "energy": b.energy.model_copy(update={"host": "worker1"}),
                "idle_energy": energy("idle", 1e-6).model_copy(update={"host": "worker1"}),
            }
        )
        benchmarks[name] = b
    last = study.variant_names()[-1]
    b = benchmarks[last]
    benchmarks[last] = b.model_copy(update={"idle_energy": b.idle_energy.model_copy(update={"host": idle_host})})
    compression = {n: energy(f"compression:{n}", 1e-4) for n in study.variant_names()[1:]}
    return study, benchmarks, compression, last


def test_an_idle_record_from_another_host_is_refused_naming_both_hosts():
    study, benchmarks, compression, last = _measurements("worker2")
    with pytest.raises(LcaError, match=rf"variant '{last}': benchmark measured on 'worker1', idle power on 'worker2'"):
        build_inventory(study, "run", energy("training", 1e-3), compression, benchmarks)


def test_the_same_host_everywhere_is_accepted():
    study, benchmarks, compression, _ = _measurements("worker1")
    inventory = build_inventory(study, "run", energy("training", 1e-3), compression, benchmarks)
    assert inventory.scenarios
