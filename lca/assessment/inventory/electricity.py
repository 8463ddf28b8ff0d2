"""Electricity: the grid of the study's country, the datacentre's PUE, and one provider per measurement method."""

from __future__ import annotations

from lca.assessment.background import grid_activity, grid_impacts, grid_override
from lca.assessment.inventory.names import IT_ELECTRICITY, measured_provider_name
from lca.assessment.inventory.parts import InventoryParts
from lca.records import BackgroundActivity, EnergyRecord, FlowAmount, Provider, ProviderUse, method_key
from lca.study.framework import marginal_grid
from lca.study.reference_data import Parameter, parameter, resolve
from lca.uncertainty import NO_UNCERTAINTY


def add_grid(parts: InventoryParts) -> BackgroundActivity:
    """The national grid, or the study's own figures for some categories (never shared with other runs then).

    Under the consequential framework, the climate figure is the country's marginal supplier
    (``include/data/marginal_grid.yaml``) unless the study overrides it.
    """
    country = parts.study.deployment.country
    override = parts.spec.grid_override
    if override is None and parts.spec.framework.kind == "consequential":
        return parts.add_background(grid_activity(grid_override(country, _marginal(parts, country)), shared=False))
    if override is None:
        return parts.add_background(grid_activity(grid_impacts(country)))
    params = {cat: resolve(ref) for cat, ref in override.given().items()}
    parts.notes.append(
        "The study overrides the national grid figures for: " + ", ".join(sorted(params)) + " (see the inventory)."
    )
    return parts.add_background(grid_activity(grid_override(country, params), shared=False))


def _marginal(parts: InventoryParts, country: str) -> dict[str, Parameter]:
    """The marginal supplier's climate factor, with the reason for the choice in its source."""
    table = marginal_grid()
    supplier, fallback = table.supplier(country)
    factor = parameter(table.technologies[supplier.technology])
    parts.notes.append(
        f"Consequential framework: grid electricity's climate figure is the marginal supplier of {country}, "
        f"{supplier.technology.replace('_', ' ')} ({factor.value:g} {factor.unit}; {supplier.basis}"
        + ("; no entry for this country, the table's default" if fallback else "")
        + "); the other categories stay the national average mix."
    )
    source = f"marginal supplier {supplier.technology} ({supplier.basis}). {factor.source.strip()}"
    return {"climate": factor.model_copy(update={"source": source})}


def linked_grid_climate(grid: BackgroundActivity, methods) -> FlowAmount:
    """What the report shows as the grid's climate factor when the grid is linked: Brightway's GWP100 score."""
    from lca.study.impact_methods import GWP100, bundled_equivalent

    # GWP100 under the study's name for it: plain, or behind a project's prefix ('ecoinvent-3.10', ...).
    key = next((method_key(m) for m in methods if bundled_equivalent(m) == GWP100), None)
    score = grid.scores.get(key, 0.0) if key else 0.0
    return FlowAmount(
        category="climate",
        amount=max(score, 0.0),
        total=max(score, 0.0),
        uncertainty=NO_UNCERTAINTY.model_copy(update={"basis": "Brightway's own Monte Carlo of the linked activity"}),
        source=grid.comment if key in grid.scores else grid.comment + " (the study has no GWP100 method)",
    )


def add_it_electricity(parts: InventoryParts) -> None:
    pue = resolve(parts.study.deployment.pue)
    parts.add(
        Provider(
            name=IT_ELECTRICITY,
            label=f"electricity at the IT equipment, {parts.study.deployment.hardware}",
            unit="kilowatt hour",
            electricity_kwh_per_unit=pue.magnitude("dimensionless"),
            uncertainty=pue.uncertainty_in("dimensionless"),
            electricity_group="datacentre PUE",
            comment=f"1 kWh at the machine draws PUE = {pue.value} kWh from the grid. PUE: {pue.source}",
        )
    )


def add_measured(parts: InventoryParts, record: EnergyRecord) -> str:
    name = measured_provider_name(record)
    existing = parts.provider(name)
    if existing is not None and existing.uses[0].uncertainty != record.uncertainty:
        raise ValueError(f"energy records measured by {record.method!r} carry different uncertainties")
    return parts.add(
        Provider(
            name=name,
            label=f"electricity at the IT equipment as measured by {record.method}",
            unit="kilowatt hour",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=(
                f"1 kWh reported by {record.method} is 1 kWh at the machine within the method's error; one error "
                "draw serves every stage measured this way."
            ),
            uses=[
                ProviderUse(
                    input=IT_ELECTRICITY,
                    amount=1.0,
                    uncertainty=record.uncertainty,
                    comment=record.uncertainty.basis,
                    group=f"energy measurement ({record.method})",
                )
            ],
        )
    )
