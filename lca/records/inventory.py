"""Typed records that stages write to disk and later stages read back.

Tasks exchange file paths through XCom; the files hold these records as JSON,
so every number keeps its provenance (how it was measured, on what hardware,
with what uncertainty) from the measurement to the report.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from lca.uncertainty import Uncertainty

EnergyMethod = Literal["rapl", "nvml", "codecarbon_estimate"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls: type[_R], path: str | Path) -> _R:
        """From a local file, or from a path of the artefact store (a ``upath.UPath``, read in place)."""
        return cls.model_validate(json.loads(as_readable(path).read_text()))


def as_readable(path: Any) -> Any:
    """``path`` itself when it can read itself (pathlib or upath), else a local ``Path``."""
    return path if hasattr(path, "read_text") else Path(path)


_R = TypeVar("_R", bound=_Record)


class MeasurementWindow(_Record):
    """When and in what company a window was measured (see :mod:`lca.ml.host_lock`).

    Our own tasks are kept out of the window by the host lock; other processes on the
    machine are not ours to stop, so the record says how busy the machine was.
    """

    started_at: datetime
    ended_at: datetime
    lock: str = Field(description="the host lock held during the window ('' when none was taken)")
    lock_wait_s: float = Field(ge=0, description="time spent waiting for the lock before the window")
    load_1min_start: float = Field(description="the machine's 1-minute load average as the window opened")
    load_1min_end: float
    background_cpu_cores: float | None = Field(
        default=None, description="CPU cores busy, on average, with processes other than this one during the window"
    )
    background_load_high: bool = Field(
        default=False, description="background_cpu_cores above the limit of lca.ml.energy: the window is suspect"
    )


class EnergyRecord(_Record):
    """Energy of one stage as CodeCarbon saw it, and how far to trust it."""

    stage: str
    duration_s: float = Field(ge=0)
    energy_kwh: float = Field(ge=0, description="CPU + RAM + GPU at the machine, before PUE")
    cpu_kwh: float = Field(ge=0)
    ram_kwh: float = Field(ge=0)
    gpu_kwh: float = Field(ge=0)
    method: EnergyMethod
    method_detail: str = Field(description="CodeCarbon's CPU and GPU tracking modes, verbatim")
    uncertainty: Uncertainty
    cpu_model: str
    gpu_model: str = ""
    threads: int
    tracking_mode: str
    codecarbon_version: str
    items: int | None = Field(default=None, description="inferences done inside the window, if any")
    sampling_interval_s: float | None = Field(
        default=None, description="CodeCarbon's power sampling interval; a window should span many of them"
    )
    cpu_count: int | None = None
    ram_total_gb: float | None = None
    cpu_power_w: float | None = Field(default=None, description="CodeCarbon's last CPU power reading or estimate")
    device: str = Field(default="cpu", description="where the stage's torch work ran: cpu or cuda")
    host: str = Field(default="", description="the machine measured: LCA_CLUSTER_HOST, else its host name")
    window: MeasurementWindow | None = None

    @property
    def kwh_per_item(self) -> float:
        if not self.items:
            raise ValueError(f"energy record {self.stage!r} counts no items")
        return self.energy_kwh / self.items

    @property
    def mean_power_w(self) -> float:
        return self.energy_kwh * 3.6e6 / self.duration_s if self.duration_s else 0.0

    @property
    def below_sampling_interval(self) -> bool:
        """Shorter than one CodeCarbon reading: its energy is a fragment of a reading, not a measurement."""
        return self.sampling_interval_s is not None and self.duration_s < self.sampling_interval_s

    @property
    def hardware(self) -> str:
        cpus = f"{self.cpu_count} logical CPUs, " if self.cpu_count else ""
        ram = f"{self.ram_total_gb:.0f} GB RAM, " if self.ram_total_gb else ""
        gpu = f", {self.gpu_model}" if self.gpu_model else ""
        return f"{self.cpu_model} ({cpus}{ram}{self.threads} torch threads){gpu}"


class LatencyStat(_Record):
    """Latency of one batch size: warm-up runs first, then ``repeats`` timed runs."""

    batch_size: int
    repeats: int
    warmup: int
    median_ms: float = Field(description="per batch")
    p10_ms: float
    p90_ms: float
    iqr_ms: float = Field(description="interquartile range, the spread of the timed runs")
    items_per_second: float = Field(description="batch size / median latency")
    timings_ms: list[float] = Field(default_factory=list, description="every timed run, in order")
    interval_low_ms: float | None = Field(
        default=None, description="5th percentile of the timed runs (lca.ml.significance)"
    )
    interval_high_ms: float | None = Field(default=None, description="95th percentile of the timed runs")

    @property
    def interval(self) -> tuple[float, float] | None:
        return (
            None
            if self.interval_low_ms is None or self.interval_high_ms is None
            else (self.interval_low_ms, self.interval_high_ms)
        )


class TrivialBaseline(_Record):
    """The same held-out items answered by a rule with no model (majority class, mean, ...), and the test against it."""

    name: str = Field(description="e.g. 'majority class', 'mean predictor'")
    primary_value: float
    difference: float = Field(description="variant minus trivial on the primary metric, oriented so positive is better")
    ci_low: float
    ci_high: float
    significantly_better: bool
    test: str = Field(description="how the interval was obtained")


class VariantBenchmark(_Record):
    """Quality, speed, size and inference energy of one model variant."""

    variant: str
    description: str = Field(description="what the variant is and how it was obtained")
    accuracy: float | None = Field(default=None, description="classification accuracy, when the task has one")
    task: Literal["multiclass", "binary", "regression", "ranking", "clustering"] = "multiclass"
    quality: dict[str, float] = Field(default_factory=dict, description="every metric of the task, on the test split")
    primary_metric: str = "accuracy"
    primary_value: float | None = None
    higher_is_better: bool = True
    quality_loss: float | None = Field(
        default=None, description="baseline minus variant on the primary metric (positive: worse), set after all runs"
    )
    max_quality_loss: float | None = Field(default=None, description="the study's limit, if any")
    exceeds_max_quality_loss: bool = False
    n_test_items: int
    latency_ms_median: float = Field(description="per batch of benchmark.batch_size")
    latency_ms_p90: float
    batch_size: int
    items_per_second: float
    size_bytes: int = Field(description="serialized state_dict size")
    n_parameters: int
    n_nonzero_parameters: int
    energy: EnergyRecord = Field(description="the inference window")
    energy_per_item_kwh: float = Field(description="total machine energy in the window per item (idle included)")
    routed_fraction: float = Field(
        ge=0.0, le=1.0, description="share of items the study's routing rule hands to a person"
    )
    latency: list[LatencyStat] = Field(default_factory=list, description="one entry per benchmarked batch size")
    threads: int | None = None
    idle_energy: EnergyRecord | None = Field(default=None, description="the machine idling, same tracker, same run")
    idle_power_w: float | None = None
    dynamic_energy_per_item_kwh: float | None = Field(
        default=None, description="energy per item above idle: (total - idle power x window) / items"
    )
    per_item_file: str | None = Field(
        default=None,
        description="npz beside this record (relative name): per held-out item, routed to a person or not, "
        "and the model's outputs and the truth, for the paired bootstrap of the quality figures",
    )
    energy_windows_kwh_per_item: list[float] = Field(
        default_factory=list, description="energy per item of each consecutive energy window"
    )
    energy_interval_kwh_per_item: tuple[float, float] | None = Field(
        default=None, description="5th-95th percentile of the per-window energy per item"
    )
    speed_verdicts: dict[str, str] = Field(
        default_factory=dict,
        description="per batch size: 'faster', 'slower', 'no significant difference' than the baseline (set after all runs)",
    )
    energy_verdict: str | None = Field(default=None, description="energy per item against the baseline, same rule")
    device: str = Field(default="cpu", description="where inference ran")
    trivial: TrivialBaseline | None = Field(default=None, description="the no-model floor on the same items")


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


def method_key(method) -> str:
    """A method name as one string (JSON keys cannot be tuples)."""
    return " | ".join(method)


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
                database="grid electricity",
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


class ImpactScore(_Record):
    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float


class StageScore(_Record):
    """Score of one life-cycle stage of a scenario; a scenario's stages add up to its score."""

    scenario: str
    stage: str
    method: tuple[str, ...]
    unit: str
    score: float


class LciaResults(_Record):
    study: str
    run_id: str
    scores: list[ImpactScore]
    brightway_project: str
    foreground_database: str
    stages: list[StageScore] = Field(default_factory=list, description="contribution of each life-cycle stage")
    engine_max_rel_diff: float | None = Field(
        default=None, description="largest relative gap between lca.assessment.engine and Brightway on these scores"
    )


class VariantQuality(_Record):
    """A variant's quality figures with their paired-bootstrap intervals, and the items they rest on."""

    variant: str
    n_items: int = Field(description="held-out items behind every figure of this row")
    routed_items: int = Field(description="items the routing rule hands to a person, on the full held-out set")
    routed_share: float
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
