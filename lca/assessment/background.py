"""Background data every run shares: grid electricity per country, hardware, heating fuel.

Each becomes a :class:`~lca.records.BackgroundActivity` whose flows carry the
characterized totals of the four categories (see :mod:`lca.assessment.characterization`).
The same activities are written once into the Brightway project's shared
background databases (:mod:`lca.assessment.brightway.provision`) and referenced by every run's
foreground, so this module is the single place where the figures are read.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from lca.assessment.characterization import CARRIERS, flow_per_total
from lca.assessment.hardware import EMBODIED, Device
from lca.errors import ReferenceDataError
from lca.records import BackgroundActivity, FlowAmount
from lca.settings import reference_data_dir
from lca.study.impact_methods import CATEGORIES, Category
from lca.study.reference_data import Parameter, grid_table, parameter
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

GRID_DATABASE = "lca-ml grid electricity"
BACKGROUND_DATABASE = "lca-ml background"
HEAT_KEY = "heat::natural_gas"
GRID_IMPACTS_FILE = "grid_impacts.csv"

_COLUMNS = {"minerals": "minerals_kg_sb_eq_per_kwh", "fossils": "fossils_mj_per_kwh", "water": "water_m3_per_kwh"}


class GridImpacts(BaseModel):
    """The four categories' totals for 1 kWh of one country's electricity, each with its source."""

    model_config = ConfigDict(frozen=True)

    iso3: str
    country: str
    year: int
    totals: dict[str, float]
    sources: dict[str, str]
    uncertainty: dict[str, Uncertainty]
    routes: dict[str, str]


@lru_cache(maxsize=4)
def _impacts_table(csv_path: Path) -> dict[str, dict[str, tuple[float, str, str, Uncertainty]]]:
    meta_path = csv_path.with_suffix(".source.yaml")
    try:
        meta = yaml.safe_load(meta_path.read_text())
        routes = {
            cat: {
                name: (
                    f"{body['source'].strip()} [{meta['version']}]",
                    Uncertainty.model_validate(body["uncertainty"]),
                )
                for name, body in meta["columns"][cat]["routes"].items()
            }
            for cat in _COLUMNS
        }
    except (OSError, KeyError, TypeError, yaml.YAMLError, ValidationError) as exc:
        raise ReferenceDataError(
            f"{meta_path}: columns.<category>.routes.<route>.source/uncertainty needed: {exc}"
        ) from exc
    table: dict[str, dict[str, tuple[float, str, str, Uncertainty]]] = {}
    with csv_path.open(newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            try:
                entry = {}
                for cat, column in _COLUMNS.items():
                    value = float(row[column])
                    if value < 0:
                        raise ValueError(f"{column} = {value} is negative")
                    route = row[f"{cat}_route"]
                    source, spread = routes[cat][route]
                    entry[cat] = (value, route, source, spread)
                table[row["iso3"]] = entry
            except (KeyError, ValueError) as exc:
                raise ReferenceDataError(f"{csv_path}:{lineno}: bad row {row}: {exc!r}") from exc
    return table


def grid_impacts(iso3: str, folder: Path | None = None) -> GridImpacts:
    """GWP100 from ``grid_electricity.csv`` and the three other categories from ``grid_impacts.csv``."""
    folder = Path(folder or reference_data_dir())
    climate = grid_table(folder / "grid_electricity.csv").factor(iso3)
    others = _impacts_table(folder / GRID_IMPACTS_FILE)
    if iso3 not in others:
        raise ReferenceDataError(f"no row for country {iso3!r} in {folder / GRID_IMPACTS_FILE}")
    row = others[iso3]
    return GridImpacts(
        iso3=iso3,
        country=climate.country,
        year=climate.year,
        totals={"climate": climate.kg_co2e_per_kwh, **{cat: row[cat][0] for cat in _COLUMNS}},
        sources={"climate": f"{climate.source}, data year {climate.year}", **{cat: row[cat][2] for cat in _COLUMNS}},
        uncertainty={"climate": climate.uncertainty, **{cat: row[cat][3] for cat in _COLUMNS}},
        routes={"climate": "country", **{cat: row[cat][1] for cat in _COLUMNS}},
    )


def grid_countries(folder: Path | None = None) -> list[str]:
    folder = Path(folder or reference_data_dir())
    return sorted(
        set(grid_table(folder / "grid_electricity.csv").factors) & set(_impacts_table(folder / GRID_IMPACTS_FILE))
    )


def _flow(category: Category, total: float, uncertainty: Uncertainty, source: str) -> FlowAmount:
    factor = flow_per_total(category)
    return FlowAmount(
        category=category,
        amount=total * factor,
        total=total,
        uncertainty=uncertainty.scaled(factor),  # bounds of a triangular or uniform follow the unit
        source=source,
    )


def grid_activity(impacts: GridImpacts, *, shared: bool = True) -> BackgroundActivity:
    """1 kWh of the country's electricity; ``shared=False`` for a study's own (overridden) figures."""
    return BackgroundActivity(
        key=f"grid::{impacts.iso3}",
        name=f"electricity, national generation mix, {impacts.country}",
        unit="kilowatt hour",
        location=impacts.iso3,
        flows=[_flow(cat, impacts.totals[cat], impacts.uncertainty[cat], impacts.sources[cat]) for cat in CATEGORIES],
        comment=(
            "Characterized totals per kWh booked on carrier flows (lca.assessment.characterization): "
            + "; ".join(f"{CARRIERS[c].label}: {impacts.totals[c]:.4g} {CARRIERS[c].total_unit}" for c in CATEGORIES)
            + ". Sources: "
            + "; ".join(f"{c}: {impacts.sources[c]}" for c in CATEGORIES)
        ),
        database=GRID_DATABASE if shared else "",
        database_code=impacts.iso3 if shared else "",
    )


def grid_override(iso3: str, overrides: dict[str, Parameter]) -> GridImpacts:
    """The national figures with some categories replaced by the study's own cited parameters."""
    base = grid_impacts(iso3)
    units = {"climate": "kg/kWh", "minerals": "kg/kWh", "fossils": "MJ/kWh", "water": "m**3/kWh"}
    totals, sources, spread, routes = dict(base.totals), dict(base.sources), dict(base.uncertainty), dict(base.routes)
    for cat, param in overrides.items():
        totals[cat] = param.magnitude(units[cat])
        sources[cat] = f"{param.source} (study override)"
        spread[cat] = param.uncertainty_in(units[cat])
        routes[cat] = "study"
    return base.model_copy(update={"totals": totals, "sources": sources, "uncertainty": spread, "routes": routes})


