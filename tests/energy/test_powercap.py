"""The RAPL reader on fake powercap trees: which domains count, wrap-around, unreadable counters."""

from __future__ import annotations

import os

import pytest

from lca.energy import powercap


def _zone(root, folder, name, energy_uj, max_uj=262_143_328_850):
    path = root / folder
    path.mkdir(parents=True)
    (path / "name").write_text(f"{name}\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


def test_a_machine_without_powercap_has_no_zones(tmp_path):
    assert powercap.discover(tmp_path / "absent") == []


def test_packages_and_dram_count_core_uncore_psys_and_mmio_do_not(tmp_path):
    _zone(tmp_path, "intel-rapl:0", "package-0", 1)
    _zone(tmp_path, "intel-rapl:0:0", "core", 1)
    _zone(tmp_path, "intel-rapl:0:1", "uncore", 1)
    _zone(tmp_path, "intel-rapl:0:2", "dram", 1)
    _zone(tmp_path, "intel-rapl:1", "package-1", 1)
    _zone(tmp_path, "intel-rapl:2", "psys", 1)
    _zone(tmp_path, "intel-rapl-mmio:0", "package-0", 1)
    names = [(z.path.name, z.name) for z in powercap.discover(tmp_path)]
    assert names == [("intel-rapl:0", "package-0"), ("intel-rapl:0:2", "dram"), ("intel-rapl:1", "package-1")]


def test_energy_between_two_readings_sums_the_zones_in_joules(tmp_path):
    a = _zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    b = _zone(tmp_path, "intel-rapl:0:2", "dram", 5_000_000)
    zones = powercap.discover(tmp_path)
    before = powercap.read(zones)
    (a / "energy_uj").write_text("4000000\n")
    (b / "energy_uj").write_text("5500000\n")
    assert powercap.energy_j(zones, before, powercap.read(zones)) == pytest.approx(3.5)


def test_a_counter_that_wrapped_around_counts_the_energy_across_the_wrap(tmp_path):
    pkg = _zone(tmp_path, "intel-rapl:0", "package-0", 9_900_000, max_uj=10_000_000)
    zones = powercap.discover(tmp_path)
    before = powercap.read(zones)
    (pkg / "energy_uj").write_text("400000\n")  # 0.1 J to the wrap, then 0.4 J
    assert powercap.energy_j(zones, before, powercap.read(zones)) == pytest.approx(0.5)


def test_a_reading_beyond_the_counter_range_is_refused():
    with pytest.raises(powercap.CounterUnreadable, match="outside"):
        powercap.delta_uj(5, 11, 10)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: permissions cannot be tested as root")
def test_an_unreadable_counter_is_named_not_read_as_zero(tmp_path):
    pkg = _zone(tmp_path, "intel-rapl:0", "package-0", 1)
    zones = powercap.discover(tmp_path)
    (pkg / "energy_uj").chmod(0)
    with pytest.raises(powercap.CounterUnreadable, match="root only"):
        powercap.read(zones)


def test_a_counter_that_holds_no_number_is_named(tmp_path):
    pkg = _zone(tmp_path, "intel-rapl:0", "package-0", 1)
    zones = powercap.discover(tmp_path)
    (pkg / "energy_uj").write_text("garbage\n")
    with pytest.raises(powercap.CounterUnreadable, match="energy_uj"):
        powercap.read(zones)
