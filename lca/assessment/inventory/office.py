"""The office building per occupied workplace hour (when the boundary includes it)."""

from __future__ import annotations

from lca.assessment.background import HEAT_KEY, heat_activity
from lca.assessment.inventory.names import OFFICE_HOUR
from lca.assessment.inventory.parts import InventoryParts
from lca.assessment.inventory.spread import lognormal_product
from lca.records import Provider, ProviderUse
from lca.study.office_climate import heating_climate


def heating_climate_factor(iso3: str) -> tuple[float, str]:
    """The country's heating need relative to the benchmark's (UK, TM46), and its basis (include/data)."""
    figure = heating_climate(iso3)
    return figure.value, f"{figure.description} Source: {figure.source}"


def add_office(parts: InventoryParts) -> None:
    if parts.has(OFFICE_HOUR):
        return
    o = parts.spec.office
    area, hours = parts.figure(o.area_per_workplace), parts.figure(o.hours_per_year)
    elec, heat = parts.figure(o.electricity_intensity), parts.figure(o.heat_intensity)
    share = parts.figure(o.share_not_workstations)
    # per occupied workplace hour: intensity [kWh/m2/yr] x area [m2] / hours [h/yr]
    elec_parts = [
        ("electricity", elec, "+"),
        ("share not workstations", share, "+"),
        ("area", area, "+"),
        ("hours", hours, "-"),
    ]
    climate_figure = heating_climate(parts.study.deployment.country)
    heat_parts = [("heat", heat, "+"), ("climate", climate_figure, "+"), ("area", area, "+"), ("hours", hours, "-")]
    scale_e = elec.magnitude("kWh/m**2/year") / elec.value * area.magnitude("m**2") / area.value
    scale_e /= hours.magnitude("hour/year") / hours.value
    scale_h = heat.magnitude("kWh/m**2/year") / heat.value * area.magnitude("m**2") / area.value
    scale_h /= hours.magnitude("hour/year") / hours.value
    e_value, e_spread = lognormal_product(elec_parts)
    h_value, h_spread = lognormal_product(heat_parts)
    climate = climate_figure.value  # already in h_value: the climate factor is one of the heat parts
    climate_basis = f"{climate_figure.description} Source: {climate_figure.source}"
    parts.add_background(heat_activity())
    parts.add(
        Provider(
            name=OFFICE_HOUR,
            label="one occupied office workplace for one hour (building services)",
            unit="hour",
            electricity_kwh_per_unit=e_value * scale_e,
            uncertainty=e_spread,
            electricity_group="office electricity per workplace hour",
            comment=(
                f"Electricity {elec.value:g} kWh/m2/yr x {share.value:g} (not workstations, counted apart) x "
                f"{area.value:g} m2 / {hours.value:g} h/yr; heat {heat.value:g} kWh/m2/yr x {area.value:g} m2 / "
                f"{hours.value:g} h/yr. Sources: {elec.source.strip()}; {area.source.strip()}; {hours.source.strip()}"
            ),
            uses=[
                ProviderUse(
                    input=HEAT_KEY,
                    amount=h_value * scale_h,
                    uncertainty=h_spread,
                    comment=f"natural gas heating per workplace hour, x {climate:.3g} for the climate "
                    f"({climate_basis})",
                    group="office heating per workplace hour",
                )
            ],
        )
    )
    parts.notes.append(
        "Office building: operation only (electricity and heating per workplace hour); its construction, "
        "furniture and commuting are outside the boundary, and the heating fuel's upstream chain is cut off."
    )
    parts.notes.append(f"Office heating scaled for the climate: {climate_basis}.")
