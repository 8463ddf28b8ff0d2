"""How the comparison is framed: the rebound scenario beside the main result, and the quality of the reference data.

Written by :mod:`lca.assessment.inventory` (settings, DQI table) and :mod:`lca.assessment.rebound`
(net effect); the report renders them as they are.
"""

from __future__ import annotations

from pydantic import Field

from lca.records.base import _Record


class ReboundSetting(_Record):
    """The demand growth a cheaper service induces (lca.framework.rebound)."""

    elasticity: float = Field(ge=0, description="price elasticity of demand, as a magnitude")
    cost_reduction: float = Field(ge=0, lt=1, description="share by which ML cuts the cost of one item")
    demand_growth: float = Field(ge=0, description="(1 - cost_reduction) ** -elasticity - 1")
    basis: str = Field(description="the figures and their sources")


class ReboundRow(_Record):
    """One ML scenario and method: the main result and the same with the rebound's extra items."""

    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float
    variable_score: float = Field(description="the part of the score that grows with the items")
    rebound_score: float = Field(description="score + demand growth x variable part")
    reference_score: float = Field(description="the reference at the functional unit's demand")
    ratio_to_reference: float | None
    rebound_ratio_to_reference: float | None


class ReboundResults(_Record):
    """The rebound rows of one run (:func:`lca.assessment.rebound.rebound_rows`), stored for the report."""

    study: str
    run_id: str
    rows: list[ReboundRow] = Field(default_factory=list, description="empty: the study declares no rebound")


class DqiRow(_Record):
    """One reference-data entry, its pedigree scores and the uncertainty they add (ecoinvent v3's method)."""

    parameter: str = Field(description="the parameter id, or 'inline' for a study's own figure")
    label: str = Field(description="what it is in the study")
    value: str = Field(description="value and unit")
    judgement: bool = Field(description="the source is a judgement, not a publication or measurement")
    reliability: int | None = None
    completeness: int | None = None
    temporal: int | None = None
    geographical: int | None = None
    technological: int | None = None
    basic_gsd: float | None = Field(default=None, description="the declared spread, as a geometric SD (lognormal)")
    additional_gsd: float | None = Field(default=None, description="from the pedigree scores alone")
    total_gsd: float | None = Field(default=None, description="basic and additional, log-variances added")
    applied: bool = Field(
        default=False, description="the total spread is what the Monte Carlo draws (lognormal entries)"
    )
    note: str = ""
