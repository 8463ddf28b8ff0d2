"""Uncertainty of an input, declared next to its value and its source.

The declared shape is turned into stats_arrays fields for Brightway, so every
figure that enters an inventory carries its distribution into the Monte Carlo.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

from lca.limits import MAX_ABS_FIGURE, MAX_GSD, MAX_RELATIVE_SD

# stats_arrays uncertainty type ids
_NO_UNCERTAINTY = 0
_LOGNORMAL = 2
_NORMAL = 3
_UNIFORM = 4
_TRIANGULAR = 5


class Uncertainty(BaseModel):
    """How far the true value may be from the stated one.

    ``lognormal`` takes a geometric standard deviation (``gsd`` > 1): the usual
    choice for positive factors, as in the ecoinvent pedigree approach.
    ``normal`` takes ``relative_sd``; ``uniform`` and ``triangular`` take
    ``minimum``/``maximum`` in the same unit as the value.
    """

    # Bounds: lca.limits. Non-finite spreads would turn every Monte Carlo draw into inf or nan.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    distribution: Literal["none", "lognormal", "normal", "uniform", "triangular"]
    gsd: StrictFloat | None = Field(default=None, gt=1.0, le=MAX_GSD)
    relative_sd: StrictFloat | None = Field(default=None, gt=0.0, le=MAX_RELATIVE_SD)
    minimum: StrictFloat | None = Field(default=None, ge=-MAX_ABS_FIGURE, le=MAX_ABS_FIGURE)
    maximum: StrictFloat | None = Field(default=None, ge=-MAX_ABS_FIGURE, le=MAX_ABS_FIGURE)
    basis: str = Field(default="", description="why this spread: a source or a stated judgement")

    @model_validator(mode="after")
    def _fields_match_distribution(self) -> Uncertainty:
        needed = {
            "none": (),
            "lognormal": ("gsd",),
            "normal": ("relative_sd",),
            "uniform": ("minimum", "maximum"),
            "triangular": ("minimum", "maximum"),
        }[self.distribution]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} uncertainty needs {', '.join(missing)}")
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            raise ValueError(f"minimum {self.minimum} must be below maximum {self.maximum}")
        return self

    def scaled(self, factor: float) -> Uncertainty:
        """The same uncertainty for the value multiplied by a positive ``factor``."""
        if factor <= 0:
            raise ValueError("only a positive factor keeps the distribution's shape")
        if self.minimum is None:
            return self
        return self.model_copy(update={"minimum": self.minimum * factor, "maximum": self.maximum * factor})

    def stats_arrays(self, amount: float) -> dict:
        """Exchange fields for Brightway around ``amount`` (the deterministic value)."""
        if self.distribution == "none" or amount == 0:
            return {"uncertainty type": _NO_UNCERTAINTY, "loc": amount}
        if self.distribution == "lognormal":
            if amount < 0:
                return {
                    "uncertainty type": _LOGNORMAL,
                    "loc": math.log(-amount),
                    "scale": math.log(self.gsd),
                    "negative": True,
                }
            return {"uncertainty type": _LOGNORMAL, "loc": math.log(amount), "scale": math.log(self.gsd)}
        if self.distribution == "normal":
            return {"uncertainty type": _NORMAL, "loc": amount, "scale": abs(amount) * self.relative_sd}
        kind = _UNIFORM if self.distribution == "uniform" else _TRIANGULAR
        return {"uncertainty type": kind, "loc": amount, "minimum": self.minimum, "maximum": self.maximum}


NO_UNCERTAINTY = Uncertainty(distribution="none", basis="exact by definition")
