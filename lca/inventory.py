"""From measured energy and cited parameters to a life-cycle inventory.

Pure functions, no Brightway: the inventory is a plain record that can be
checked by hand, written to Brightway (``lca.bw.foreground``) and shown in the
report. Amounts are per functional unit (all items over the study's period).
"""

from __future__ import annotations

from lca.records import (
    EnergyRecord,
    Provider,
    ScenarioInventory,
    StageFlow,
    StudyInventory,
    VariantBenchmark,
)
from lca.reference_data import grid_table
from lca.study import Study, resolve

IT_ELECTRICITY = "it_electricity"
CLERK_HOUR = "clerk_hour"
REFERENCE = "reference"


def build_inventory(
    study: Study,
    run_id: str,
    training: EnergyRecord,
    compression: dict[str, EnergyRecord],
    benchmarks: dict[str, VariantBenchmark],
) -> StudyInventory:
    missing = [name for name in study.variant_names() if name not in benchmarks]
    if missing:
        raise ValueError(f"no benchmark for variant(s) {missing}")
    grid = grid_table().factor(study.deployment.country)
    return StudyInventory(
        study=study.name,
        run_id=run_id,
        country=grid.iso3,
        grid_kg_co2e_per_kwh=grid.kg_co2e_per_kwh,
        grid_uncertainty=grid.uncertainty,
        grid_source=grid.source,
        functional_unit=study.functional_unit.description,
        items=study.functional_unit.items,
        providers=providers(study),
        scenarios=[
            *(ml_scenario(study, name, training, compression.get(name), benchmarks[name]) for name in study.variant_names()),
            reference_scenario(study),
        ],
    )


def providers(study: Study) -> list[Provider]:
    pue = resolve(study.deployment.pue)
    power = resolve(study.reference.device_power)
    return [
        Provider(
            name=IT_ELECTRICITY,
            label=f"electricity at the IT equipment, {study.deployment.hardware}",
            unit="kilowatt hour",
            electricity_kwh_per_unit=pue.magnitude("dimensionless"),
            uncertainty=pue.uncertainty_in("dimensionless"),
            comment=f"1 kWh at the machine draws PUE = {pue.value} kWh from the grid. PUE: {pue.source}",
        ),
        Provider(
            name=CLERK_HOUR,
            label="one hour of a clerk's work at an office computer",
            unit="hour",
            electricity_kwh_per_unit=power.magnitude("kW"),
            uncertainty=power.uncertainty_in("kW"),
            comment=f"Computer and screen at {power.value} {power.unit} for one hour. Power: {power.source}",
        ),
    ]


def ml_scenario(
    study: Study,
    variant: str,
    training: EnergyRecord,
    compression: EnergyRecord | None,
    benchmark: VariantBenchmark,
) -> ScenarioInventory:
    items = study.functional_unit.items
    stages = [
        StageFlow(
            stage="training",
            provider=IT_ELECTRICITY,
            amount=training.energy_kwh,
            uncertainty=training.uncertainty,
            comment=f"measured: {training.energy_kwh:.3e} kWh over {training.duration_s:.1f} s ({training.method})",
        )
    ]
    if variant != "baseline":
        if compression is None:
            raise ValueError(f"variant {variant!r} has no compression energy record")
        stages.append(
            StageFlow(
                stage="compression",
                provider=IT_ELECTRICITY,
                amount=compression.energy_kwh,
                uncertainty=compression.uncertainty,
                comment=f"measured: {compression.energy_kwh:.3e} kWh over {compression.duration_s:.1f} s ({compression.method})",
            )
        )
    stages.append(
        StageFlow(
            stage="inference",
            provider=IT_ELECTRICITY,
            amount=benchmark.energy_per_item_kwh * items,
            uncertainty=benchmark.energy.uncertainty,
            comment=(
                f"{benchmark.energy_per_item_kwh:.3e} kWh/item measured over {benchmark.energy.items} items "
                f"in {benchmark.energy.duration_s:.1f} s ({benchmark.energy.method}) x {items} items"
            ),
        )
    )
    return ScenarioInventory(name=variant, label=f"ML: {variant}", is_reference=False, stages=stages)


def reference_scenario(study: Study) -> ScenarioInventory:
    seconds = resolve(study.reference.time_per_item)
    items = study.functional_unit.items
    per_item_h = seconds.magnitude("hour")
    return ScenarioInventory(
        name=REFERENCE,
        label="Reference: done by people",
        is_reference=True,
        stages=[
            StageFlow(
                stage="human work",
                provider=CLERK_HOUR,
                amount=per_item_h * items,
                uncertainty=seconds.uncertainty_in("s").scaled(per_item_h * items / seconds.magnitude("s")),
                comment=f"{seconds.value} {seconds.unit} per item x {items} items. Time: {seconds.source}",
            )
        ],
    )
