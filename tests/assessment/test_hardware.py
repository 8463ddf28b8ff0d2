"""Embodied hardware: Boavizta's bottom-up formulas recomputed from the transcribed inputs, by hand."""

from __future__ import annotations

import pytest
import yaml

from lca.assessment.hardware import effective_die_area, hardware_table
from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir


def test_the_server_is_the_sum_of_its_components_by_boaviztas_formulas():
    server = hardware_table().device("server_2s_r740")
    cpu = 2 * (24 * 24.5 * 0.0197 + 9.14)  # units x (die mm2 x kg/mm2 + base)
    ram = 12 * (32 / 1.2444 * 2.20 + 5.22)  # units x (GB / GB per cm2 x kg/cm2 + base)
    ssd = 1 * (400 / 54.884 * 2.20 + 6.34)
    psu = 2 * 2.99 * 24.3
    rest = 150.0 + 66.1 + 6.68  # rack case, motherboard, assembly
    assert server.components["ram"]["climate"] == pytest.approx(ram)
    assert server.totals["climate"] == pytest.approx(cpu + ram + ssd + psu + rest)
    assert server.totals["climate"] == pytest.approx(1173.4, abs=0.1)
    assert server.per_hour_of_use() == pytest.approx(1 / 35040)  # 4 years, always on
    assert server.threads == 96


def test_gpu_dies_cost_the_wafer_area_of_boaviztas_yield_model():
    # Value of boaviztapi 2.5.0's _calculate_effective_area_on_circular_wafer(814), checked against its code.
    assert effective_die_area(814) == pytest.approx(2808.445, rel=1e-6)
    gpu = hardware_table().device("gpu_80gb")
    assert gpu.components["gpu_die"]["climate"] == pytest.approx(2808.445 * 0.042592, rel=1e-6)
    assert gpu.totals["climate"] == pytest.approx(sum(c["climate"] for c in gpu.components.values()))


def test_user_devices_use_ademes_totals_and_are_charged_per_hour_of_actual_use():
    desktop = hardware_table().device("desktop_pro")
    assert desktop.totals == {"climate": 277.0, "minerals": 0.00852, "fossils": 5110.0}
    assert desktop.hours_of_use == pytest.approx(52560 * 0.3)
    assert "negative" in desktop.water_note


def test_an_unknown_device_is_named_with_the_known_ones():
    with pytest.raises(ReferenceDataError, match=r"'tpu_v9'.*desktop_pro"):
        hardware_table().device("tpu_v9")


def test_a_malformed_device_names_the_file_and_the_field(tmp_path):
    raw = yaml.safe_load((reference_data_dir() / "hardware.yaml").read_text())
    raw["devices"]["desktop_pro"]["model"] = "guess"
    path = tmp_path / "hardware.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReferenceDataError, match=rf"{path}.*devices.desktop_pro.*guess"):
        hardware_table(path)
