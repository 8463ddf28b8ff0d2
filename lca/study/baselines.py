"""The classical baseline a competent analyst would try first, as a scenario of the study.

The trivial floor (majority class, mean, popularity...) only shows that a model
learnt something; it cannot show that a neural network was worth its energy.
So every study also fits a classical method on the same training split, and the
inventory and the LCIA treat it as one more variant (``classical``), with its own
measured fit and inference energy. The method is chosen by task kind and can be
named in the study file; the names are plain data here so that the schema checks
them without importing scikit-learn (the methods are in :mod:`lca.ml.classical`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from lca.study.strict_model import StrictModel

CLASSICAL = "classical"  # the variant's name, reserved among compression names

# What each method is, in the words the report uses.
METHODS: dict[str, str] = {
    "logistic_regression": "logistic regression",
    "ridge": "linear regression (ridge, penalty chosen by cross-validation)",
    "seasonal_naive": "seasonal naive forecast (each value as it was one season earlier)",
    "kmeans": "k-means on the standardised features",
    "rfm_rules": "RFM rules (recency, frequency and monetary quintile scores, summed and banded)",
    "item_knn": "item-kNN (items bought by the customers who bought the same items, with popularity mixed in)",
}
# The methods each task kind accepts; the first is the default.
BY_KIND: dict[str, tuple[str, ...]] = {
    "multiclass": ("logistic_regression",),
    "binary": ("logistic_regression",),
    "regression": ("ridge", "seasonal_naive"),
    "clustering": ("kmeans", "rfm_rules"),
    "ranking": ("item_knn",),
}

Method = Literal["logistic_regression", "ridge", "seasonal_naive", "kmeans", "rfm_rules", "item_knn"]


class BaselinesSpec(StrictModel):
    """``classical: true`` (the default) adds the ``classical`` scenario; ``method`` overrides the kind's default."""

    classical: bool = Field(default=True, description="fit and assess the classical method as the 'classical' variant")
    method: Method | None = Field(default=None, description="default: the task kind's first method (BY_KIND)")
    seasonal_features: list[str] | None = Field(
        default=None,
        description="seasonal_naive: per target column, in order, the feature column holding its value one season "
        "earlier (default for dataset synthetic_grid_load: the loads of the same hours a week earlier)",
    )
    seasonal_floor: list[str] | None = Field(
        default=None,
        max_length=64,
        description="regression: the trivial floor is the seasonal naive forecast, read per target column, in "
        "order, from these feature columns (each item's value one season earlier) instead of the training mean; "
        "the classical method stays a second floor",
    )
    rfm_features: list[str] | None = Field(
        default=None,
        description="rfm_rules: the recency, frequency and monetary feature columns, in that order (default for "
        "dataset synthetic_customers: recency_days, orders_per_year, mean_basket_eur)",
    )

    @model_validator(mode="after")
    def _seasonal_only(self) -> BaselinesSpec:
        if self.seasonal_features is not None and self.method != "seasonal_naive":
            raise ValueError("baselines.seasonal_features is read by method 'seasonal_naive' only")
        if self.rfm_features is not None and self.method != "rfm_rules":
            raise ValueError("baselines.rfm_features is read by method 'rfm_rules' only")
        if self.rfm_features is not None and len(self.rfm_features) != 3:
            raise ValueError(
                f"baselines.rfm_features: value {self.rfm_features} must name three columns "
                "(recency, frequency, monetary)"
            )
        return self


def method_for(spec: BaselinesSpec, kind: str) -> str:
    """The method the study asks for, or the kind's default; a method that does not fit the kind is refused."""
    if spec.method is None:
        return BY_KIND[kind][0]
    if spec.method not in BY_KIND[kind]:
        raise ValueError(
            f"baselines.method: value {spec.method!r} does not apply to a {kind} task; use one of {list(BY_KIND[kind])}"
        )
    return spec.method
