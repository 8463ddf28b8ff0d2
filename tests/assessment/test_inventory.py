"""The inventory builder turns measured energy and cited parameters into per-FU amounts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lca.assessment.background import grid_impacts
from lca.assessment.hardware import hardware_table
from lca.assessment.inventory import (
    CLERK_HOUR,
    DEVELOPMENT,
    IT_ELECTRICITY,
    MANUAL_ITEM,
    OFFICE_HOUR,
    SERVER_HOUR,
    TRAINING_RUN,
    binomial_uncertainty,
    build_inventory,
    lognormal_product,
)
from lca.study.life_cycle import LcaSpec, TrainingRuns
from lca.study.loading import load_study
from lca.study.reference_data import grid_table, parameter, resolve
from tests.conftest import DIGITS
from tests.records_factory import bench, energy


def _study(**lca):
    study = load_study(DIGITS)  # 1e6 items, France, average-datacentre PUE, desktop clerks
    return study.model_copy(update={"lca": LcaSpec(**lca)})


def _build(study, per_item=None, accuracy=None, n_test_items=None, **kwargs):
    names = study.variant_names()
    per_item = per_item or {}
    accuracy = accuracy or {}
    n_test_items = n_test_items or {}
    benchmarks = {n: bench(n, per_item.get(n, 2e-9), accuracy.get(n, 0.97)) for n in names}
    for n, items in n_test_items.items():
        benchmarks[n] = benchmarks[n].model_copy(update={"n_test_items": items})
    return build_inventory(
        study,
        "run-1",
        training=energy("training", 0.010, duration_s=36.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks=benchmarks,
        **kwargs,
    )


@pytest.fixture(scope="module")
def inventory():
    return _build(_study(), per_item={"int8_dynamic": 1e-9})


def stages(inv, scenario):
    return {s.stage: s for s in inv.scenario(scenario).stages}


def test_each_ml_variant_pays_training_its_compression_and_inference_for_all_items(inventory):
    int8 = stages(inventory, "int8_dynamic")
    assert int8["training"].provider == TRAINING_RUN and int8["training"].amount == 1.0
    assert int8["compression"].amount == pytest.approx(0.001)
    assert int8["inference"].amount == pytest.approx(1e-9 * 1_000_000)
    assert {"training", "inference", "embodied hardware", "residual human work"} <= set(stages(inventory, "baseline"))
    assert "compression" not in stages(inventory, "baseline")


def test_measured_energy_reaches_the_grid_through_one_shared_measurement_provider_and_the_pue(inventory):
    pue = parameter("pue_average_datacenter_2023").value
    (use,) = inventory.provider("measured::codecarbon_estimate").uses
    assert use.input == IT_ELECTRICITY and use.amount == 1.0
    assert use.uncertainty.gsd == 1.8  # the estimate's spread, drawn once for every stage measured this way
    assert inventory.provider(IT_ELECTRICITY).electricity_kwh_per_unit == pytest.approx(pue)
    assert inventory.provider(TRAINING_RUN).uses[0].amount == pytest.approx(0.010)
    # inference is exact in the stage: its uncertainty lives in the shared provider
    assert stages(inventory, "baseline")["inference"].uncertainty.distribution == "none"


def test_training_repeats_with_the_search_runs_and_the_retrainings(tmp_path):
    inv = _build(_study(training_runs=TrainingRuns(hyperparameter_search=20, retrainings_per_period=4)))
    baseline = stages(inv, "baseline")
    assert baseline["training"].amount == 80
    assert stages(inv, "int8_dynamic")["compression"].amount == pytest.approx(4 * 0.001)


def test_a_variant_deployed_in_another_runtime_pays_its_preparation_once_per_build_like_a_compression():
    study = _study(training_runs=TrainingRuns(hyperparameter_search=1, retrainings_per_period=3))
    names = study.variant_names()
    compiled = bench("int8_dynamic", 1e-9).model_copy(
        update={"runtime": "onnxruntime", "runtime_preparation": energy("prepare:int8_dynamic:onnxruntime", 0.0002)}
    )
    inv = build_inventory(
        study,
        "run-1",
        training=energy("training", 0.010, duration_s=36.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks={**{n: bench(n, 2e-9) for n in names}, "int8_dynamic": compiled},
    )
    prepared = stages(inv, "int8_dynamic")["runtime preparation"]
    assert prepared.amount == pytest.approx(3 * 0.0002)
    assert (
        "onnxruntime" in prepared.comment and prepared.provider == stages(inv, "int8_dynamic")["compression"].provider
    )
    assert "runtime preparation" not in stages(inv, "baseline")  # eager: nothing to prepare


def test_the_reference_is_items_done_by_hand_and_a_manual_item_is_the_cited_time_of_a_clerk_hour(inventory):
    seconds = parameter("human_seconds_read_and_key_digit").value  # 0.55 s (KLM, one M per 5-digit field)
    watts = parameter("office_desktop_power").value  # 70 W
    (stage,) = inventory.scenario("reference").stages
    assert stage.provider == MANUAL_ITEM and stage.amount == 1_000_000 and stage.variable_share == 1.0
    (use,) = inventory.provider(MANUAL_ITEM).uses
    assert use.input == CLERK_HOUR and use.amount == pytest.approx(seconds / 3600)
    # France: the KLM's US laboratory times are a proxy there (geographical score 3 instead of 1: a wider spread)
    in_france = resolve("human_seconds_read_and_key_digit", "FRA")
    assert in_france.proxy_for == "FRA" and use.uncertainty.gsd == in_france.total_uncertainty.gsd
    assert inventory.electricity_kwh("reference") == pytest.approx(1_000_000 * seconds / 3600 * watts / 1000)


def test_devices_are_charged_by_hours_of_use_over_their_lifetime(inventory):
    desktop = hardware_table().device("desktop_pro")  # ADEME via Boavizta: 52,560 h, 30 % in use
    uses = {u.input: u for u in inventory.provider(CLERK_HOUR).uses}
    assert uses["device::desktop_pro"].amount == pytest.approx(1 / (52560 * 0.3))
    assert uses["device::desktop_pro"].uncertainty == desktop.lifetime_uncertainty
    assert "device::monitor" in uses and OFFICE_HOUR not in uses  # default boundary: devices only


def test_a_small_test_set_with_no_error_is_not_booked_better_than_a_large_one_with_a_few():
    """Issue 20: with 0 errors booked as a 0 % share, 31 test items gave a better ratio than 450."""
    inv = _build(_study(), accuracy={"baseline": 1 - 7 / 450, "int8_dynamic": 1.0}, n_test_items={"int8_dynamic": 31})
    seven_of_450 = stages(inv, "baseline")["residual human work"].amount
    none_of_31 = stages(inv, "int8_dynamic")["residual human work"].amount
    assert seven_of_450 == pytest.approx(8 / 452 * 1_000_000)  # (7 + 1) / (450 + 2) = 1.77 %
    assert none_of_31 == pytest.approx(1 / 33 * 1_000_000)  # (0 + 1) / (31 + 2) = 3.03 %
    assert none_of_31 > seven_of_450


def test_less_accuracy_means_more_residual_human_work_done_the_reference_way():
    study = _study()
    inv = _build(study, accuracy={"baseline": 0.98, "int8_dynamic": 0.90})
    good, poor = stages(inv, "baseline")["residual human work"], stages(inv, "int8_dynamic")["residual human work"]
    assert good.provider == poor.provider == MANUAL_ITEM
    # booked at the posterior mean (k + 1) / (n + 2) of k routed in n = 450 test items:
    # 0.02 x 450 = 9 routed -> 10 / 452; 0.10 x 450 = 45 routed -> 46 / 452
    assert good.amount == pytest.approx(10 / 452 * 1_000_000)
    assert poor.amount == pytest.approx(46 / 452 * 1_000_000)
    assert poor.uncertainty.gsd > 1.0  # binomial error of a share measured on 450 test items


def test_the_server_is_charged_for_the_share_of_it_the_workload_uses():
    inv = _build(_study())
    server = hardware_table().device("server_2s_r740")
    (use,) = inv.provider(SERVER_HOUR).uses
    assert use.amount == pytest.approx(1 / server.lifetime_hours)
    embodied = stages(inv, "baseline")["embodied hardware"]
    inference_s = 10.0 / 1000 * 1_000_000  # the benchmark window: 1000 items in 10 s
    hours = (36.0 + inference_s) / 3600
    assert embodied.amount == pytest.approx(hours * 2 / 96)  # 2 threads of the server's 96
    assert embodied.variable_share == pytest.approx(inference_s / (36.0 + inference_s))


def test_the_office_boundary_adds_the_building_for_every_person_hour_on_both_sides():
    inv = _build(_study(system_boundary="devices_and_office", development_hours="development_hours_small_model"))
    office = inv.provider(OFFICE_HOUR)
    expected = 95 * 0.75 * 10.9 / 1700  # TM46 electricity x share not workstations x BCO area / hours
    assert office.electricity_kwh_per_unit == pytest.approx(expected)
    (heat,) = office.uses
    # France: 4799.0 / 5764.8 GCAM population-weighted °F-days over the UK's = 0.8325 of the UK heating benchmark
    assert heat.input == "heat::natural_gas" and heat.amount == pytest.approx(120 * 10.9 / 1700 * 4799.0 / 5764.8)
    assert OFFICE_HOUR in {u.input for u in inv.provider(CLERK_HOUR).uses}
    assert OFFICE_HOUR in {u.input for u in inv.provider("engineer_hour").uses}
    assert stages(inv, "baseline")["development"].provider == DEVELOPMENT
    assert inv.boundary == "devices_and_office"


def test_without_declared_development_time_the_report_is_told_it_is_not_counted(inventory):
    assert "development" not in stages(inventory, "baseline")
    assert any("development time is not declared" in note for note in inventory.notes)


def test_the_grid_carries_the_four_categories_from_their_cited_tables(inventory):
    france = grid_table().factor("FRA")
    assert inventory.grid_kg_co2e_per_kwh == pytest.approx(france.kg_co2e_per_kwh)
    grid = next(a for a in inventory.background if a.key == "grid::FRA")
    impacts = grid_impacts("FRA")
    assert {f.category: f.total for f in grid.flows} == pytest.approx(impacts.totals)
    assert "codecarbon" in inventory.grid_source.lower()
    assert "WRI" in grid.flow("water").source and "ADEME" in grid.flow("fossils").source


def test_a_study_can_override_its_grid_and_the_activity_then_lives_in_its_own_foreground():
    from lca.study.life_cycle import GridOverride
    from lca.study.reference_data import Parameter
    from lca.uncertainty import NO_UNCERTAINTY

    mine = Parameter(value=12, unit="g/kWh", source="our supplier's certificate, 2026", uncertainty=NO_UNCERTAINTY)
    inv = _build(_study(grid_override=GridOverride(climate=mine)))
    grid = next(a for a in inv.background if a.key == "grid::FRA")
    assert grid.database == "" and grid.flow("climate").total == pytest.approx(0.012)
    assert grid.flow("water").total == pytest.approx(grid_impacts("FRA").totals["water"])  # the others stay national


def test_a_missing_benchmark_or_compression_record_is_an_error_not_a_zero():
    study = _study()
    names = study.variant_names()
    with pytest.raises(ValueError, match="pruned_50"):
        build_inventory(
            study,
            "run-1",
            training=energy("training", 0.01),
            compression={n: energy("c", 0.001) for n in names[1:]},
            benchmarks={n: bench(n, 1e-9) for n in names if n != "pruned_50"},
        )
    with pytest.raises(ValueError, match="compression energy record"):
        build_inventory(
            study,
            "run-1",
            training=energy("training", 0.01),
            compression={},
            benchmarks={n: bench(n, 1e-9) for n in names},
        )


def test_spreads_of_products_add_in_log_space_and_shares_carry_their_sampling_error():
    a, b = parameter("office_electricity_intensity"), parameter("office_area_per_workplace")  # lognormal 1.5, 1.25
    value, spread = lognormal_product([("e", a, "+"), ("a", b, "+")])
    assert value == pytest.approx(95 * 10.9)
    # each part's total spread: declared (1.5, 1.25) plus its pedigree's additional uncertainty
    ga, gb = a.total_uncertainty.gsd, b.total_uncertainty.gsd
    assert spread.gsd == pytest.approx(math.exp(math.hypot(math.log(ga), math.log(gb))))
    u = binomial_uncertainty(0.02, 450)
    cv = math.sqrt(0.02 * 0.98 / 450) / 0.02
    assert u.gsd == pytest.approx(math.exp(math.sqrt(math.log(1 + cv**2))))
    assert binomial_uncertainty(0.0, 450).distribution == "none"


def test_an_architecture_variant_pays_its_own_training_and_a_compressed_one_inherits_the_baselines(inventory):
    own = stages(inventory, "tiny_cnn")
    inherited = stages(inventory, "int8_dynamic")
    assert own["training"].provider == f"{TRAINING_RUN}::tiny_cnn" and "compression" not in own
    assert inherited["training"].provider == TRAINING_RUN and "compression" in inherited
    assert own["training"].amount == inherited["training"].amount, "same number of runs, each its own model's"
    # the measured records behind them: the variant's own from-scratch training (here 0.001 kWh), the baseline's 0.010
    assert inventory.provider(f"{TRAINING_RUN}::tiny_cnn").uses[0].amount == pytest.approx(0.001)
    assert inventory.provider(TRAINING_RUN).uses[0].amount == pytest.approx(0.010)


def test_a_run_on_the_gpu_charges_the_gpus_embodied_share_and_cannot_leave_the_gpu_out():
    from lca.errors import StudyError
    from lca.study.life_cycle import HardwareSpec

    study = _study()
    names = study.variant_names()
    gpu_training = energy("training", 0.010, duration_s=36.0).model_copy(update={"device": "cuda"})

    def build(s):
        return build_inventory(
            s,
            "run-gpu",
            training=gpu_training,
            compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
            benchmarks={n: bench(n, 2e-9) for n in names},
        )

    with pytest.raises(StudyError, match="ran on a GPU.*'lca.hardware.gpu' is not set"):
        build(study)
    with_gpu = study.model_copy(update={"lca": LcaSpec(hardware=HardwareSpec(gpu="gpu_80gb"))})
    gpu_stage = stages(build(with_gpu), "baseline")["embodied hardware (GPU)"]
    assert gpu_stage.provider == "gpu_hour" and gpu_stage.amount > 0


def test_the_office_heating_follows_the_studys_country_and_proxies_are_named_in_the_notes():
    study = _study(system_boundary="devices_and_office", development_hours="development_hours_small_model")
    germany = study.model_copy(update={"deployment": study.deployment.model_copy(update={"country": "DEU"})})
    (heat,) = _build(germany).provider(OFFICE_HOUR).uses
    # Germany: 5945.3 / 5764.8 GCAM population-weighted °F-days over the UK's = 1.0313 of the UK heating benchmark
    assert heat.amount == pytest.approx(120 * 10.9 / 1700 * 5945.3 / 5764.8)
    uk = study.model_copy(update={"deployment": study.deployment.model_copy(update={"country": "GBR"})})
    uk_inv = _build(uk)
    (uk_heat,) = uk_inv.provider(OFFICE_HOUR).uses
    assert uk_heat.amount == pytest.approx(120 * 10.9 / 1700)  # the benchmark's own country: x 1 exactly
    (german_note,) = [n for n in _build(germany).notes if n.startswith("Figures from another geography")]
    assert "office_area_per_workplace (GBR)" in german_note and "human_seconds_read_and_key_digit (USA)" in german_note
    (uk_note,) = [n for n in uk_inv.notes if n.startswith("Figures from another geography")]
    assert "office_area_per_workplace" not in uk_note  # the UK office figures are the UK's own


def test_an_office_in_a_country_with_no_heating_degree_days_burns_no_heating_fuel():
    from lca.assessment.engine import draw

    study = _study(system_boundary="devices_and_office", development_hours="development_hours_small_model")
    singapore = study.model_copy(update={"deployment": study.deployment.model_copy(update={"country": "SGP"})})
    (heat,) = _build(singapore).provider(OFFICE_HOUR).uses
    assert heat.amount == 0.0  # GCAM: 0 °F-days in Singapore, so 0 x the UK benchmark
    assert (draw(np.random.default_rng(0), heat.amount, heat.uncertainty, 5) == 0.0).all()
