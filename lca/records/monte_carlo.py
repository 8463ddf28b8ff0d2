"""Records of the Monte Carlo interpretation: scenario statistics, break-even, routed shares.

Written by the ``uncertainty`` task (:mod:`lca.assessment.interpretation`) as
JSON next to the run's other files; the raw draws go to a ``.npz`` beside them
for the plots. Amounts of items that are infinite (the ML scenario never pays
back) are stored as ``None``: JSON has no infinity.
"""

from __future__ import annotations

import math

from pydantic import Field

from lca.records.base import _Record


def finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class ScenarioStats(_Record):
    scenario: str
    label: str
    is_reference: bool
    method: tuple[str, ...]
    unit: str
    deterministic: float
    mean: float
    median: float
    p2_5: float
    p97_5: float
    sd: float
    p_beats_reference: float | None = Field(default=None, description="share of paired draws below the reference")
    p_beats_baseline: float | None = Field(
        default=None, description="share of paired draws below the uncompressed model"
    )
    change_vs_reference: float | None = Field(
        default=None, description="median of the paired relative differences from the reference (-0.9: 90 % lower)"
    )
    change_vs_baseline: float | None = Field(
        default=None, description="median of the paired relative differences from the uncompressed model"
    )


class BreakEven(_Record):
    """Items at which an ML scenario's cumulative impact equals the reference's (fixed costs paid back)."""

    scenario: str
    method: tuple[str, ...]
    unit: str
    fixed: float = Field(description="the ML scenario's fixed impact minus the reference's (deterministic)")
    per_item_ml: float
    per_item_reference: float
    items: float | None = Field(description="deterministic break-even; None: never (no saving per item)")
    median_items: float | None
    p2_5_items: float | None
    p97_5_items: float | None
    p_never: float = Field(description="share of draws where the ML scenario saves nothing per item")
    p_within_functional_unit: float = Field(description="share of draws that break even within the functional unit")


class RoutedShareStats(_Record):
    """The share of items a variant hands to a person, as the Monte Carlo drew it."""

    scenario: str
    observed: float = Field(description="k / n on the held-out items (the booked share when no per-item results)")
    booked: float | None = Field(default=None, description="the share the deterministic score uses: (k + 1) / (n + 2)")
    n_items: int | None = Field(default=None, description="held-out items the share was measured on")
    p2_5: float
    median: float
    p97_5: float


class LowestGroupStats(_Record):
    """The ML options that cannot be told apart from the lowest (:mod:`lca.assessment.separation`).

    ``quantity``: ``score`` (the impact of the functional unit) or ``break_even``
    (items to break even with the reference; never breaking even counts as infinite).
    """

    method: tuple[str, ...]
    quantity: str
    lowest: str
    members: list[str] = Field(description="the lowest first, then every option it is not clearly lower than")
    p_lower: dict[str, float] = Field(description="P(lowest < option) over the paired draws, each other option")

    @property
    def separated(self) -> bool:
        return len(self.members) == 1


class QualityCheck(_Record):
    """Does a comparison survive the routed share at its rule-of-three bound (3/n, when none was observed)?"""

    scenario: str
    method: tuple[str, ...]
    n_items: int
    bound: float = Field(description="3 / n")
    ratio_to_baseline_at_bound: float | None
    beats_baseline_observed: bool
    beats_baseline_at_bound: bool
    beats_reference_observed: bool
    beats_reference_at_bound: bool

    @property
    def changes_conclusion(self) -> bool:
        return (self.beats_baseline_observed != self.beats_baseline_at_bound) or (
            self.beats_reference_observed != self.beats_reference_at_bound
        )


class MonteCarloResults(_Record):
    study: str
    run_id: str
    iterations: int
    seed: int
    seconds: float
    engine: str
    stats: list[ScenarioStats]
    break_even: list[BreakEven]
    draws_file: str = Field(description="npz beside this file: fixed and per_item, (scenarios, methods, draws)")
    scenarios: list[str]
    methods: list[tuple[str, ...]]
    by_background: list[dict] = Field(
        default_factory=list,
        description="deterministic score of each scenario and method split by background activity (grid, devices, "
        "heating)",
    )

    quality_source: str = Field(
        default="declared spread of each stage (no per-item test results)",
        description="where the residual human work's draws come from",
    )
    routed_shares: list[RoutedShareStats] = Field(
        default_factory=list, description="each variant's routed share as drawn"
    )
    quality_checks: list[QualityCheck] = Field(default_factory=list)
    lowest_groups: list[LowestGroupStats] = Field(
        default_factory=list, description="per method and quantity: the ML options not told apart from the lowest"
    )

    def lowest_group(self, method: tuple[str, ...], quantity: str = "score") -> LowestGroupStats | None:
        return next(
            (g for g in self.lowest_groups if tuple(g.method) == tuple(method) and g.quantity == quantity), None
        )

    def stat(self, scenario: str, method: tuple[str, ...]) -> ScenarioStats | None:
        return next((s for s in self.stats if s.scenario == scenario and tuple(s.method) == tuple(method)), None)
