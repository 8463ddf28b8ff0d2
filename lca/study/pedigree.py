"""Data quality of a reference figure: its pedigree scores, turned into uncertainty as ecoinvent v3 does.

Five indicators scored 1 (best) to 5 (Weidema and Wesnæs, "Data quality management for
life cycle inventories - an example of using data quality indicators", J. Cleaner
Production 4(3-4):167-174, 1996): reliability, completeness, temporal, geographical and
further technological correlation. Each score adds a variance of the underlying normal
(ln of the figure); the total is the basic variance plus these (Weidema et al., "Overview
and methodology. Data quality guideline for the ecoinvent database version 3", ecoinvent
report 1(v3), 2013: the additional-uncertainty table of the pedigree matrix).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from lca.uncertainty import Uncertainty

# Variance of ln(x) added per score 1..5 (ecoinvent v3 data quality guideline).
ADDITIONAL_VARIANCE = {
    "reliability": (0.0, 0.0006, 0.002, 0.008, 0.04),
    "completeness": (0.0, 0.0001, 0.0006, 0.002, 0.008),
    "temporal": (0.0, 0.0002, 0.002, 0.008, 0.04),
    "geographical": (0.0, 0.000025, 0.0001, 0.0006, 0.002),
    "technological": (0.0, 0.0006, 0.008, 0.04, 0.12),
}


class Pedigree(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    reliability: StrictInt = Field(ge=1, le=5)
    completeness: StrictInt = Field(ge=1, le=5)
    temporal: StrictInt = Field(ge=1, le=5)
    geographical: StrictInt = Field(ge=1, le=5, description="the score in the figure's own geography")
    geographical_elsewhere: StrictInt | None = Field(
        default=None,
        ge=1,
        le=5,
        description="the score when the figure stands in for another country (a proxy): never better than at home",
    )
    technological: StrictInt = Field(ge=1, le=5)
    note: str = Field(default="", description="why these scores")

    @model_validator(mode="after")
    def _no_better_elsewhere(self) -> Pedigree:
        if self.geographical_elsewhere is not None and self.geographical_elsewhere < self.geographical:
            raise ValueError(
                f"geographical_elsewhere {self.geographical_elsewhere} is better than geographical "
                f"{self.geographical}: a figure is never a better proxy than it is at home"
            )
        return self

    def as_proxy(self) -> Pedigree:
        """The scores of the figure used outside its geography (ecoinvent's geographical correlation)."""
        elsewhere = (
            self.geographical_elsewhere if self.geographical_elsewhere is not None else max(self.geographical, 4)
        )
        return self.model_copy(update={"geographical": elsewhere})

    def additional_variance(self) -> float:
        return sum(table[getattr(self, name) - 1] for name, table in ADDITIONAL_VARIANCE.items())


def combined(basic: Uncertainty, pedigree: Pedigree | None) -> Uncertainty:
    """Basic plus additional: log-variances added. Only a lognormal takes it; other shapes keep their bounds."""
    if pedigree is None or basic.distribution != "lognormal":
        return basic
    variance = math.log(basic.gsd) ** 2 + pedigree.additional_variance()
    return basic.model_copy(
        update={
            "gsd": math.exp(math.sqrt(variance)),
            "basis": f"{basic.basis} Plus the pedigree's additional uncertainty (ecoinvent v3; log-variances added).",
        }
    )
