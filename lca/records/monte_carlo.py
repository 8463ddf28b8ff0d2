"""Records of the interpretation stages: Monte Carlo, break-even, sensitivity.

Written by the ``uncertainty`` and ``sensitivity`` tasks as JSON next to the
run's other files; the raw draws go to a ``.npz`` beside them for the plots.
Amounts of items that are infinite (the ML scenario never pays back) are
stored as ``None``: JSON has no infinity.
"""

from __future__ import annotations

import math

from pydantic import Field

from lca.records import _Record


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
    observed: float
    n_items: int | None = Field(default=None, description="held-out items the share was measured on")
    p2_5: float
    median: float
    p97_5: float


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
        description="deterministic score of each scenario and method split by background activity (grid, devices, heating)",
    )

    quality_source: str = Field(
        default="declared spread of each stage (no per-item test results)",
        description="where the residual human work's draws come from",
    )
    routed_shares: list[RoutedShareStats] = Field(
        default_factory=list, description="each variant's routed share as drawn"
    )
    quality_checks: list[QualityCheck] = Field(default_factory=list)

    def stat(self, scenario: str, method: tuple[str, ...]) -> ScenarioStats | None:
        return next((s for s in self.stats if s.scenario == scenario and tuple(s.method) == tuple(method)), None)


class CountryResult(_Record):
    country: str
    country_name: str
    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float
    ratio_to_reference: float
    p_beats_reference: float | None
    is_study_country: bool


class CarbonAwareResult(_Record):
    """An ML scenario with its training moved to the lowest-carbon window, against as run (paired draws)."""

    scenario: str
    method: tuple[str, ...]
    unit: str
    as_run: float
    carbon_aware: float
    saving: float = Field(description="deterministic: as run - carbon-aware")
    saving_mean: float
    saving_p2_5: float
    saving_p97_5: float
    p_saves: float = Field(description="share of paired draws where the carbon-aware scenario emits less")


class WhenResult(_Record):
    """The study's score with training starting at one hour of the run's day (deterministic)."""

    start: str = Field(description="HH:MM UTC")
    kg_co2e_per_kwh: float = Field(description="mean grid intensity over the training window")
    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float
    ratio_to_reference: float
    is_run_time: bool


class TimeOfUseResults(_Record):
    profile: str
    source: str
    run_start: str
    aware_start: str
    window_hours: int
    horizon_hours: int
    run_kg_co2e_per_kwh: float
    aware_kg_co2e_per_kwh: float
    inference_kg_co2e_per_kwh: float
    annual_kg_co2e_per_kwh: float
    national_kg_co2e_per_kwh: float
    iterations: int
    carbon_aware: list[CarbonAwareResult]
    when: list[WhenResult]


class ExcludedStageResult(_Record):
    """One stage the study left out, at its cited typical value: how far one scenario's verdict moves."""

    stage: str
    field: str
    typical: str
    scenario: str
    method: tuple[str, ...]
    unit: str
    score_without: float
    score_with: float
    ratio_without: float = Field(description="score / reference score, as the study stands")
    ratio_with: float | None
    ratio_low: float | None = Field(default=None, description="with the typical value's 2.5 % quantile")
    ratio_high: float | None = Field(default=None, description="with its 97.5 % quantile")
    flips: bool = Field(description="the scenario changes side of the reference (ratio crosses 1)")


class TornadoBar(_Record):
    """One uncertain input set to its 2.5 % and 97.5 % quantiles, all others at their values."""

    scenario: str
    method: tuple[str, ...]
    group: str
    exchanges: int
    base: float
    low: float = Field(description="output with the input at its 2.5 % quantile")
    high: float = Field(description="output with the input at its 97.5 % quantile")

    @property
    def swing(self) -> float:
        return abs(self.high - self.low)


class AllocationRow(_Record):
    scenario: str
    method: tuple[str, ...]
    rule: str
    score: float
    ratio_to_reference: float | None
    machine_score: float = Field(
        default=0.0,
        description="the part the allocation rule books: every stage but human work (energy, server, hardware)",
    )


class SensitivityResults(_Record):
    study: str
    run_id: str
    countries: list[CountryResult]
    country_iterations: int
    tornado: list[TornadoBar]
    tornado_output: str = "score / reference score"
    groups: list[str] = Field(default_factory=list, description="every uncertain input group of the inventory")
    allocation: list[AllocationRow] = Field(
        default_factory=list,
        description="deterministic ratio to the reference under the study's rule and 'whole_machine'",
    )
    time_of_use: TimeOfUseResults | None = Field(default=None, description="'when' beside 'where' (lca.grid_profile)")
    excluded_stages: list[ExcludedStageResult] = Field(
        default_factory=list, description="each stage the study left out, at a cited typical value"
    )
