"""The paired bootstrap of the variants' quality over the held-out items (:mod:`lca.ml.quality_bootstrap`)."""

from __future__ import annotations

from pydantic import Field

from lca.records.base import _Record

PRIOR_ITEMS = 1.0  # Laplace: one pseudo-item routed and one not


def share_estimate(routed_items: float, n_items: int) -> float:
    """The routed share booked as the deterministic value: the posterior mean ``(k + 1) / (n + 2)``.

    The same estimator the paired bootstrap's draws centre on
    (:mod:`lca.ml.quality_bootstrap`), so the deterministic score and the Monte
    Carlo agree, and a small test set with no error observed is not rewarded:
    0 of 31 (1/33, 3.0 %) books more residual work than 7 of 450 (8/452, 1.8 %).
    ``routed_items`` may be fractional (a share times the items, as records give it).
    """
    return (routed_items + PRIOR_ITEMS) / (n_items + 2 * PRIOR_ITEMS)


class VariantQuality(_Record):
    """A variant's quality figures with their paired-bootstrap intervals, and the items they rest on."""

    variant: str
    n_items: int = Field(description="held-out items behind every figure of this row")
    routed_items: int = Field(description="items the routing rule hands to a person, on the full held-out set")
    routed_share: float = Field(description="observed: routed items / held-out items")
    share_estimate: float | None = Field(
        default=None, description="booked: (k + 1) / (n + 2), the centre of the draws (share_estimate)"
    )
    routed_p2_5: float
    routed_p97_5: float
    jeffreys_p2_5: float = Field(description="Jeffreys interval of the share on the full held-out set")
    jeffreys_p97_5: float
    rule_of_three_upper: float | None = Field(
        default=None, description="3 / n: the 95 % upper bound of a share with none observed (only when none is)"
    )
    primary_metric: str
    primary_value: float
    primary_p2_5: float | None = None
    primary_p97_5: float | None = None
    loss_p2_5: float | None = Field(default=None, description="paired: baseline minus variant, same resampled items")
    loss_p97_5: float | None = None
    p_worse_than_baseline: float | None = None
    routed_only_here: int | None = Field(default=None, description="discordant: routed for this variant only")
    routed_only_by_baseline: int | None = Field(default=None, description="discordant: routed for the baseline only")
    mcnemar_p: float | None = Field(
        default=None, description="exact McNemar test on the discordant items (two-sided binomial, p = 1/2)"
    )


class QualityBootstrap(_Record):
    """Paired bootstrap over the held-out items: one set of resampled indices per draw, for every variant.

    ``draws_file`` (relative to this record) holds ``routed_share`` (variants x draws):
    the Monte Carlo uses draw ``i`` in its iteration ``i``, so the human work of every
    variant moves with the same resampled items.
    """

    n_items: int
    draws: int
    metric_draws: int
    seed: int
    method: str
    variants: list[VariantQuality]
    draws_file: str

    def variant(self, name: str) -> VariantQuality:
        return next(v for v in self.variants if v.variant == name)
