"""The modelling framework a study declares, and its rebound scenario.

*Attributional* (the default) charges each system its share of what it uses: a
clerk's hour carries the office and the devices of that hour. *Consequential* asks
what changes when the ML system is deployed: electricity comes from the marginal
supplier (a cited marginal mix, ``include/data/marginal_grid.yaml``) and the people's
offices and devices are avoided only as far as the work is really removed
(``work_removed``; clerks redeployed to other work keep their desk). The report
states the framework either way (``StudyInventory.framework``).

The rebound scenario takes the demand growth a cheaper service induces (a price
elasticity of demand, cited) and shows its net effect beside the main result: the
items grow by ``(1 - cost_reduction) ** -elasticity - 1`` and every stage that grows
with the items grows with them (:mod:`lca.assessment.rebound`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir
from lca.study.reference_data import ParameterRef, parameter
from lca.study.strict_model import StrictModel

MARGINAL_GRID_FILE = "marginal_grid.yaml"


class ConsequentialSpec(StrictModel):
    work_removed: ParameterRef = Field(
        default="share_of_work_really_removed",
        description="share of the people's hours the ML system really removes (the rest is redeployed: its office "
        "and devices stay); a parameter id or inline parameter in [0, 1]",
    )


class ReboundSpec(StrictModel):
    elasticity: ParameterRef = Field(
        default="rebound_price_elasticity_of_demand",
        description="price elasticity of demand for the service, as a positive magnitude (a cited figure)",
    )
    cost_reduction: ParameterRef = Field(
        default="rebound_cost_reduction_ml_service",
        description="share by which the ML system cuts the cost of one item (a cited or judged figure in [0, 1))",
    )


class Framework(StrictModel):
    kind: Literal["attributional", "consequential"] = "attributional"
    consequential: ConsequentialSpec = ConsequentialSpec()
    rebound: ReboundSpec | None = Field(default=None, description="the rebound scenario beside the main result")


class MarginalSupplier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    technology: str
    basis: str = Field(min_length=3)


class MarginalGrid(BaseModel):
    """Which technology answers a change in demand, per country (ISO alpha-3), and its cited factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)
    technologies: dict[str, str] = Field(description="technology -> parameter id of its kg CO2e/kWh")
    countries: dict[str, MarginalSupplier]
    default: MarginalSupplier

    def supplier(self, iso3: str) -> tuple[MarginalSupplier, bool]:
        """The country's marginal supplier, and whether it is the file's default (no country entry)."""
        found = self.countries.get(iso3)
        return (found, False) if found is not None else (self.default, True)


@lru_cache(maxsize=4)
def _load(path: Path) -> MarginalGrid:
    try:
        table = MarginalGrid.model_validate(yaml.safe_load(path.read_text()))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the marginal grid table: {exc}") from exc
    for pid in table.technologies.values():
        parameter(pid)  # a clear error for an unknown id
    used = {s.technology for s in (*table.countries.values(), table.default)}
    unknown = sorted(used - set(table.technologies))
    if unknown:
        raise ReferenceDataError(f"{path}: technologies {unknown} have no factor under 'technologies'")
    return table


def marginal_grid(path: Path | None = None) -> MarginalGrid:
    return _load(Path(path or reference_data_dir() / MARGINAL_GRID_FILE))
