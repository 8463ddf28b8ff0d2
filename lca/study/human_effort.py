"""Human effort as it is spent: per item, per period (8 h a week) or per batch (16 h per refresh).

Per-item work is the reference's ``time_per_item`` (and the items the ML system
routes to a person). Work that does not grow with the items is declared here, in
``lca.human_effort``: a merchandiser who curates lists 8 hours a week curates them
whether the shop has 10,000 visits or a million, so charging it per visit would make
the ML system look as if it removed it visit by visit. Each effort says which side
does it: the reference, the ML system (a review of its output, its fallback), or both
(a fallback the ML system must still keep in full).

A period is a pint quantity ("1 week", "1 year"); the functional unit's own period
converts an effort per week into hours per functional unit, so the one period is used
throughout the study (:func:`periods_in`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from lca.study.reference_data import UNITS, ParameterRef
from lca.study.strict_model import StrictModel

MAX_BATCHES_PER_PERIOD = 1_000_000


def period_hours(text: str) -> float:
    """Hours in a period written as pint reads it ("1 year", "1 week", "3 months"); a clear error otherwise."""
    try:
        quantity = UNITS.Quantity(text)
        hours = float(quantity.to("hour").magnitude)
    except Exception as exc:  # noqa: BLE001 - pint raises several kinds on bad input
        raise ValueError(f"{text!r} is not a period pint reads as a time (e.g. '1 year', '1 week'): {exc}") from None
    if not hours > 0:
        raise ValueError(f"{text!r} is not a positive period")
    return hours


def periods_in(longer: str, shorter: str) -> float:
    """How many ``shorter`` periods make one ``longer`` period (52.18 weeks in '1 year': pint's Julian year)."""
    return period_hours(longer) / period_hours(shorter)


class FixedEffort(StrictModel):
    """Hours of people's work that do not grow with the items, and which side does them."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="e.g. 'curated_lists'")
    description: str = ""
    basis: Literal["per_period", "per_batch"]
    hours: ParameterRef = Field(description="hours per 'per' (per_period) or per batch (per_batch), cited or judged")
    per: str | None = Field(default=None, description="per_period: the period the hours are counted over, '1 week'")
    batches: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_BATCHES_PER_PERIOD,
        description="per_batch: batches (refreshes) within the functional unit's period",
    )
    side: Literal["reference", "ml", "both"] = Field(
        description="who does it: the reference only, the ML system only (its review), or both (a fallback the "
        "ML system keeps in full)"
    )

    @field_validator("per")
    @classmethod
    def _a_period(cls, value: str | None) -> str | None:
        if value is not None:
            period_hours(value)
        return value

    @model_validator(mode="after")
    def _basis_fields(self) -> FixedEffort:
        if self.basis == "per_period" and (self.per is None or self.batches is not None):
            raise ValueError("basis 'per_period' needs 'per' (e.g. '1 week') and no 'batches'")
        if self.basis == "per_batch" and (self.batches is None or self.per is not None):
            raise ValueError("basis 'per_batch' needs 'batches' (per functional-unit period) and no 'per'")
        return self

    def multiplier(self, fu_period: str) -> tuple[float, str]:
        """Units of ``hours`` per functional unit, and how they were counted."""
        if self.basis == "per_batch":
            return float(self.batches), f"{self.batches} batch(es) per {fu_period}"
        n = periods_in(fu_period, self.per)
        return n, f"{n:.4g} x {self.per} in {fu_period}"
