"""The ``lca:`` section of a study: system boundary, repetitions, hardware, uncertainty and sensitivity settings.

Every field has a default, so a study without the section still validates
(devices-only boundary, one training run, the project's default hardware,
a 2,000-draw Monte Carlo). Figures are parameter ids of ``include/data/parameters*.yaml``
or inline cited parameters, like the rest of the study.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, field_validator, model_validator

from lca import limits as L
from lca.study.countries import to_iso3
from lca.study.framework import Framework
from lca.study.human_effort import FixedEffort
from lca.study.reference_data import ParameterRef
from lca.study.strict_model import StrictModel
from lca.uncertainty import Uncertainty

DEFAULT_COUNTRIES = ["FR", "SE", "DE", "PL", "US", "CN", "IN"]


class TrainingRuns(StrictModel):
    """How often the measured training is repeated over the functional unit's period."""

    hyperparameter_search: StrictInt = Field(
        default=1,
        ge=1,
        le=L.MAX_SEARCH_TRIALS,
        description="training runs per model build, the final one included (search trials)",
    )
    retrainings_per_period: StrictInt = Field(
        default=1,
        ge=1,
        le=L.MAX_RETRAININGS,
        description="model builds over the period (retraining on new data); data preparation and compression repeat "
        "with it",
    )

    @property
    def total(self) -> int:
        return self.hyperparameter_search * self.retrainings_per_period


class HardwareSpec(StrictModel):
    """Device ids of ``include/data/hardware.yaml`` for the ML system and for the people."""

    server: str = "server_2s_r740"
    server_share: StrictFloat | None = Field(
        default=None,
        gt=0.0,
        le=1.0,
        description="share of the server the workload occupies (older studies): overrides deployment.server_share; "
        "with allocation 'whole_machine', replaces threads used / the server's threads",
    )
    server_idle_power: ParameterRef = Field(
        default="server_idle_power_2s",
        description="the server's idle draw charged by share when the stages' energy is attributed to their processes",
    )
    gpu: str | None = None
    gpus: StrictInt = Field(default=1, ge=1, le=L.MAX_GPUS)
    workers: list[str] = Field(
        default_factory=lambda: ["desktop_pro", "monitor"],
        max_length=L.MAX_DEVICES,
        description="devices of the people who do the job (reference and residual work)",
    )
    engineers: list[str] = Field(
        default_factory=lambda: ["laptop_pro"], max_length=L.MAX_DEVICES, description="devices of the ML engineers"
    )
    engineer_power: ParameterRef = "laptop_power"


class OfficeSpec(StrictModel):
    """Office building figures, used with the boundary ``devices_and_office``."""

    electricity_intensity: ParameterRef = "office_electricity_intensity"
    heat_intensity: ParameterRef = "office_fossil_heat_intensity"
    share_not_workstations: ParameterRef = "office_share_not_workstations"
    area_per_workplace: ParameterRef = "office_area_per_workplace"
    hours_per_year: ParameterRef = "office_hours_per_workplace_year"


class GridOverride(StrictModel):
    """The study's own figures for 1 kWh of its grid (e.g. a supplier's factor); others stay national."""

    climate: ParameterRef
    minerals: ParameterRef | None = None
    fossils: ParameterRef | None = None
    water: ParameterRef | None = None

    def given(self) -> dict[str, ParameterRef]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class ActivityLink(StrictModel):
    """An activity of any database of the Brightway project, by code or by a search matching exactly one.

    Checked against the project by :func:`lca.assessment.brightway.linking.resolve_links`
    (``lca-ml validate`` and the pipeline): this schema stays free of Brightway.
    """

    database: str = Field(min_length=1)
    code: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1)
    reference_product: str | None = Field(default=None, min_length=1)
    location: str | None = Field(default=None, min_length=1)
    unit: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _code_or_search(self) -> ActivityLink:
        search = [self.name, self.reference_product, self.location, self.unit]
        if self.code is None and self.name is None and self.reference_product is None:
            raise ValueError("give either 'code' or a search with at least 'name' or 'reference_product'")
        if self.code is not None and any(v is not None for v in search[:3]):
            raise ValueError("give either 'code' or a search (name, reference_product, location, unit), not both")
        return self

    def describe(self) -> str:
        if self.code is not None:
            return f"{self.database!r} code {self.code!r}"
        fields = {k: v for k, v in self.model_dump().items() if v is not None and k != "database"}
        return f"{self.database!r} " + ", ".join(f"{k}={v!r}" for k, v in fields.items())


