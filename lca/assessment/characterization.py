"""Which impact categories the project can assess, and how its data reach them.

Most offline sources give *characterized totals* (kg CO2-eq, kg Sb-eq, MJ per
kWh or per device), not inventories of elementary flows. To let Brightway's
standard bundled methods (IPCC 2021, EF v3.1) score them, each category's total
is booked on one **carrier flow** of ``biosphere3`` that the category's method
characterizes, in the amount that gives back the total:

* climate change: ``Carbon dioxide, fossil`` to air, kg (CF 1 in IPCC 2021 GWP100
  and in EF v3.1 climate change);
* minerals and metals: ``Antimony`` from ground, kg (CF 1 kg Sb-eq/kg in EF v3.1 ADP
  elements, by definition of the unit);
* fossil resources: ``Gas, natural`` from ground, Sm3 (EF v3.1 ADP fossil gives it
  36 MJ/Sm3, its net calorific value): MJ are booked as MJ / 36 Sm3;
* water use: ``Water`` to air, m3 (EF v3.1 water use gives 42.95 m3 world-eq
  deprived per m3: the world-average AWARE factor, since the bundled method has
  no country-specific factors). Water *consumed* (m3) is booked as evaporated water.

The factors are read from bw2io's bundled method file, never typed in here, and
the ``tests`` check that one unit of each total in gives the same total out.
A carrier flow stands for a total: the physical meaning of the flow (natural gas
for all fossil and uranium energy, evaporation for all consumed water) is *not*
an inventory, and the report says so.
"""

from __future__ import annotations

import importlib.util
import json
import math
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lca.errors import ReferenceDataError
from lca.study.impact_methods import (
    CATEGORIES,
    EF_FOSSILS,
    EF_MINERALS,
    EF_WATER,
    GWP100,
    Category,
    bundled_category,
    bundled_equivalent,
)


@dataclass(frozen=True)
class Carrier:
    """The biosphere3 flow that carries a category's total, and the method that defines the conversion."""

    category: Category
    label: str
    total_unit: str  # what the sources give
    flow_name: str
    flow_categories: tuple[str, ...]
    flow_unit: str
    reference_method: tuple[str, ...]


CARRIERS: dict[Category, Carrier] = {
    "climate": Carrier(
        "climate", "Climate change (GWP100)", "kg CO2-eq", "Carbon dioxide, fossil", ("air",), "kilogram", GWP100
    ),
    "minerals": Carrier(
        "minerals",
        "Resource use, minerals and metals",
        "kg Sb-eq",
        "Antimony",
        ("natural resource", "in ground"),
        "kilogram",
        EF_MINERALS,
    ),
    "fossils": Carrier(
        "fossils",
        "Resource use, fossils",
        "MJ",
        "Gas, natural",
        ("natural resource", "in ground"),
        "standard cubic meter",
        EF_FOSSILS,
    ),
    "water": Carrier("water", "Water use", "m3 consumed", "Water", ("air",), "cubic meter", EF_WATER),
}


def _bundled_path() -> Path:
    # find_spec locates bw2io without importing it (its import takes seconds).
    spec = importlib.util.find_spec("bw2io")
    if spec is None or not spec.submodule_search_locations:
        raise ReferenceDataError("bw2io is not installed: its bundled LCIA methods are needed")
    return Path(spec.submodule_search_locations[0]) / "data" / "lcia" / "lcia_39_ecoinvent.zip"


@lru_cache(maxsize=1)
def _bundled() -> dict[tuple[str, ...], tuple[str, list[dict]]]:
    path = _bundled_path()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    return {tuple(ds["name"]): (ds["unit"], ds["exchanges"]) for ds in data}


def method_unit(method: tuple[str, ...] | list[str]) -> str:
    """The unit of a bundled method's scores (a project's prefix allowed), e.g. 'kg CO2-Eq'.

    A method only a linked project holds has its unit there:
    :func:`lca.assessment.brightway.project.method_units`.
    """
    found = _bundled().get(tuple(method)) or _bundled().get(bundled_equivalent(method) or ())
    if found is None:
        raise ReferenceDataError(f"LCIA method {tuple(method)!r} is not in bw2io's bundled methods")
    return found[0]


def _matches(cf: dict, carrier: Carrier) -> bool:
    categories = tuple(cf.get("categories") or ())
    return cf.get("name") == carrier.flow_name and categories == carrier.flow_categories


def characterization_factor(method: tuple[str, ...] | list[str], category: Category) -> float:
    """The factor ``method`` (or its bundled equivalent) gives the carrier flow of ``category`` (0: none)."""
    found = _bundled().get(tuple(method)) or _bundled().get(bundled_equivalent(method) or ())
    if found is None:
        raise ReferenceDataError(f"LCIA method {tuple(method)!r} is not in bw2io's bundled methods")
    exchanges = found[1]
    carrier = CARRIERS[category]
    found = [cf["amount"] for cf in exchanges if _matches(cf, carrier)]
    return float(found[0]) if found else 0.0


def flow_per_total(category: Category) -> float:
    """Carrier-flow amount per unit of the category's characterized total (1 / the reference CF).

    Water is the exception: its sources give physical m3 consumed, booked as is (see the module doc).
    """
    if category == "water":
        return 1.0
    cf = characterization_factor(CARRIERS[category].reference_method, category)
    if cf <= 0:
        raise ReferenceDataError(f"method {CARRIERS[category].reference_method} does not characterize its carrier")
    return 1.0 / cf


@lru_cache(maxsize=32)
def cf_matrix(methods: tuple[tuple[str, ...], ...]) -> tuple[tuple[float, ...], ...]:
    """CF[method][category] in the order of ``methods`` and :data:`CATEGORIES`.

    A method with no bundled equivalent (one only a linked project serves, say EF v3.1
    acidification) cannot score the bundled background's carrier flows: its row is NaN,
    never 0, and the engine refuses to use it on an activity that is not linked.
    """
    return tuple(
        tuple(characterization_factor(m, c) for c in CATEGORIES)
        if bundled_category(m)
        else (math.nan,) * len(CATEGORIES)
        for m in methods
    )
