"""The study file: what is assessed, how, and against which reference.

A study is declared in YAML; this is its root model, with the sections that say
what the system delivers (functional unit), where it runs (deployment) and what it
is compared with (the reference, done by people). The other sections are in
lca.study.machine_learning, lca.study.compression and lca.study.life_cycle; a file
is read and checked by lca.study.loading.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from lca import limits as L
from lca.study.baselines import CLASSICAL, BaselinesSpec, method_for
from lca.study.compression import ArchitectureVariant, CompressionSpec, Distillation, all_steps, check_architecture
from lca.study.countries import to_iso3
from lca.study.human_effort import period_hours
from lca.study.impact_methods import GWP100
from lca.study.life_cycle import LcaSpec
from lca.study.machine_learning import (
    BUILTIN_DATASETS,
    BenchmarkSpec,
    DatasetSpec,
    ModelSpec,
    RuntimeName,
    TaskSpec,
    TrainingSpec,
)
from lca.study.reference_data import ParameterRef
from lca.study.report_spec import ReportSpec, check_headline
from lca.study.routing import DEFAULT_ROUTING, DEFAULT_VALIDATION_FRACTION, RoutingSpec
from lca.study.serving import OnlineServing
from lca.study.strict_model import StrictModel

# deployment.server_share: the measured host's logical CPUs over the modelled server's threads,
# resolved from the run's energy records (lca.assessment.inventory.host_share).
FROM_HOST = "from_host"


class FunctionalUnit(StrictModel):
    """What the system delivers, e.g. one million digits read over one year, at most 1 % of them wrong.

    ``delivered_error_rate`` is the quality of the function (ISO 14044 4.2.3.7: a
    comparison needs the same function and quality on both sides): the share of
    delivered items that are wrong. It is the reference's (``reference.error_rate``,
    people err too), and the ML system's routing must meet it (lca.study.routing.RoutingSpec).
    Ranking and clustering have no per-item check (routing ``none``): their quality is
    stated in the description and judged by the task's metrics.
    """

    description: str
    item: str = Field(description="what one item is, e.g. 'handwritten digit'")
    items: StrictInt = Field(gt=0, le=L.MAX_ITEMS, description="number of items processed over the period")
    period: str = Field(default="1 year", description="a time pint reads; every per-period figure is converted to it")
    delivered_error_rate: ParameterRef | None = Field(
        default=None, description="share of delivered items that may be wrong, on both sides: reference.error_rate"
    )

    @field_validator("period")
    @classmethod
    def _a_period(cls, value: str) -> str:
        period_hours(value)
        return value


class DeploymentSpec(StrictModel):
    country: str = Field(description="ISO 3166 code (alpha-2 or alpha-3) of the electricity grid")
    pue: ParameterRef = "pue_average_datacenter_2023"
    hardware: str = Field(default="CPU server", description="what the model is trained and served on")
    allocation: Literal["shared", "dedicated", "whole_machine"] = Field(
        default="shared",
        description="how much of the server the service is charged (lca.assessment.inventory.allocation): "
        "'shared': dynamic energy in full, idle power and embodied impacts by server_share; 'dedicated': "
        "share 1; 'whole_machine': the gross energy of the machine and embodied impacts by threads (comparison)",
    )
    server_share: ParameterRef = Field(
        default="server_share_shared_service",
        description="with allocation 'shared': the service's share of the server (a parameter id or inline parameter), "
        f"or '{FROM_HOST}': the measured host's logical CPUs over lca.hardware.server's threads, from the run's "
        "energy records",
    )
    serving: Literal["batch", "online"] = Field(
        default="batch",
        description="'batch': charged for compute time; 'online': charged for the provisioned time (lca.study.serving)",
    )
    online: OnlineServing | None = Field(default=None, description="with serving 'online': what is provisioned")
    device: Literal["cpu", "cuda", "auto"] = Field(
        default="cpu",
        description="where training, fine-tuning/distillation and benchmarks run (lca.ml.device); auto: the GPU if "
        "torch sees one. int8 variants stay on the CPU",
    )
    runtime: Literal["fastest"] | RuntimeName = Field(
        default="fastest",
        description="the runtime whose energy per item the inference stage uses: 'fastest' is the one of "
        "benchmark.runtimes needing the least CPU time per call that runs the variant, keeps its quality within the "
        "tolerance and is significantly below benchmark.runtime_margin x eager's (paired test at benchmark.alpha), "
        "else eager (lca.ml.runtimes.selection); a named one must be in benchmark.runtimes",
    )

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        return to_iso3(value)

    @model_validator(mode="after")
    def _online_section(self) -> DeploymentSpec:
        if self.serving == "online" and self.online is None:
            raise ValueError("serving 'online' needs deployment.online (hours_per_day, replicas, batch_size)")
        if self.serving == "batch" and self.online is not None:
            raise ValueError("deployment.online applies to serving 'online' only")
        return self


class ReferenceSpec(StrictModel):
    """The same functional unit done by people, without ML, at the quality people deliver.

    ``error_rate`` is the share of items the reference way delivers wrong (cited: people
    misread and miskey); with ``verification_time_per_item`` (e.g. double keying, a
    second entry compared with the first) the reference spends that time on every item
    too, and ``error_rate`` is the rate after verification. Items the ML system routes to a
    person are done this same way, verification included, so both sides deliver the same quality.
    """

    description: str
    time_per_item: ParameterRef | None = Field(
        default=None, description="per-item work; none when the reference's effort is fixed (lca.human_effort)"
    )
    device_power: ParameterRef
    error_rate: ParameterRef | None = Field(
        default=None, description="share of items people deliver wrong, after any verification (cited)"
    )
    verification_time_per_item: ParameterRef | None = Field(
        default=None, description="a person's time to verify each item (e.g. double keying), on top of time_per_item"
    )


def _default_routing(data: Any) -> Any:
    """Fill ``routing.rule`` by task kind and, for routing by confidence, the validation share of the dataset."""
    if not isinstance(data, dict) or not isinstance(data.get("task"), dict):
        return data
    routing = data.get("routing", {})
    if not isinstance(routing, dict):
        return data
    rule = routing.get("rule", DEFAULT_ROUTING.get(data["task"].get("kind")))
    if rule is None:
        return data
    data = {**data, "routing": {**routing, "rule": rule}}
    dataset = data.get("dataset")
    if isinstance(dataset, dict) and dataset.get("validation_fraction") is None:
        share = DEFAULT_VALIDATION_FRACTION if rule == "confidence" else 0.0
        data["dataset"] = {**dataset, "validation_fraction": share}
    return data


_SCHEDULE_PRESETS = {
    "@once",
    "@continuous",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@quarterly",
    "@yearly",
    "@annually",
}
_CRON = re.compile(r"^[0-9A-Za-z*/,?#-]+( [0-9A-Za-z*/,?#-]+){4,6}$")  # 5 to 7 fields, as croniter reads


class Study(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="also the DAG id")
    description: str = ""
    schedule: str | None = Field(
        default=None,
        max_length=100,
        description="Airflow schedule, e.g. '@weekly'; none means manual runs",
    )
    functional_unit: FunctionalUnit
    dataset: DatasetSpec
    task: TaskSpec = Field(description="default: the task of a built-in dataset; required with a dataset file")
    model: ModelSpec
    training: TrainingSpec
    compression: list[CompressionSpec] = Field(default_factory=list, max_length=L.MAX_VARIANTS)
    benchmark: BenchmarkSpec = BenchmarkSpec()
    baselines: BaselinesSpec = Field(
        default_factory=BaselinesSpec, description="the classical method assessed as a scenario (lca.study.baselines)"
    )
    routing: RoutingSpec = RoutingSpec()
    deployment: DeploymentSpec
    reference: ReferenceSpec
    impact_methods: list[tuple[str, ...]] = Field(
        default_factory=lambda: [GWP100], min_length=1, max_length=L.MAX_IMPACT_METHODS
    )
    lca: LcaSpec = Field(
        default_factory=LcaSpec, description="boundary, repetitions, hardware, uncertainty (lca.study.life_cycle)"
    )
    report: ReportSpec = Field(
        default_factory=ReportSpec,
        description="the headline impact categories the report charts (lca.study.report_spec)",
    )

    @field_validator("schedule")
    @classmethod
    def _preset_or_cron(cls, value: str | None) -> str | None:
        """Checked here: a schedule Airflow cannot read would break the whole DAG file, not one DAG."""
        if value is None or value in _SCHEDULE_PRESETS or _CRON.match(value):
            return value
        raise ValueError(
            f"not an Airflow schedule: use one of {sorted(_SCHEDULE_PRESETS)} or a cron expression like '0 3 * * 1'"
        )

    @model_validator(mode="before")
    @classmethod
    def _default_task(cls, data: Any) -> Any:
        """A built-in dataset implies its task, so the digits study needs no ``task`` section."""
        if isinstance(data, dict) and "task" not in data and isinstance(data.get("dataset"), dict):
            kind = BUILTIN_DATASETS.get(data["dataset"].get("builtin"))
            if kind:
                data = {**data, "task": {"kind": kind}}
        return _default_routing(data)

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        kind = self.task.kind
        if self.dataset.builtin and BUILTIN_DATASETS[self.dataset.builtin] != kind:
            raise ValueError(
                f"task.kind {kind!r} does not fit dataset {self.dataset.builtin!r}, "
                f"which is a {BUILTIN_DATASETS[self.dataset.builtin]} task"
            )
        models = [self.model, *(s.student for s in all_steps(self.compression) if isinstance(s, Distillation))]
        if any(m.architecture == "small_cnn" for m in models) and self.dataset.builtin != "sklearn_digits":
            raise ValueError("architecture 'small_cnn' reads 8x8 images: only dataset 'sklearn_digits' has them")
        if self.dataset.file is not None and kind in ("ranking", "clustering"):
            raise ValueError(
                f"task.kind {kind!r} runs on the built-in synthetic_purchases / synthetic_customers data; "
                "a dataset file is supported for multiclass, binary and regression only"
            )
        for architecture, needs in (("two_tower", "ranking"), ("autoencoder_kmeans", "clustering")):
            if any(m.architecture == architecture for m in models) and kind != needs:
                raise ValueError(f"architecture {architecture!r} is for task.kind {needs!r}, not {kind!r}")
        if kind == "clustering" and any(isinstance(s, Distillation) for s in all_steps(self.compression)):
            raise ValueError("distillation learns a teacher's outputs; a clustering has no target to distil (drop it)")
        self._check_routing()
        self._check_classical()
        check_headline(self.report, self.impact_methods)
        for spec in self.compression:
            if isinstance(spec, ArchitectureVariant):
                check_architecture(spec, self.model)
        if self.deployment.runtime != "fastest" and self.deployment.runtime not in self.benchmark.runtimes:
            raise ValueError(
                f"deployment.runtime {self.deployment.runtime!r} is not benchmarked: add it to benchmark.runtimes "
                f"{self.benchmark.runtimes}, or use 'fastest'"
            )
        online = self.deployment.online
        if online is not None and online.batch_size not in self.benchmark.all_batch_sizes():
            raise ValueError(
                f"deployment.online.batch_size {online.batch_size} is not measured: add it to "
                f"benchmark.latency_batch_sizes {self.benchmark.latency_batch_sizes}"
            )
        if self.reference.time_per_item is None and not any(e.side != "ml" for e in self.lca.human_effort):
            raise ValueError(
                "the reference does no work: give reference.time_per_item or an lca.human_effort entry with side "
                "'reference' or 'both'"
            )
        if self.deployment.device == "cuda" and not self.lca.hardware.gpu:
            raise ValueError(
                "deployment.device 'cuda' needs lca.hardware.gpu (a GPU id of include/data/hardware.yaml, e.g. "
                "gpu_80gb), so the GPU's embodied share is charged"
            )
        return self

    def _check_classical(self) -> None:
        if self.baselines.seasonal_floor is not None and self.task.kind != "regression":
            raise ValueError(
                f"baselines.seasonal_floor is a forecast's floor: it applies to a regression, not a {self.task.kind}"
            )
        if not self.baselines.classical:
            return
        method = method_for(self.baselines, self.task.kind)
        if (
            method == "seasonal_naive"
            and self.baselines.seasonal_features is None
            and self.dataset.builtin != "synthetic_grid_load"
        ):
            raise ValueError(
                "baselines.method 'seasonal_naive' needs baselines.seasonal_features: per target column, the "
                "feature column holding its value one season earlier"
            )
        if (
            method == "rfm_rules"
            and self.baselines.rfm_features is None
            and self.dataset.builtin != "synthetic_customers"
        ):
            raise ValueError(
                "baselines.method 'rfm_rules' needs baselines.rfm_features: the recency, frequency and monetary "
                "feature columns, in that order"
            )

    def _check_routing(self) -> None:
        kind, routing, reference = self.task.kind, self.routing, self.reference
        rule = routing.rule
        if rule in ("confidence", "low_confidence") and kind in ("ranking", "clustering"):
            raise ValueError(
                f"routing rule {rule!r} does not apply to a {kind}: a list or a segment is not checked item by item; "
                "use 'none' (the default; fixed human effort is modelled per period) or 'expected_errors' "
                "(a perfect-detector bound)"
            )
        if rule == "none" and kind not in ("ranking", "clustering"):
            raise ValueError(
                f"routing rule 'none' is for ranking and clustering; a {kind} routes by 'confidence' (the default)"
            )
        if rule == "low_confidence" and kind == "regression":
            raise ValueError("routing rule 'low_confidence' needs class probabilities; a regression has none")
        if rule == "flagged" and kind != "binary":
            raise ValueError("routing rule 'flagged' applies to binary tasks (items flagged positive)")
        if (kind == "regression") != (routing.error_tolerance is not None):
            raise ValueError("routing.error_tolerance is required for a regression, and only there")
        stated = self.functional_unit.delivered_error_rate
        if stated is not None and stated != reference.error_rate:
            raise ValueError(
                "functional_unit.delivered_error_rate must be the reference's (reference.error_rate): both systems "
                "deliver the same function at the same quality (ISO 14044 4.2.3.7)"
            )
        if rule == "confidence":
            if stated is None or reference.error_rate is None:
                raise ValueError(
                    "routing rule 'confidence' meets the functional unit's quality: give reference.error_rate (the "
                    "share of items people deliver wrong, cited) and the same figure as "
                    "functional_unit.delivered_error_rate"
                )
            if not self.dataset.validation_fraction:
                raise ValueError(
                    "routing rule 'confidence' chooses its threshold on a validation split, never the test set: "
                    "dataset.validation_fraction must be above 0"
                )

    @field_validator("compression")
    @classmethod
    def _unique_variant_names(cls, specs: list) -> list:
        unnamed = [i for i, spec in enumerate(specs) if not spec.name]
        if unnamed:
            raise ValueError(
                f"every compression entry needs a 'name' (the variant's name); entries {unnamed} have none"
            )
        names = [spec.name for spec in specs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"compression names must be unique, repeated: {dupes}")
        reserved = sorted({"baseline", "reference", CLASSICAL} & set(names))
        if reserved:
            raise ValueError(
                f"compression names {reserved} are reserved (the uncompressed model, the non-ML reference, "
                "the classical baseline)"
            )
        return specs

    def variant_names(self) -> list[str]:
        return ["baseline", *(spec.name for spec in self.compression), *self.classical_names()]

    def classical_names(self) -> list[str]:
        """The classical baseline's variant, when the study assesses it (lca.study.baselines)."""
        return [CLASSICAL] if self.baselines.classical else []

    def architecture_names(self) -> list[str]:
        """Variants trained from scratch (their own training, not the baseline's)."""
        return [spec.name for spec in self.compression if isinstance(spec, ArchitectureVariant)]

    def compression_spec(self, name: str) -> CompressionSpec:
        for spec in self.compression:
            if spec.name == name:
                return spec
        raise KeyError(name)
