"""The inventory builder turns measured energy and cited parameters into per-FU amounts."""

from __future__ import annotations

import pytest

from lca.inventory import CLERK_HOUR, IT_ELECTRICITY, build_inventory
from lca.reference_data import grid_table, parameter
from lca.study import load_study
from tests.conftest import DIGITS
from tests.records_factory import bench, energy


@pytest.fixture
def inventory():
    study = load_study(DIGITS)  # 1e6 items, France, average-datacentre PUE, desktop clerks
    return build_inventory(
        study,
        "run-1",
        training=energy("training", 0.010),
        compression={"int8_dynamic": energy("c", 0.001), "pruned_50": energy("c", 0.004)},
        benchmarks={
            "baseline": bench("baseline", 2e-9),
            "int8_dynamic": bench("int8_dynamic", 1e-9),
            "pruned_50": bench("pruned_50", 2e-9),
        },
    )


def test_each_ml_variant_pays_training_its_compression_and_inference_for_all_items(inventory):
    stages = {s.stage: s.amount for s in inventory.scenario("int8_dynamic").stages}
    assert stages == pytest.approx({"training": 0.010, "compression": 0.001, "inference": 1e-9 * 1_000_000})
    baseline = {s.stage for s in inventory.scenario("baseline").stages}
    assert baseline == {"training", "inference"}


def test_grid_electricity_includes_the_pue(inventory):
    pue = parameter("pue_average_datacenter_2023").value
    assert inventory.provider(IT_ELECTRICITY).electricity_kwh_per_unit == pytest.approx(pue)
    assert inventory.electricity_kwh("baseline") == pytest.approx((0.010 + 2e-9 * 1e6) * pue)


def test_the_reference_is_human_hours_times_computer_power(inventory):
    seconds = parameter("human_seconds_read_and_key_digit").value  # 1.6 s
    watts = parameter("office_desktop_power").value  # 70 W
    hours = 1_000_000 * seconds / 3600
    (stage,) = inventory.scenario("reference").stages
    assert stage.provider == CLERK_HOUR
    assert stage.amount == pytest.approx(hours)
    assert inventory.electricity_kwh("reference") == pytest.approx(hours * watts / 1000)


def test_uncertainty_follows_the_measurement_method_and_the_sources(inventory):
    (stage,) = inventory.scenario("reference").stages
    assert stage.uncertainty.gsd == parameter("human_seconds_read_and_key_digit").uncertainty.gsd
    inference = inventory.scenario("baseline").stages[-1]
    assert inference.uncertainty.gsd == 1.8  # the estimate's spread, from the energy record


def test_the_grid_factor_and_its_source_come_from_the_cited_table(inventory):
    france = grid_table().factor("FRA")
    assert inventory.grid_kg_co2e_per_kwh == pytest.approx(france.kg_co2e_per_kwh)
    assert "codecarbon" in inventory.grid_source.lower()


def test_a_missing_benchmark_is_an_error_not_a_zero():
    study = load_study(DIGITS)
    with pytest.raises(ValueError, match="pruned_50"):
        build_inventory(
            study,
            "run-1",
            training=energy("training", 0.01),
            compression={"int8_dynamic": energy("c", 0.001)},
            benchmarks={"baseline": bench("baseline", 1e-9), "int8_dynamic": bench("int8_dynamic", 1e-9)},
        )
