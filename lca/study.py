"""The study file: what is assessed, how, and against which reference.

A study is declared in YAML and validated here before anything runs. Errors
name the file, the field and the offending value, so a typo never surfaces as
a wrong number three tasks later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lca.errors import ReferenceDataError, StudyError
from lca.reference_data import Parameter, parameter

GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A figure is either the id of a cited parameter in include/data/parameters.yaml
# or an inline parameter carrying its own source and uncertainty.
ParameterRef = Union[str, Parameter]


def resolve(ref: ParameterRef) -> Parameter:
    return ref if isinstance(ref, Parameter) else parameter(ref)


class FunctionalUnit(_Strict):
    """What the system delivers, e.g. one million digits read over one year."""

    description: str
    item: str = Field(description="what one item is, e.g. 'handwritten digit'")
    items: int = Field(gt=0, description="number of items processed over the period")
    period: str = Field(default="1 year")


class DatasetSpec(_Strict):
    builtin: Literal["sklearn_digits"]
    test_fraction: float = Field(default=0.25, gt=0.0, lt=1.0)
    max_rows: int | None = Field(default=None, gt=20, description="subsample for quick runs")
    seed: int = 0


class ModelSpec(_Strict):
    architecture: Literal["small_cnn"]
    channels: int = Field(default=16, gt=0, le=256)
    hidden: int = Field(default=64, gt=0, le=4096)


class TrainingSpec(_Strict):
    epochs: int = Field(gt=0, le=1000)
    batch_size: int = Field(default=64, gt=0)
    learning_rate: float = Field(default=1e-3, gt=0.0, lt=1.0)
    seed: int = 0


class DynamicQuantization(_Strict):
    """Post-training dynamic int8 quantization of the linear layers."""

    method: Literal["dynamic_quantization"]
    name: str


class MagnitudePruning(_Strict):
    """Unstructured L1 magnitude pruning of conv and linear weights, then fine-tuning."""

    method: Literal["magnitude_pruning"]
    name: str
    sparsity: float = Field(gt=0.0, lt=1.0)
    finetune_epochs: int = Field(default=1, ge=0)


CompressionSpec = Annotated[Union[DynamicQuantization, MagnitudePruning], Field(discriminator="method")]


class BenchmarkSpec(_Strict):
    energy_window_seconds: float = Field(
        default=10.0,
        gt=0.0,
        description="inference runs repeatedly for at least this long under the energy tracker",
    )
    batch_size: int = Field(default=64, gt=0)
    latency_repeats: int = Field(default=20, gt=0)


class RoutingSpec(_Strict):
    """Which items the ML system hands to a person, who then does them the reference way.

    ``expected_errors``: the share of items the model gets wrong on held-out data
    (someone downstream has to catch and redo them). ``low_confidence``: items whose
    top predicted probability is below ``confidence_threshold`` go to a person.
    """

    rule: Literal["expected_errors", "low_confidence"] = "expected_errors"
    confidence_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _threshold_matches_rule(self) -> "RoutingSpec":
        if (self.rule == "low_confidence") != (self.confidence_threshold is not None):
            raise ValueError("confidence_threshold is required with rule 'low_confidence' and only then")
        return self


class DeploymentSpec(_Strict):
    country: str = Field(description="ISO 3166 code (alpha-2 or alpha-3) of the electricity grid")
    pue: ParameterRef = "pue_average_datacenter_2023"
    hardware: str = Field(default="CPU server", description="what the model is trained and served on")

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        return to_iso3(value)


class ReferenceSpec(_Strict):
    """The same functional unit done by people, without ML."""

    description: str
    time_per_item: ParameterRef
    device_power: ParameterRef


class Study(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="also the DAG id")
    description: str = ""
    schedule: str | None = Field(default=None, description="Airflow schedule, e.g. '@weekly'; none means manual runs")
    functional_unit: FunctionalUnit
    dataset: DatasetSpec
    model: ModelSpec
    training: TrainingSpec
    compression: list[CompressionSpec] = Field(default_factory=list)
    benchmark: BenchmarkSpec = BenchmarkSpec()
    routing: RoutingSpec = RoutingSpec()
    deployment: DeploymentSpec
    reference: ReferenceSpec
    impact_methods: list[tuple[str, ...]] = Field(default_factory=lambda: [GWP100], min_length=1)

    @field_validator("compression")
    @classmethod
    def _unique_variant_names(cls, specs: list) -> list:
        names = [spec.name for spec in specs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"compression names must be unique, repeated: {dupes}")
        reserved = sorted({"baseline", "reference"} & set(names))
        if reserved:
            raise ValueError(f"compression names {reserved} are reserved (the uncompressed model, the non-ML reference)")
        return specs

    def variant_names(self) -> list[str]:
        return ["baseline", *(spec.name for spec in self.compression)]

    def compression_spec(self, name: str) -> CompressionSpec:
        for spec in self.compression:
            if spec.name == name:
                return spec
        raise KeyError(name)


def to_iso3(code: str) -> str:
    import pycountry  # light, but only needed when a study is validated

    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    found = found or (pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None)
    if found is None:
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-2 or alpha-3 country code")
    return found.alpha_3


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid study ({exc.error_count()} problem(s))"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        shown = repr(value) if not isinstance(value, dict) else "{...}"
        lines.append(f"  field '{loc}': value {shown}: {err['msg']}")
    return "\n".join(lines)


def parse_study(data: object, path: Path) -> Study:
    if not isinstance(data, dict):
        raise StudyError(f"{path}: a study is a YAML mapping, got {type(data).__name__}")
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise StudyError(_describe(path, exc)) from None
    _check_references(study, path)
    return study


def _check_references(study: Study, path: Path) -> None:
    """Parameter ids must exist and have the right dimension before the run starts."""
    checks = {
        "deployment.pue": (study.deployment.pue, "dimensionless"),
        "reference.time_per_item": (study.reference.time_per_item, "s"),
        "reference.device_power": (study.reference.device_power, "W"),
    }
    for field, (ref, unit) in checks.items():
        try:
            resolve(ref).magnitude(unit)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field '{field}': value {ref!r}: {exc}") from None


def load_study(path: str | Path) -> Study:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise StudyError(f"{path}: cannot read study file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StudyError(f"{path}: not valid YAML: {exc}") from None
    return parse_study(data, path)