class BackgroundLinks(StrictModel):
    """Activities of the practitioner's own Brightway background (e.g. ecoinvent) used instead of the project's.

    Anything not named here keeps the project's cited background: mixing is allowed.
    """

    electricity: ActivityLink | None = Field(default=None, description="1 kWh of grid electricity (unit kWh)")
    devices: dict[str, ActivityLink] = Field(
        default_factory=dict, description="device id of hardware.yaml -> the manufacture of one device (unit 'unit')"
    )
    office_heat: ActivityLink | None = Field(
        default=None, description="office heating, per kWh or MJ of heat (replaces natural gas burnt in a boiler)"
    )

    def slots(self) -> dict[str, ActivityLink]:
        """Field path -> link, for validation messages."""
        out = {}
        if self.electricity is not None:
            out["lca.background.electricity"] = self.electricity
        out.update({f"lca.background.devices.{d}": link for d, link in self.devices.items()})
        if self.office_heat is not None:
            out["lca.background.office_heat"] = self.office_heat
        return out


class TimeOfUseSpec(StrictModel):
    """An hourly grid-intensity profile, and when training and inference draw electricity.

    Without it, all electricity is the grid's annual figure (unchanged behaviour).
    With it, training (with compression and data preparation) happens when the run
    happened, or ``training_start``, and inference follows ``inference_load``; the
    sensitivity adds the carbon-aware scenario: training moved to the lowest-carbon
    window of ``carbon_aware_window_hours`` starting within ``carbon_aware_horizon_hours``.
    """

    profile: str = Field(description="CSV: timestamp, g_co2e_per_kwh[, per-category columns], relative to the study")
    source: str = Field(min_length=3, description="where the figures come from (or 'SYNTHETIC ...')")
    uncertainty: Uncertainty | None = Field(
        default=None, description="spread of the hourly climate figures; default: the national grid factor's"
    )
    inference_load: list[Annotated[StrictFloat, Field(ge=0.0, le=L.MAX_ABS_FIGURE)]] | None = Field(
        default=None, min_length=24, max_length=24, description="relative load for each hour of the day (UTC); flat"
    )
    training_start: datetime | None = Field(default=None, description="default: when the run happened")
    carbon_aware_window_hours: StrictInt | None = Field(
        default=None, ge=1, le=24 * 31, description="hours the training needs; default: its measured time, rounded up"
    )
    carbon_aware_horizon_hours: StrictInt = Field(
        default=24, ge=1, le=24 * 366, description="how far it may be delayed"
    )

    @field_validator("inference_load")
    @classmethod
    def _load(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and (min(values) < 0 or sum(values) <= 0):
            raise ValueError("loads are non-negative and not all zero")
        return values


class LcaSpec(StrictModel):
    framework: Framework = Field(
        default_factory=Framework,
        description="attributional (default) or consequential, and the rebound scenario (lca.study.framework)",
    )
    system_boundary: Literal["devices_only", "devices_and_office"] = Field(
        default="devices_only",
        description="what is counted for every person on both sides: their devices, or devices and office building",
    )
    training_runs: TrainingRuns = TrainingRuns()
    development_hours: ParameterRef | None = Field(
        default=None, description="engineers' time to build the model (a fixed cost of every ML scenario)"
    )
    data_collection_hours: ParameterRef | None = Field(
        default=None,
        description="people's time to collect and label the training data, once (spread like development)",
    )
    service_life: ParameterRef | None = Field(
        default=None,
        description="years the model is in service (with its spread): development and data collection are spread "
        "over it, one functional-unit period's share each; none: charged in full to the one period",
    )
    retraining_hours: ParameterRef | None = Field(
        default=None,
        description="engineers' hours of each model build over the period (training_runs.retrainings_per_period)",
    )
    human_effort: list[FixedEffort] = Field(
        default_factory=list,
        max_length=L.MAX_DEVICES,
        description="people's work that does not grow with the items (per period or per batch), and who does it "
        "(lca.study.human_effort); per-item work is reference.time_per_item",
    )
    hardware: HardwareSpec = HardwareSpec()
    office: OfficeSpec = OfficeSpec()
    grid_override: GridOverride | None = None
    grid_profile: TimeOfUseSpec | None = Field(default=None, description="hourly grid intensity: when, not only where")
    background: BackgroundLinks | None = Field(
        default=None, description="activities of the Brightway project's own databases (e.g. ecoinvent) to use"
    )
    monte_carlo_iterations: StrictInt = Field(default=2000, ge=100, le=L.MAX_MONTE_CARLO)
    background_draws: StrictInt | None = Field(
        default=None,
        ge=100,
        le=L.MAX_MONTE_CARLO,
        description=(
            "Brightway Monte Carlo draws of the linked background (lca.background), sampled once and cached; "
            "default: as many as the Monte Carlo iterations. Fewer are reused in turn (draw k mod n): at "
            "ecoinvent scale each draw is a full matrix factorisation"
        ),
    )
    seed: StrictInt = Field(default=0, ge=0, le=L.MAX_SEED)
    sensitivity_countries: list[str] = Field(
        default_factory=lambda: list(DEFAULT_COUNTRIES), max_length=40, validate_default=True
    )
    sensitivity_iterations: StrictInt = Field(
        default=500, ge=100, le=100_000, description="Monte Carlo draws per country in the country sensitivity"
    )
    tornado_parameters: list[str] | None = Field(
        default=None,
        max_length=L.MAX_TORNADO_PARAMETERS,
        description="uncertain inputs to vary one at a time (their group names); default: all",
    )
    tornado_top: StrictInt = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _one_grid_source(self) -> LcaSpec:
        if self.grid_override is not None and self.background is not None and self.background.electricity is not None:
            raise ValueError("give either lca.grid_override or lca.background.electricity, not both")
        if self.framework.kind == "consequential" and self.grid_profile is not None:
            raise ValueError(
                "an hourly lca.grid_profile gives average-mix figures; the consequential framework uses the marginal "
                "mix: use one or the other"
            )
        return self

    @field_validator("human_effort")
    @classmethod
    def _unique_efforts(cls, efforts: list[FixedEffort]) -> list[FixedEffort]:
        names = [e.name for e in efforts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"human_effort names must be unique, repeated: {dupes}")
        return efforts

    @field_validator("sensitivity_countries")
    @classmethod
    def _iso3(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(to_iso3(v) for v in values))


def parameter_checks(spec: LcaSpec) -> dict[str, tuple[ParameterRef, str]]:
    """Field path -> (reference, unit it must convert to), for the study's pre-run checks."""
    checks: dict[str, tuple[ParameterRef, str]] = {"lca.hardware.engineer_power": (spec.hardware.engineer_power, "W")}
    for name in ("development_hours", "data_collection_hours", "retraining_hours"):
        if getattr(spec, name) is not None:
            checks[f"lca.{name}"] = (getattr(spec, name), "hour")
    if spec.service_life is not None:
        checks["lca.service_life"] = (spec.service_life, "year")
    if spec.framework.kind == "consequential":
        checks["lca.framework.consequential.work_removed"] = (
            spec.framework.consequential.work_removed,
            "dimensionless",
        )
    if spec.framework.rebound is not None:
        checks["lca.framework.rebound.elasticity"] = (spec.framework.rebound.elasticity, "dimensionless")
        checks["lca.framework.rebound.cost_reduction"] = (spec.framework.rebound.cost_reduction, "dimensionless")
    for i, effort in enumerate(spec.human_effort):
        checks[f"lca.human_effort.{i}.hours"] = (effort.hours, "hour")
    office = spec.office
    checks.update(
        {
            "lca.office.electricity_intensity": (office.electricity_intensity, "kWh/m**2/year"),
            "lca.office.heat_intensity": (office.heat_intensity, "kWh/m**2/year"),
            "lca.office.share_not_workstations": (office.share_not_workstations, "dimensionless"),
            "lca.office.area_per_workplace": (office.area_per_workplace, "m**2"),
            "lca.office.hours_per_year": (office.hours_per_year, "hour/year"),
        }
    )
    if spec.grid_override is not None:
        units = {"climate": "kg/kWh", "minerals": "kg/kWh", "fossils": "MJ/kWh", "water": "m**3/kWh"}
        for cat, ref in spec.grid_override.given().items():
            checks[f"lca.grid_override.{cat}"] = (ref, units[cat])
    return checks


def device_ids(spec: LcaSpec) -> dict[str, str]:
    """Field path -> device id, for the pre-run check that each exists."""
    hw = spec.hardware
    ids = {"lca.hardware.server": hw.server}
    if hw.gpu:
        ids["lca.hardware.gpu"] = hw.gpu
    ids.update({f"lca.hardware.workers.{i}": d for i, d in enumerate(hw.workers)})
    ids.update({f"lca.hardware.engineers.{i}": d for i, d in enumerate(hw.engineers)})
    return ids
