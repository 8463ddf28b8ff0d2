"""The inventory of a run: everything Brightway needs, independent of Brightway (:mod:`lca.assessment.inventory`).

Providers, the scenarios' life-cycle stages, the background activities they
draw on and, with an hourly grid profile, when the electricity is drawn.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lca.records.base import _Record
from lca.records.framing import DqiRow, ReboundSetting
from lca.uncertainty import Uncertainty


class FlowAmount(_Record):
    """One elementary flow a background activity books per unit: the carrier of one category's total.

    Sources give characterized totals (kg CO2-eq, kg Sb-eq, MJ, m3 consumed); each is
    booked on the biosphere3 flow that carries its category (``lca.assessment.characterization``).
    """

    category: Literal["climate", "minerals", "fossils", "water"]
    amount: float = Field(ge=0, description="in the carrier flow's unit, per unit of the activity")
    total: float = Field(ge=0, description="the characterized total the source gives, per unit of the activity")
    uncertainty: Uncertainty
    source: str


class BackgroundActivity(_Record):
    """Grid electricity, a device's manufacture, heating fuel: data shared by every run.

    ``database``/``database_code`` name the same activity in the Brightway project's
    shared background databases; empty when the study overrides the data and the
    activity lives only in this run's foreground database.
    """

    key: str = Field(description="unique in the inventory, e.g. 'grid::FRA', 'device::desktop_pro'")
    name: str
    unit: str
    location: str = "GLO"
    flows: list[FlowAmount]
    comment: str
    database: str = ""
    database_code: str = ""
    linked: str = Field(
        default="",
        description="the study field that linked this activity of the practitioner's own Brightway background",
    )
    scores: dict[str, float] = Field(
        default_factory=dict,
        description="linked activities: Brightway's characterised score per unit, by method_key(method)",
    )
    unit_factor: float = Field(
        default=1.0, gt=0, description="linked activities: units of the Brightway activity per unit booked here"
    )

    def flow(self, category: str) -> FlowAmount | None:
        return next((f for f in self.flows if f.category == category), None)


class ProviderUse(_Record):
    """One input of a provider per unit of its service: another provider or a background activity."""

    input: str = Field(description="a provider name or a background activity key")
    amount: float = Field(ge=0)
    uncertainty: Uncertainty
    comment: str
    group: str = Field(default="", description="what this uncertain input is, for the one-at-a-time sensitivity")


class Provider(_Record):
    """A shared foreground activity: one unit of a service and what it takes.

    Scenarios draw on providers instead of on the grid directly, so a factor they
    share (the datacentre PUE, the power of a clerk's computer, a clerk's time per
    item, the error of an energy estimate) is one exchange in the matrix and is
    drawn once per Monte Carlo iteration for all scenarios. ``electricity_kwh_per_unit``
    is grid electricity of the inventory's country; ``uses`` are the other inputs.
    """

    name: str
    label: str
    unit: str
    electricity_kwh_per_unit: float = Field(ge=0)
    uncertainty: Uncertainty
    comment: str
    electricity_group: str = ""
    uses: list[ProviderUse] = Field(default_factory=list)


class StageFlow(_Record):
    """One life-cycle stage of a scenario: how much of a provider's service it uses."""

    stage: str
    provider: str
    amount: float = Field(ge=0, description="in the provider's unit")
    uncertainty: Uncertainty
    comment: str = Field(description="how the amount was computed, with its inputs")
    variable_share: float = Field(
        default=0.0, ge=0.0, le=1.0, description="share of the amount proportional to the number of items"
    )
    group: str = ""


class ScenarioInventory(_Record):
    name: str
    label: str
    is_reference: bool
    stages: list[StageFlow]


