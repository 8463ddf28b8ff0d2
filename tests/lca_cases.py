"""Small inventories built by hand, whose scores can be computed on paper."""

from __future__ import annotations

from lca.assessment.characterization import flow_per_total
from lca.records import (
    BackgroundActivity,
    FlowAmount,
    Provider,
    ScenarioInventory,
    StageFlow,
    StudyInventory,
)
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty


def flow(category: str, total: float, uncertainty: Uncertainty = NO_UNCERTAINTY) -> FlowAmount:
    factor = flow_per_total(category)
    return FlowAmount(
        category=category, amount=total * factor, total=total, uncertainty=uncertainty.scaled(factor), source="by hand"
    )


def local_grid(country: str, **totals: tuple[float, Uncertainty] | float) -> BackgroundActivity:
    """A grid activity that lives in the run's own foreground (as a study override does)."""
    flows = []
    for category, value in totals.items():
        total, spread = value if isinstance(value, tuple) else (value, NO_UNCERTAINTY)
        flows.append(flow(category, total, spread))
    return BackgroundActivity(
        key=f"grid::{country}",
        name=f"hand-made grid {country}",
        unit="kilowatt hour",
        location=country,
        flows=flows,
        comment="test",
    )


def provider(name: str, kwh: float, uncertainty: Uncertainty = NO_UNCERTAINTY, uses=()) -> Provider:
    return Provider(
        name=name,
        label=f"provider {name}",
        unit="unit",
        electricity_kwh_per_unit=kwh,
        uncertainty=uncertainty,
        comment="test",
        uses=list(uses),
    )


def stage(
    name: str, provider_name: str, amount: float, share: float = 0.0, uncertainty: Uncertainty = NO_UNCERTAINTY
) -> StageFlow:
    return StageFlow(
        stage=name, provider=provider_name, amount=amount, uncertainty=uncertainty, comment="test", variable_share=share
    )


def scenario(name: str, stages: list[StageFlow], reference: bool = False) -> ScenarioInventory:
    return ScenarioInventory(name=name, label=name, is_reference=reference, stages=stages)


def inventory(
    run_id: str,
    grid: BackgroundActivity,
    providers: list[Provider],
    scenarios: list[ScenarioInventory],
    items: int = 1000,
    background: list[BackgroundActivity] = (),
) -> StudyInventory:
    climate = grid.flow("climate")
    return StudyInventory(
        study="hand",
        run_id=run_id,
        country=grid.location,
        grid_kg_co2e_per_kwh=climate.total if climate else 0.0,
        grid_uncertainty=climate.uncertainty if climate else NO_UNCERTAINTY,
        grid_source="by hand",
        functional_unit=f"{items} items",
        items=items,
        providers=providers,
        scenarios=scenarios,
        background=[grid, *background],
    )


# The hand case of test_lca_correctness: a lognormal grid CO2 factor (median 0.5 kg/kWh, GSD 1.2).
G_MEDIAN, G_GSD = 0.5, 1.2


def hand_inventory(run_id: str):
    grid = local_grid("ZZH", climate=(G_MEDIAN, Uncertainty(distribution="lognormal", gsd=G_GSD)), water=0.002)
    return inventory(
        run_id,
        grid,
        [provider("it", 1.25), provider("clerk", 0.1)],
        [
            scenario("ml", [stage("training", "it", 4.0), stage("inference", "it", 2.0, share=1.0)]),
            scenario("reference", [stage("human work", "clerk", 30.0, share=1.0)], reference=True),
        ],
    )
