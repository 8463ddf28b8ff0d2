"""Records of the sensitivity analyses: where (countries), when (time of use), which inputs, which rule.

Written by the ``sensitivity`` task (:mod:`lca.assessment.interpretation`,
:mod:`lca.assessment.time_sensitivity`, :mod:`lca.assessment.excluded_sensitivity`)
as JSON next to the run's other files.
"""

from __future__ import annotations

from pydantic import Field

from lca.records.base import _Record


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
    grid_source: str = ""  # which grid this row uses: the practitioner's own market or the bundled cited factor


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
    linked_scaling: str = Field(
        default="", description="with a linked grid: how its scores were scaled at each slot (TimeOfUse.linked_scaling)"
    )
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
