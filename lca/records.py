"""Typed records that stages write to disk and later stages read back.

Tasks exchange file paths through XCom; the files hold these records as JSON,
so every number keeps its provenance (how it was measured, on what hardware,
with what uncertainty) from the measurement to the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, TypeVar

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
        return cls.model_validate(json.loads(Path(path).read_text()))


_R = TypeVar("_R", bound=_Record)


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

    @property
    def kwh_per_item(self) -> float:
        if not self.items:
            raise ValueError(f"energy record {self.stage!r} counts no items")
        return self.energy_kwh / self.items


class VariantBenchmark(_Record):
    """Quality, speed, size and inference energy of one model variant."""

    variant: str
    description: str = Field(description="what the variant is and how it was obtained")
    accuracy: float
    n_test_items: int
    latency_ms_median: float = Field(description="per batch of benchmark.batch_size")
    latency_ms_p90: float
    batch_size: int
    items_per_second: float
    size_bytes: int = Field(description="serialized state_dict size")
    n_parameters: int
    n_nonzero_parameters: int
    energy: EnergyRecord = Field(description="the inference window")
    energy_per_item_kwh: float
    routed_fraction: float = Field(
        ge=0.0, le=1.0, description="share of items the study's routing rule hands to a person"
    )


class Provider(_Record):
    """A shared foreground activity that turns one unit of a service into grid electricity.

    Scenarios draw on providers instead of on the grid directly, so a factor they
    share (the datacentre PUE, the power of a clerk's computer) is one exchange in
    the matrix and is drawn once per Monte Carlo iteration for all scenarios.
    """

    name: str
    label: str
    unit: str
    electricity_kwh_per_unit: float = Field(ge=0)
    uncertainty: Uncertainty
    comment: str


class StageFlow(_Record):
    """One life-cycle stage of a scenario: how much of a provider's service it uses."""

    stage: str
    provider: str
    amount: float = Field(ge=0, description="in the provider's unit")
    uncertainty: Uncertainty
    comment: str = Field(description="how the amount was computed, with its inputs")


class ScenarioInventory(_Record):
    name: str
    label: str
    is_reference: bool
    stages: list[StageFlow]


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

    def electricity_kwh(self, scenario: str) -> float:
        """Deterministic grid electricity of a scenario, for checks and the report."""
        return sum(
            flow.amount * self.provider(flow.provider).electricity_kwh_per_unit
            for flow in self.scenario(scenario).stages
        )


class ImpactScore(_Record):
    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float


class LciaResults(_Record):
    study: str
    run_id: str
    scores: list[ImpactScore]
    brightway_project: str
    foreground_database: str