def device_activity(device: Device) -> BackgroundActivity:
    """Manufacture of one device (embodied totals; water outside the boundary, see hardware.yaml)."""
    return BackgroundActivity(
        key=f"device::{device.id}",
        name=f"manufacture of one device: {device.label}",
        unit="unit",
        location="GLO",
        flows=[
            _flow(cat, device.totals[cat], device.uncertainty[cat], device.source)
            for cat in EMBODIED
            if device.totals.get(cat, 0.0) > 0
        ],
        comment=f"{device.source}. {device.water_note}",
        database=BACKGROUND_DATABASE,
        database_code=f"device::{device.id}",
    )


def heat_activity() -> BackgroundActivity:
    """1 kWh (net calorific value) of natural gas burnt in an office boiler: combustion CO2 and the gas itself."""
    co2 = parameter("natural_gas_co2_per_kwh")
    kg = co2.magnitude("kg/kWh")
    return BackgroundActivity(
        key=HEAT_KEY,
        name="heat, natural gas burnt in an office boiler, per kWh of fuel",
        unit="kilowatt hour",
        location="GLO",
        flows=[
            _flow("climate", kg, co2.uncertainty_in("kg/kWh"), co2.source),
            _flow("fossils", 3.6, NO_UNCERTAINTY, "1 kWh = 3.6 MJ of fuel by definition (net calorific value)"),
        ],
        comment=f"{co2.description.strip()} Source: {co2.source}",
        database=BACKGROUND_DATABASE,
        database_code=HEAT_KEY,
    )


def shared_background(devices: list[Device]) -> list[BackgroundActivity]:
    """Every activity of the project's shared background database (hardware and heat)."""
    return [*(device_activity(d) for d in devices), heat_activity()]
