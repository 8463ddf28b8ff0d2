"""Energy records say how the number was obtained and carry a matching uncertainty."""

from __future__ import annotations

import pytest

from lca.ml.energy import classify_method, method_uncertainty, run_for_at_least, track_energy
from lca.records import EnergyRecord


def test_load_mode_without_counters_is_an_estimate_not_a_measurement():
    assert classify_method("cpu_load", gpu_count=0, gpu_energy_kwh=0.0) == "codecarbon_estimate"
    assert classify_method("constant", gpu_count=0, gpu_energy_kwh=0.0) == "codecarbon_estimate"
    assert classify_method("intel_rapl", gpu_count=0, gpu_energy_kwh=0.0) == "rapl"
    assert classify_method("intel_rapl", gpu_count=1, gpu_energy_kwh=0.2) == "nvml"
    # a GPU measured with NVML next to an estimated CPU still makes the total an estimate
    assert classify_method("cpu_load", gpu_count=1, gpu_energy_kwh=0.2) == "codecarbon_estimate"


def test_an_estimate_is_given_a_wider_spread_than_a_counter():
    assert method_uncertainty("codecarbon_estimate").gsd > method_uncertainty("rapl").gsd
    assert "TDP" in method_uncertainty("codecarbon_estimate").basis


def test_a_tracked_block_yields_a_complete_record_that_survives_a_round_trip(tmp_path):
    with track_energy("unit-test", "FRA") as measurement:
        measurement.items = run_for_at_least(1.5, lambda: sum(range(20_000)) and 1)
    record = measurement.record
    assert record.duration_s >= 1.5
    assert record.energy_kwh > 0
    assert record.energy_kwh == pytest.approx(record.cpu_kwh + record.ram_kwh + record.gpu_kwh, rel=1e-6)
    assert record.method in {"rapl", "nvml", "codecarbon_estimate"}
    assert record.cpu_model and record.codecarbon_version
    assert record.items > 0 and record.kwh_per_item == pytest.approx(record.energy_kwh / record.items)
    again = EnergyRecord.load(record.save(tmp_path / "e.json"))
    assert again == record


def test_energy_per_item_needs_an_item_count():
    with track_energy("no-items", "FRA") as measurement:
        pass
    with pytest.raises(ValueError, match="no items"):
        _ = measurement.record.kwh_per_item