class TimeOfUse(_Record):
    """When the datacentre draws electricity, on an hourly grid-intensity profile (``lca.grid_profile``)."""

    profile: str
    source: str
    run_start: str = Field(description="ISO time the training is booked at (the run's, or the study's)")
    window_hours: int
    horizon_hours: int
    aware_start: str = Field(description="start of the lowest-carbon window of window_hours within the horizon")
    run_kg_co2e_per_kwh: float
    aware_kg_co2e_per_kwh: float
    inference_kg_co2e_per_kwh: float
    annual_kg_co2e_per_kwh: float
    national_kg_co2e_per_kwh: float
    run_key: str = Field(description="background key of the grid at training time")
    aware_activity: BackgroundActivity = Field(description="the same grid in the carbon-aware window")
    by_hour: list[BackgroundActivity] = Field(
        default_factory=list, description="the grid for training starting at each hour of the run's day (UTC)"
    )
    linked_scaling: str = Field(
        default="",
        description="with a linked grid (lca.background.electricity): how its scores were scaled at each slot",
    )


class StudyInventory(_Record):
    """Everything Brightway needs for one run, independent of Brightway."""

    study: str
    run_id: str
    country: str = Field(description="ISO 3166 alpha-3 code of the grid")
    grid_kg_co2e_per_kwh: float
    grid_uncertainty: Uncertainty
    grid_source: str
    functional_unit: str
    items: int
    providers: list[Provider]
    scenarios: list[ScenarioInventory]
    background: list[BackgroundActivity] = Field(
        default_factory=list, description="empty: the grid of 'country' with its GWP100 factor only"
    )
    boundary: str = "devices_only"
    notes: list[str] = Field(default_factory=list, description="cut-offs and choices the report must state")
    allocation: str = Field(
        default="whole_machine", description="the server allocation rule applied (lca.assessment.inventory.allocation)"
    )
    allocation_statement: str = ""
    host_warnings: list[str] = Field(
        default_factory=list,
        description="a measured host far smaller (or larger) than the share of the server charged, with its own share",
    )
    serving: Literal["batch", "online"] = Field(default="batch", description="deployment.serving")
    serving_statement: str = Field(default="", description="the serving mode in one sentence, for the report")
    framework: Literal["attributional", "consequential"] = Field(
        default="attributional", description="lca.framework.kind, stated by the report"
    )
    framework_statement: str = Field(default="", description="the framework in one sentence, for the report")
    rebound: ReboundSetting | None = Field(default=None, description="the rebound scenario's demand growth")
    dqi: list[DqiRow] = Field(default_factory=list, description="the data quality table of the reference data")
    judgement_inputs: list[str] = Field(
        default_factory=list, description="uncertainty groups whose figures are judgements, for 'what to pin down'"
    )
    time_of_use: TimeOfUse | None = Field(default=None, description="set when the study gives an hourly grid profile")
    background_draws: str = Field(
        default="",
        description="linked background: Brightway's paired Monte Carlo draws of the linked activities (.npz)",
    )

    def scenario(self, name: str) -> ScenarioInventory:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(name)

    def provider(self, name: str) -> Provider:
        for provider in self.providers:
            if provider.name == name:
                return provider
        raise KeyError(name)

    @property
    def grid_key(self) -> str:
        return f"grid::{self.country}"

    def background_activities(self) -> list[BackgroundActivity]:
        """The background list, or the grid alone (GWP100) for inventories written before it existed."""
        if self.background:
            return self.background
        return [
            BackgroundActivity(
                key=self.grid_key,
                name=f"electricity, national generation mix, {self.country}",
                unit="kilowatt hour",
                location=self.country,
                flows=[
                    FlowAmount(
                        category="climate",
                        amount=self.grid_kg_co2e_per_kwh,
                        total=self.grid_kg_co2e_per_kwh,
                        uncertainty=self.grid_uncertainty,
                        source=self.grid_source,
                    )
                ],
                comment=self.grid_source,
                database="lca-ml grid electricity",
                database_code=self.country,
            )
        ]

    def electricity_kwh(self, scenario: str) -> float:
        """Deterministic grid electricity of a scenario (through every provider chain), for checks and the report."""
        memo: dict[str, float] = {}

        def per_unit(name: str) -> float:
            if name not in memo:
                provider = self.provider(name)
                names = {p.name for p in self.providers}
                memo[name] = provider.electricity_kwh_per_unit + sum(
                    use.amount * per_unit(use.input) for use in provider.uses if use.input in names
                )
            return memo[name]

        return sum(flow.amount * per_unit(flow.provider) for flow in self.scenario(scenario).stages)
