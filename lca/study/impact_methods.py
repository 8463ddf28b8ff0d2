"""The impact methods a study may ask for, and the category each one assesses.

The project's background data are characterized totals for four categories, so
only the bundled methods that score those categories can be served. This table is
plain data: the study schema checks a study's ``impact_methods`` against it
without loading Brightway or the bundled method files (:mod:`lca.assessment.characterization`).
"""

from __future__ import annotations

from typing import Literal

from lca.errors import ReferenceDataError

Category = Literal["climate", "minerals", "fossils", "water"]
CATEGORIES: tuple[Category, ...] = ("climate", "minerals", "fossils", "water")

GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
EF_CLIMATE = ("EF v3.1", "climate change", "global warming potential (GWP100)")
EF_MINERALS = (
    "EF v3.1",
    "material resources: metals/minerals",
    "abiotic depletion potential (ADP): elements (ultimate reserves)",
)
EF_FOSSILS = ("EF v3.1", "energy resources: non-renewable", "abiotic depletion potential (ADP): fossil fuels")
EF_WATER = ("EF v3.1", "water use", "user deprivation potential (deprivation-weighted water consumption)")

METHOD_CATEGORY: dict[tuple[str, ...], Category] = {
    GWP100: "climate",
    EF_CLIMATE: "climate",
    EF_MINERALS: "minerals",
    EF_FOSSILS: "fossils",
    EF_WATER: "water",
}
"""The bundled methods whose category the background data cover, and which category that is."""


def category_of(method: tuple[str, ...] | list[str]) -> Category:
    """The category a study's method assesses, or a clear error for one the data cannot serve."""
    found = METHOD_CATEGORY.get(tuple(method))
    if found is None:
        supported = "; ".join(" | ".join(m) for m in METHOD_CATEGORY)
        raise ReferenceDataError(
            f"impact method {tuple(method)!r} is not covered by the project's background data "
            f"(grid, hardware and office figures are characterized totals for four categories); "
            f"supported methods: {supported}"
        )
    return found
