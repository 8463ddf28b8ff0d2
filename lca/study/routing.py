"""The routing section of a study: which items the ML system hands to a person.

Apart from lca.study.machine_learning because it is its own question (what a deployment
can check, at what human cost), read by lca.ml.routing and the inventory's people stages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictFloat, model_validator

from lca import limits as L
from lca.study.reference_data import ParameterRef
from lca.study.strict_model import StrictModel

# The routing rule a study gets when it names none: by confidence where an item can be
# checked by a person, and none where the task kind has no per-item check (see RoutingSpec).
DEFAULT_ROUTING = {
    "multiclass": "confidence",
    "binary": "confidence",
    "regression": "confidence",
    "ranking": "none",
    "clustering": "none",
}
DEFAULT_VALIDATION_FRACTION = 0.2


class RoutingSpec(StrictModel):
    """Which items the ML system hands to a person, who then does them the reference way.

    Both systems must deliver the same function at the same quality (ISO 14044
    4.2.3.7): the functional unit declares the delivered error rate, which is the
    reference's (people make errors too). The rules:

    ``confidence`` (default for classification and regression): what a deployment
    can do. A threshold is chosen on the validation split (never on the test set) so
    that the delivered output (items the model keeps plus items people redo at
    their own error rate) meets the functional unit's error rate; the test set then
    measures the routed share and the delivered error rate with its interval. A
    classifier routes by its top probability; a regression by a split-conformal
    interval on its relative error, keeping an item only when its interval at the
    declared rate lies within ``error_tolerance`` (lca.ml.routing).

    ``expected_errors``: a **perfect detector**, kept as a bound. It hands exactly
    the wrong items to a person at no detection cost, which no deployment can do;
    results carry ``perfect_detector`` and say so. ``low_confidence``: a declared
    ``confidence_threshold`` (no quality target). ``flagged`` (binary): every item
    flagged positive at the operating point is reviewed by a person.

    ``none`` (default for ranking and clustering): routing does not apply. A
    recommendation list or a segment is not checked item by item: a visit outside the
    top k is not redone by a merchandiser, a customer is not re-segmented by hand. The
    human effort such systems keep (curating fallback lists, reviewing segments) is a
    fixed effort per period or per refresh, modelled with the reference's effort (item 2
    of issue 19), and quality is judged by the task's metrics against the trivial floor.

    ``review_time_per_item``: a person's time on every item the model keeps (a review or
    spot check), where the deployment declares one; routed items cost the reference's time.
    """

    rule: Literal["confidence", "expected_errors", "low_confidence", "flagged", "none"] = "confidence"
    confidence_threshold: StrictFloat | None = Field(default=None, gt=0.0, lt=1.0)
    error_tolerance: StrictFloat | None = Field(
        default=None,
        gt=0.0,
        le=L.MAX_ERROR_TOLERANCE,
        description="regression: relative error (0.1 = 10 %) above which an item is wrong (a person redoes it)",
    )
    review_time_per_item: ParameterRef | None = Field(
        default=None, description="a person's time to review or spot-check each item the model keeps"
    )

    @model_validator(mode="after")
    def _threshold_matches_rule(self) -> RoutingSpec:
        if (self.rule == "low_confidence") != (self.confidence_threshold is not None):
            raise ValueError("confidence_threshold is required with rule 'low_confidence' and only then")
        if self.rule == "none" and self.review_time_per_item is not None:
            raise ValueError("review_time_per_item applies to items a routing rule keeps; rule 'none' keeps no count")
        return self

    @property
    def perfect_detector(self) -> bool:
        """An upper bound on what routing can do, never a deployment: the report labels it."""
        return self.rule == "expected_errors"

    @property
    def needs_validation(self) -> bool:
        return self.rule == "confidence"
