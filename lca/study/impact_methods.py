"""The impact methods a study may ask for, and the category each one assesses.

The project's background data are characterized totals for four categories, so
only the bundled methods that score those categories can be served by it. This table is
plain data: the study schema checks a study's ``impact_methods`` against it
without loading Brightway or the bundled method files (:mod:`lca.assessment.characterization`).

A method may carry a project's prefix: ``bw2io.import_ecoinvent_release`` names them
``('ecoinvent-3.10', 'IPCC 2021', ...)``; such a method assesses the category of the
bundled method behind the prefix. A study linked to a practitioner's background may
name any method of their project (:func:`bundled_category` is then ``None`` for the
ones this table does not hold); Brightway checks it exists there, and the engine
refuses to score an activity of the bundled background with it.
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


def bundled_equivalent(method: tuple[str, ...] | list[str]) -> tuple[str, ...] | None:
    """The method of :data:`METHOD_CATEGORY` that ``method`` is, under its own name or behind one prefix."""
    method = tuple(method)
    if method in METHOD_CATEGORY:
        return method
    if len(method) > 1 and method[1:] in METHOD_CATEGORY:
        return method[1:]
    return None


def bundled_category(method: tuple[str, ...] | list[str]) -> Category | None:
    """The category of the bundled data that ``method`` assesses, or None (a method only a linked project serves)."""
    equivalent = bundled_equivalent(method)
    return None if equivalent is None else METHOD_CATEGORY[equivalent]


def category_of(method: tuple[str, ...] | list[str]) -> Category:
    """The category a study's method assesses, or a clear error for one the bundled data cannot serve."""
    found = bundled_category(method)
    if found is None:
        supported = "; ".join(" | ".join(m) for m in METHOD_CATEGORY)
        raise ReferenceDataError(
            f"impact method {tuple(method)!r} is not covered by the project's background data "
            f"(grid, hardware and office figures are characterized totals for four categories); "
            f"supported methods: {supported} (also behind a project's prefix, e.g. 'ecoinvent-3.10'); a study that "
            "links lca.background to your Brightway project may name any method of that project"
        )
    return found
