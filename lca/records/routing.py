"""How a variant's routing rule split the held-out items between the model and people, and the quality delivered.

Written by :func:`lca.ml.routing.route_items` into each variant's benchmark record, so
the report can state the routing rule, whether it is a perfect-detector bound, the
threshold and where it was chosen, and the delivered error rate beside the
functional unit's (the reference's).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class RoutingOutcome(BaseModel):
    rule: str
    perfect_detector: bool = Field(
        description="rule 'expected_errors': exactly the wrong items go to a person, at no detection cost; "
        "a bound on what routing can do, never a deployment (the report labels it)"
    )
    threshold: float | None = Field(
        default=None,
        description="'confidence': the lowest top probability kept (classification; None: all routed) or the "
        "tolerance the conformal bound must stay within (regression); 'low_confidence': the declared threshold",
    )
    basis: str = Field(description="how the threshold was set and on which items, in words")
    target_error_rate: float | None = Field(
        default=None, description="the functional unit's delivered error rate (the reference's), if declared"
    )
    human_error_rate: float | None = Field(default=None, description="the reference's error rate on routed items")
    n_validation: int = Field(default=0, description="validation items the threshold was chosen on (0: none)")
    validation_routed_fraction: float | None = None
    validation_delivered_error_rate: float | None = None
    n_test: int
    routed_fraction: float = Field(ge=0.0, le=1.0, description="share of the test items handed to a person")
    kept_error_rate: float | None = Field(
        default=None, description="share of the items the model keeps that are wrong, on the test set"
    )
    delivered_error_rate: float | None = Field(
        default=None,
        description="(kept wrong items + routed items x the human error rate) / test items; None without a human rate",
    )
    delivered_error_interval: tuple[float, float] | None = Field(
        default=None, description="95 % interval (Clopper-Pearson on the kept wrong items; the human rate as declared)"
    )
    meets_target: bool | None = Field(
        default=None, description="the delivered error rate's interval reaches down to the target (None: no target)"
    )
