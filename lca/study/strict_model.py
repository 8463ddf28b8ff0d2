"""The base of every section of a study file.

A key the schema does not know is refused rather than ignored (a typo must not
silently leave a default in place), a validated study cannot be changed in place
(overrides make a new one, lca.study.overrides), and numbers are bounded field by
field (lca.limits), so inf and nan are refused everywhere.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
