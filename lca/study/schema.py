"""The study file: what is assessed, how, and against which reference.

A study is declared in YAML and validated here before anything runs. Errors
name the file, the field and the offending value, so a typo never surfaces as
a wrong number three tasks later.
"""

from __future__ import annotations

import re
import reprlib
import stat
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from lca import limits as L
from lca.errors import ReferenceDataError, StudyError
from lca.study.bounded_yaml import load_yaml_file
from lca.study.code_refs import CodeRefError, check_plain_data, resolve_factory, resolve_inside
from lca.study.countries import to_iso3
from lca.study.energy_windows import DEFAULT_SAMPLING_INTERVAL_S, MIN_INTERVALS_PER_WINDOW, window_problems
from lca.study.impact_methods import GWP100, category_of
from lca.study.life_cycle import LcaSpec, device_ids, parameter_checks
from lca.study.metrics import DEFAULT_PRIMARY, METRICS
from lca.study.reference_data import Parameter, check_device_id, parameter


class _Strict(BaseModel):
    # Numbers are bounded field by field (lca.limits); inf and nan are refused everywhere.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# A figure is either the id of a cited parameter in include/data/parameters.yaml
# or an inline parameter carrying its own source and uncertainty.
ParameterRef = Union[str, Parameter]


def resolve(ref: ParameterRef) -> Parameter:
    return ref if isinstance(ref, Parameter) else parameter(ref)


class FunctionalUnit(_Strict):
    """What the system delivers, e.g. one million digits read over one year."""

    description: str
    item: str = Field(description="what one item is, e.g. 'handwritten digit'")
    items: StrictInt = Field(gt=0, le=L.MAX_ITEMS, description="number of items processed over the period")
    period: str = Field(default="1 year")


# Built-in datasets and the task each one poses. The two synthetic ones are
# generated reproducibly from a seed (no download is possible at run time) and
# are labelled SYNTHETIC in the data, the report and the README.
BUILTIN_DATASETS = {
    "sklearn_digits": "multiclass",
    "synthetic_fraud": "binary",
    "synthetic_grid_load": "regression",
    "synthetic_purchases": "ranking",
    "synthetic_customers": "clustering",
}
DATA_FILE_SUFFIXES = (".csv", ".parquet", ".pq")


class DatasetSpec(_Strict):
    """A built-in dataset, or the user's own file (CSV or Parquet) with its target column named.

    A relative ``file`` is resolved against the study file's folder when the study is loaded.
    """

    builtin: (
        Literal[
            "sklearn_digits", "synthetic_fraud", "synthetic_grid_load", "synthetic_purchases", "synthetic_customers"
        ]
        | None
    ) = None
    file: str | None = Field(default=None, description="CSV or Parquet file, relative to the study file")
    target: str | None = Field(default=None, description="target column of the file")
    features: list[str] | None = Field(
        default=None, max_length=L.MAX_COLUMNS, description="feature columns; default: every other column"
    )
    split: Literal["random", "chronological"] | None = Field(
        default=None, description="random (stratified for classification), or the last rows as test set"
    )
    rows: StrictInt | None = Field(
        default=None, gt=20, le=L.MAX_GENERATED_ROWS, description="size of a generated (synthetic) dataset"
    )
    test_fraction: StrictFloat = Field(default=0.25, gt=0.0, lt=1.0)
    max_rows: StrictInt | None = Field(default=None, gt=20, le=L.MAX_ROWS, description="subsample for quick runs")
    seed: StrictInt = Field(default=0, ge=0, le=L.MAX_SEED)

    @model_validator(mode="after")
    def _builtin_or_file(self) -> "DatasetSpec":
        if (self.builtin is None) == (self.file is None):
            raise ValueError("give exactly one of 'builtin' (a bundled dataset) or 'file' (your own CSV/Parquet)")
        if self.file is not None:
            if not self.target:
                raise ValueError("a dataset 'file' needs 'target': the name of its target column")
            if not self.file.lower().endswith(DATA_FILE_SUFFIXES):
                raise ValueError(f"file {self.file!r} must end in one of {', '.join(DATA_FILE_SUFFIXES)}")
            if self.rows is not None:
                raise ValueError("'rows' sizes a generated dataset; a file has the rows it has (use max_rows)")
        elif self.target is not None or self.features is not None:
            raise ValueError("'target' and 'features' name columns of a dataset 'file', not of a built-in one")
        return self

    @property
    def synthetic(self) -> bool:
        return bool(self.builtin and self.builtin.startswith("synthetic_"))


class TaskSpec(_Strict):
    """What the model does, and how its quality is judged against the baseline.

    ``max_quality_loss`` is in the units of the primary metric (0.01 = one point of
    accuracy, of PR-AUC or of MAPE); variants that lose more are flagged in the
    report, not dropped.
    """

    kind: Literal["multiclass", "binary", "regression", "ranking", "clustering"]
    primary_metric: str | None = Field(
        default=None, description="default: accuracy, pr_auc, mape, ndcg_at_k or adjusted_rand by kind"
    )
    k: StrictInt = Field(
        default=10, gt=0, le=L.MAX_TOP_K, description="ranking: length of the recommended list (recall@k, NDCG@k)"
    )
    target_precision: StrictFloat = Field(
        default=0.9, gt=0.0, lt=1.0, description="binary: precision of the operating point (recall at precision)"
    )
    max_quality_loss: StrictFloat | None = Field(default=None, ge=0.0, le=L.MAX_QUALITY_LOSS)
    require_better_than_trivial: StrictBool = Field(
        default=False,
        description="fail the benchmark gate (not only warn) when a variant is not significantly better than the "
        "task's trivial baseline (majority class, mean predictor, ...) on the same held-out items",
    )

    @model_validator(mode="after")
    def _known_metric(self) -> "TaskSpec":
        if self.primary_metric is not None and self.primary_metric not in METRICS[self.kind]:
            raise ValueError(
                f"primary_metric {self.primary_metric!r} is not a {self.kind} metric; "
                f"choose from {sorted(METRICS[self.kind])}"
            )
        return self

    @property
    def primary(self) -> str:
        return self.primary_metric or DEFAULT_PRIMARY[self.kind]


class SmallCnnSpec(_Strict):
    """Two 3x3 convolutions and two linear layers, for 8x8 images."""

    architecture: Literal["small_cnn"]
    channels: StrictInt = Field(default=16, gt=0, le=L.MAX_CNN_CHANNELS)
    hidden: StrictInt = Field(default=64, gt=0, le=L.MAX_HIDDEN_UNITS)


class MlpSpec(_Strict):
    """A multilayer perceptron on flat features (tabular rows, lagged load values)."""

    architecture: Literal["mlp"]
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [64, 32], min_length=1, max_length=L.MAX_MLP_LAYERS
    )
    dropout: StrictFloat = Field(default=0.0, ge=0.0, lt=1.0)


class CustomModelSpec(_Strict):
    """Your own model: ``factory`` is ``module:function`` returning an ``nn.Module``.

    The function is called with the study's ``kwargs``, plus ``input_shape`` (the
    shape of one item) and ``n_outputs`` when it accepts them. ``path`` is the study's
    model folder (relative to the study file, inside its folder): the module must be a
    ``.py`` file there, found by path when the study is validated and never looked up
    elsewhere (see lca.study.code_refs and docs/byo.md for the trust model). ``kwargs``
    are plain data: text, numbers, booleans, null, and lists or mappings of them.
    """

    architecture: Literal["custom"]
    factory: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", max_length=200)
    path: str = Field(description="the study's model folder holding the factory's module, relative to the study file")
    kwargs: dict[str, Any] = Field(default_factory=dict, max_length=L.MAX_FACTORY_KWARGS)

    @field_validator("kwargs")
    @classmethod
    def _plain_data(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        check_plain_data(kwargs)
        return kwargs


class TwoTowerSpec(_Strict):
    """Recommendation: a user tower (MLP over the purchase history) and an item tower (an embedding per product).

    The score of a product for a user is the dot product of the two embeddings plus a
    product bias; products the user already bought are never recommended again.
    """

    architecture: Literal["two_tower"]
    embedding_dim: StrictInt = Field(default=16, gt=0, le=L.MAX_HIDDEN_UNITS)
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [64], min_length=1, max_length=L.MAX_MLP_LAYERS
    )


class AutoencoderKMeansSpec(_Strict):
    """Segmentation: an autoencoder compresses each customer, k-means (in torch) clusters the codes."""

    architecture: Literal["autoencoder_kmeans"]
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [32], min_length=1, max_length=L.MAX_MLP_LAYERS
    )
    code_dim: StrictInt = Field(default=4, gt=0, le=L.MAX_CNN_CHANNELS)
    kmeans_restarts: StrictInt = Field(default=5, gt=0, le=L.MAX_KMEANS_RESTARTS)


ModelSpec = Annotated[
    Union[SmallCnnSpec, MlpSpec, CustomModelSpec, TwoTowerSpec, AutoencoderKMeansSpec],
    Field(discriminator="architecture"),
]


class TrainingSpec(_Strict):
    epochs: StrictInt = Field(gt=0, le=L.MAX_EPOCHS)
    batch_size: StrictInt = Field(default=64, gt=0, le=L.MAX_BATCH_SIZE)
    learning_rate: StrictFloat = Field(default=1e-3, gt=0.0, lt=1.0)
    seed: StrictInt = Field(default=0, ge=0, le=L.MAX_SEED)


class _Method(_Strict):
    # Required for a study's compression entries (it names the variant); the steps
    # of a ``combined`` entry leave it out.
    name: str = Field(default="", pattern=r"^([a-z][a-z0-9_]{0,62})?$")


class DynamicQuantization(_Method):
    """Post-training dynamic int8 quantization of the linear layers."""

    method: Literal["dynamic_quantization"]


class StaticQuantization(_Method):
    """Post-training static int8 quantization (eager mode): fused, calibrated on training items."""

    method: Literal["static_quantization"]
    calibration_items: StrictInt = Field(default=512, gt=0, le=L.MAX_CALIBRATION_ITEMS)
    backend: Literal["x86", "fbgemm", "qnnpack", "onednn"] = "x86"


class MagnitudePruning(_Method):
    """Unstructured L1 magnitude pruning of conv and linear weights, then fine-tuning."""

    method: Literal["magnitude_pruning"]
    sparsity: StrictFloat = Field(gt=0.0, lt=1.0)
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)


class StructuredPruning(_Method):
    """Removes the weakest channels/neurons (L1 norm) of every hidden layer, then fine-tunes."""

    method: Literal["structured_pruning"]
    amount: StrictFloat = Field(gt=0.0, lt=1.0, description="share of units removed from each hidden layer")
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)


class LowRankFactorization(_Method):
    """Truncated SVD of linear and convolution weights, then fine-tuning."""

    method: Literal["low_rank"]
    rank: StrictInt | None = Field(default=None, gt=0, le=L.MAX_RANK)
    energy: StrictFloat | None = Field(
        default=None, gt=0.0, le=1.0, description="share of squared singular values kept"
    )
    layers: Literal["all", "linear", "conv"] = "all"
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)

    @model_validator(mode="after")
    def _rank_or_energy(self) -> "LowRankFactorization":
        if (self.rank is None) == (self.energy is None):
            raise ValueError("give exactly one of 'rank' or 'energy'")
        return self


class Distillation(_Method):
    """Knowledge distillation: a smaller student learns the baseline's outputs and the labels."""

    method: Literal["distillation"]
    student: ModelSpec
    temperature: StrictFloat = Field(default=4.0, gt=0.0, le=L.MAX_TEMPERATURE)
    alpha: StrictFloat = Field(default=0.7, ge=0.0, le=1.0, description="weight of the teacher's soft targets")
    epochs: StrictInt = Field(default=10, gt=0, le=L.MAX_EPOCHS)
    learning_rate: StrictFloat | None = Field(default=None, gt=0.0, lt=1.0)


class ArchitectureVariant(_Method):
    """An efficient architecture trained from scratch with the study's training settings, not compressed.

    ``depthwise_separable``: the ``small_cnn`` with each 3x3 convolution replaced by a
    depthwise 3x3 and a pointwise 1x1 convolution. ``tiny``: the study's model with its
    widths (channels, hidden units, embeddings) scaled by ``width`` and, for the models
    with a ``hidden`` list (mlp, two_tower, autoencoder_kmeans), only the first ``depth``
    hidden layers. Its training is its own: the inventory charges it instead of
    the baseline's.
    """

    method: Literal["architecture"]
    design: Literal["depthwise_separable", "tiny"]
    width: StrictFloat = Field(default=1.0, gt=0.0, le=1.0, description="width multiplier (1: the baseline's widths)")
    depth: StrictInt | None = Field(
        default=None, gt=0, le=L.MAX_MLP_LAYERS, description="models with a 'hidden' list: hidden layers kept"
    )


StepSpec = Annotated[
    Union[
        DynamicQuantization, StaticQuantization, MagnitudePruning, StructuredPruning, LowRankFactorization, Distillation
    ],
    Field(discriminator="method"),
]
_QUANTIZATION = ("dynamic_quantization", "static_quantization")


class Combination(_Method):
    """Several methods in order, e.g. distil then quantize; its energy covers every step."""

    method: Literal["combined"]
    steps: list[StepSpec] = Field(min_length=2, max_length=L.MAX_COMBINED_STEPS)

    @model_validator(mode="after")
    def _sensible_order(self) -> "Combination":
        methods = [step.method for step in self.steps]
        quantized = [i for i, m in enumerate(methods) if m in _QUANTIZATION]
        if len(quantized) > 1 or (quantized and quantized[0] != len(methods) - 1):
            raise ValueError(f"quantization can only be the last step, and only once (steps: {methods})")
        if "distillation" in methods[1:]:
            raise ValueError(
                f"distillation learns from the baseline, so it can only be the first step (steps: {methods})"
            )
        return self


CompressionSpec = Annotated[
    Union[
        DynamicQuantization,
        StaticQuantization,
        MagnitudePruning,
        StructuredPruning,
        LowRankFactorization,
        Distillation,
        Combination,
        ArchitectureVariant,
    ],
    Field(discriminator="method"),
]


class BenchmarkSpec(_Strict):
    energy_window_seconds: StrictFloat = Field(
        default=10.0,
        gt=0.0,
        le=L.MAX_WINDOW_SECONDS,
        description="inference runs repeatedly for at least this long under the energy tracker",
    )
    energy_windows: StrictInt = Field(
        default=1,
        ge=1,
        le=L.MAX_ENERGY_WINDOWS,
        description="the energy window split into this many tracked windows; their spread gives energy an interval",
    )
    batch_size: StrictInt = Field(
        default=64, gt=0, le=L.MAX_BATCH_SIZE, description="batch used in the energy window (throughput)"
    )
    latency_batch_sizes: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_BATCH_SIZE)]] = Field(
        default_factory=lambda: [1, 256],
        min_length=1,
        max_length=L.MAX_LATENCY_BATCH_SIZES,
        description="latency is also timed at these batch sizes",
    )
    warmup: StrictInt = Field(default=5, ge=0, le=L.MAX_WARMUP, description="untimed runs before each latency series")
    latency_repeats: StrictInt = Field(default=20, gt=0, le=L.MAX_LATENCY_REPEATS)
    idle_window_seconds: StrictFloat = Field(
        default=5.0,
        gt=0.0,
        le=L.MAX_WINDOW_SECONDS,
        description="the machine's idle power is measured over this window in the same run",
    )
    threads: StrictInt | None = Field(
        default=None, gt=0, le=L.MAX_THREADS, description="torch intra-op threads; default: torch's choice"
    )
    sampling_interval_seconds: StrictFloat = Field(
        default=DEFAULT_SAMPLING_INTERVAL_S,
        ge=0.05,
        le=60.0,
        description="CodeCarbon's measure_power_secs for every stage; windows must span "
        f"{MIN_INTERVALS_PER_WINDOW} of them (lca.study.energy_windows)",
    )

    @model_validator(mode="after")
    def _windows_span_the_sampling(self) -> "BenchmarkSpec":
        problems = window_problems(
            self.energy_window_seconds, self.idle_window_seconds, self.sampling_interval_seconds, self.energy_windows
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def all_batch_sizes(self) -> list[int]:
        return sorted({*self.latency_batch_sizes, self.batch_size})


class RoutingSpec(_Strict):
    """Which items the ML system hands to a person, who then does them the reference way.

    ``expected_errors``: the share of items the model gets wrong on held-out data
    (someone downstream has to catch and redo them); for a regression, the items
    whose relative error exceeds ``error_tolerance``. ``low_confidence``: items whose
    top predicted probability is below ``confidence_threshold`` go to a person.
    ``flagged`` (binary tasks): every item the model flags as positive at its
    operating point is reviewed by a person, as flagged transactions are.
    """

    rule: Literal["expected_errors", "low_confidence", "flagged"] = "expected_errors"
    confidence_threshold: StrictFloat | None = Field(default=None, gt=0.0, lt=1.0)
    error_tolerance: StrictFloat | None = Field(
        default=None,
        gt=0.0,
        le=L.MAX_ERROR_TOLERANCE,
        description="regression: relative error (0.1 = 10 %) above which a person redoes the item",
    )

    @model_validator(mode="after")
    def _threshold_matches_rule(self) -> "RoutingSpec":
        if (self.rule == "low_confidence") != (self.confidence_threshold is not None):
            raise ValueError("confidence_threshold is required with rule 'low_confidence' and only then")
        return self


class DeploymentSpec(_Strict):
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
        description="with allocation 'shared': the service's share of the server (a parameter id or inline parameter)",
    )
    device: Literal["cpu", "cuda", "auto"] = Field(
        default="cpu",
        description="where training, fine-tuning/distillation and benchmarks run (lca.ml.device); auto: the GPU if "
        "torch sees one. int8 variants stay on the CPU",
    )

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        return to_iso3(value)


class ReferenceSpec(_Strict):
    """The same functional unit done by people, without ML."""

    description: str
    time_per_item: ParameterRef
    device_power: ParameterRef


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


class Study(_Strict):
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
    routing: RoutingSpec = RoutingSpec()
    deployment: DeploymentSpec
    reference: ReferenceSpec
    impact_methods: list[tuple[str, ...]] = Field(
        default_factory=lambda: [GWP100], min_length=1, max_length=L.MAX_IMPACT_METHODS
    )
    lca: LcaSpec = Field(
        default_factory=LcaSpec, description="boundary, repetitions, hardware, uncertainty (lca.study.life_cycle)"
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
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "Study":
        kind = self.task.kind
        if self.dataset.builtin and BUILTIN_DATASETS[self.dataset.builtin] != kind:
            raise ValueError(
                f"task.kind {kind!r} does not fit dataset {self.dataset.builtin!r}, "
                f"which is a {BUILTIN_DATASETS[self.dataset.builtin]} task"
            )
        models = [self.model, *(s.student for s in _all_steps(self.compression) if isinstance(s, Distillation))]
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
        if kind == "clustering" and any(isinstance(s, Distillation) for s in _all_steps(self.compression)):
            raise ValueError("distillation learns a teacher's outputs; a clustering has no target to distil (drop it)")
        rule = self.routing.rule
        if rule == "low_confidence" and kind in ("ranking", "clustering"):
            raise ValueError(f"routing rule 'low_confidence' is for classification; a {kind} uses 'expected_errors'")
        if rule == "low_confidence" and kind == "regression":
            raise ValueError("routing rule 'low_confidence' needs class probabilities; a regression has none")
        if rule == "flagged" and kind != "binary":
            raise ValueError("routing rule 'flagged' applies to binary tasks (items flagged positive)")
        if (kind == "regression" and rule == "expected_errors") != (self.routing.error_tolerance is not None):
            raise ValueError("routing.error_tolerance is required for a regression, and only there")
        for spec in self.compression:
            if isinstance(spec, ArchitectureVariant):
                _check_architecture(spec, self.model)
        if self.deployment.device == "cuda" and not self.lca.hardware.gpu:
            raise ValueError(
                "deployment.device 'cuda' needs lca.hardware.gpu (a GPU id of include/data/hardware.yaml, e.g. "
                "gpu_80gb), so the GPU's embodied share is charged"
            )
        return self

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
        reserved = sorted({"baseline", "reference"} & set(names))
        if reserved:
            raise ValueError(
                f"compression names {reserved} are reserved (the uncompressed model, the non-ML reference)"
            )
        return specs

    def variant_names(self) -> list[str]:
        return ["baseline", *(spec.name for spec in self.compression)]

    def architecture_names(self) -> list[str]:
        """Variants trained from scratch (their own training, not the baseline's)."""
        return [spec.name for spec in self.compression if isinstance(spec, ArchitectureVariant)]

    def compression_spec(self, name: str) -> CompressionSpec:
        for spec in self.compression:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _check_architecture(spec: ArchitectureVariant, model: Any) -> None:
    where = f"architecture variant {spec.name!r}"
    if spec.design == "depthwise_separable" and model.architecture != "small_cnn":
        raise ValueError(
            f"{where}: 'depthwise_separable' replaces the convolutions of a small_cnn; the model is {model.architecture!r}"
        )
    if spec.design == "tiny" and model.architecture == "custom":
        raise ValueError(f"{where}: 'tiny' scales a small_cnn or an mlp; a custom model's widths are unknown")
    if spec.design == "tiny" and spec.width == 1.0 and spec.depth is None:
        raise ValueError(f"{where}: 'tiny' needs width < 1 or depth: as given it is the baseline itself")
    if spec.depth is not None and model.architecture not in ("mlp", "two_tower", "autoencoder_kmeans"):
        raise ValueError(
            f"{where}: 'depth' applies to a model with a 'hidden' list (mlp, two_tower, autoencoder_kmeans)"
        )
    if spec.depth is not None and spec.depth > len(model.hidden):
        raise ValueError(f"{where}: depth {spec.depth} exceeds the mlp's {len(model.hidden)} hidden layer(s)")


def _all_steps(specs: list) -> list:
    return [step for spec in specs for step in (spec.steps if isinstance(spec, Combination) else [spec])]


# A value is quoted in an error message, never dumped: a 1 MiB string or a list of lists
# stays one line.
_SHOWN_CHARS = 120


def shown(value: Any) -> str:
    """A short repr of a value for an error message."""
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"[... {len(value):,} items]"
    text = repr(value) if not isinstance(value, (list, tuple)) else reprlib.repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 5] + "...'" + f" ({len(text):,} chars)"


# pydantic names the member of a union it tried in the error's location ("str",
# "function-after[..., Parameter]"): not a field the user wrote.
_UNION_MEMBER = re.compile(r"^(function-(after|before|wrap|plain)\[.*\]|str|int|float|bool|Parameter)$")


def _user_loc(loc: tuple, data: Any) -> str:
    """The field as the user wrote it: pydantic's location without union members' labels.

    pydantic puts the member of a union it tried into the location: the discriminator's
    value ("model.custom.factory", "compression.0.distillation.epochs") or a type label
    ("reference.time_per_item.str"). Walking the location along the input data drops
    what is not a key or an index the user wrote.
    """
    parts: list[str] = []
    node = data
    for segment in loc:
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
        elif isinstance(node, dict) and segment in (node.get("architecture"), node.get("method")):
            continue  # the discriminator's value (ModelSpec, CompressionSpec): not a key the user wrote
        elif _UNION_MEMBER.match(str(segment)):
            continue  # a type label
        else:
            node = None
        parts.append(str(segment))
    return ".".join(parts)


def _readable_errors(exc: ValidationError, data: Any) -> list[tuple[str, Any, str]]:
    """(field, value, message) per problem, without union members' labels or their irrelevant branches.

    A figure is a parameter id (text) or an inline parameter (a mapping): for a mapping,
    "should be a valid string" from the other branch only adds noise.
    """
    out = []
    errors = exc.errors()
    for err in errors:
        union_branch = any(_UNION_MEMBER.match(str(p)) for p in err["loc"])
        if union_branch and err["type"] == "string_type" and isinstance(err.get("input"), dict):
            continue
        out.append((_user_loc(err["loc"], data), err.get("input"), err["msg"]))
    return out or [(".".join(str(p) for p in e["loc"]), e.get("input"), e["msg"]) for e in errors]


def _describe(path: Path, exc: ValidationError, data: Any = None) -> str:
    problems = _readable_errors(exc, data)
    lines = [f"{path}: invalid study ({len(problems)} problem(s))"]
    for loc, value, message in problems:
        lines.append(f"  field '{loc}': value {shown(value)}: {message}")
    return "\n".join(lines)


def parse_study(data: object, path: Path) -> Study:
    if data is None:
        raise StudyError(
            f"{path}: the study file is empty; a study is a YAML mapping (see include/studies/digits.yaml)"
        )
    if not isinstance(data, dict):
        raise StudyError(f"{path}: a study is a YAML mapping, got {type(data).__name__}")
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise StudyError(_describe(path, exc, data)) from None
    _check_references(study, path)
    return _resolve_paths(study, path)


def _resolve_paths(study: Study, path: Path) -> Study:
    """Make the study's file paths absolute (relative to the study file) and check them now.

    A missing data file or model folder is reported now, when the DAG is parsed,
    not an hour later in the task that first needs it; a path leaving the study's
    folder, or a factory naming code outside its model folder, is refused here,
    before anything is imported (lca.study.code_refs).
    """
    base = path.resolve().parent
    updates: dict[str, Any] = {}
    if study.dataset.file is not None:
        updates["dataset"] = study.dataset.model_copy(update={"file": str(_data_file(study.dataset.file, base, path))})
    if isinstance(study.model, CustomModelSpec):
        updates["model"] = _resolve_model(study.model, base, path, "model")
    compression = []
    for i, spec in enumerate(study.compression):
        if isinstance(spec, Distillation):
            spec = _resolve_student(spec, base, path, f"compression.{i}.student")
        elif isinstance(spec, Combination):
            steps = [
                _resolve_student(step, base, path, f"compression.{i}.steps.{j}.student")
                if isinstance(step, Distillation)
                else step
                for j, step in enumerate(spec.steps)
            ]
            spec = spec.model_copy(update={"steps": steps})
        compression.append(spec)
    updates["compression"] = compression
    if study.lca.grid_profile is not None:
        updates["lca"] = _resolve_grid_profile(study, base, path)
    return study.model_copy(update=updates)


def _data_file(file: str, base: Path, path: Path) -> Path:
    field = f"{path}: field 'dataset.file': value {shown(file)}"
    try:
        data_file = resolve_inside(base, file, what="a data file", follow_symlinks=False)
    except CodeRefError as exc:
        raise StudyError(f"{field}: {exc}") from None
    try:
        info = data_file.stat()
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
        raise StudyError(f"{field}: {reason} ({data_file})") from None
    if not stat.S_ISREG(info.st_mode):
        raise StudyError(f"{field}: {data_file} is not a regular file; give a CSV or Parquet file")
    if info.st_size > L.MAX_DATA_FILE_BYTES:
        raise StudyError(
            f"{field}: {info.st_size:,} bytes, more than the limit of {L.MAX_DATA_FILE_BYTES:,}; subsample it"
        )
    return data_file


def _resolve_grid_profile(study: Study, base: Path, path: Path):
    from lca.study.grid_profile import read_profile

    spec = study.lca.grid_profile
    field = f"{path}: field 'lca.grid_profile.profile': value {shown(spec.profile)}"
    try:
        file = resolve_inside(base, spec.profile, what="a grid profile", follow_symlinks=False)
    except CodeRefError as exc:
        raise StudyError(f"{field}: {exc}") from None
    read_profile(str(file))  # the file (regular, bounded) and its rows are checked now, not in the task
    return study.lca.model_copy(update={"grid_profile": spec.model_copy(update={"profile": str(file)})})


def _resolve_student(spec: "Distillation", base: Path, path: Path, field: str) -> "Distillation":
    if isinstance(spec.student, CustomModelSpec):
        return spec.model_copy(update={"student": _resolve_model(spec.student, base, path, field)})
    return spec


def _resolve_model(spec: CustomModelSpec, base: Path, path: Path, field: str) -> CustomModelSpec:
    """The model folder inside the study's folder, and the factory's module file inside that."""
    try:
        folder = resolve_inside(base, spec.path, what="the model folder", follow_symlinks=True)
    except CodeRefError as exc:
        raise StudyError(f"{path}: field '{field}.path': value {shown(spec.path)}: {exc}") from None
    if not folder.is_dir():
        raise StudyError(f"{path}: field '{field}.path': value {shown(spec.path)}: no such folder ({folder})")
    try:
        resolve_factory(spec.factory, folder)
    except CodeRefError as exc:
        raise StudyError(f"{path}: field '{field}.factory': value {shown(spec.factory)}: {exc}") from None
    return spec.model_copy(update={"path": str(folder)})


def _check_references(study: Study, path: Path) -> None:
    """Parameter ids must exist and have the right dimension before the run starts."""
    checks = {
        "deployment.pue": (study.deployment.pue, "dimensionless"),
        "deployment.server_share": (study.deployment.server_share, "dimensionless"),
        "reference.time_per_item": (study.reference.time_per_item, "s"),
        "reference.device_power": (study.reference.device_power, "W"),
    }

    checks.update(parameter_checks(study.lca))
    for field, (ref, unit) in checks.items():
        try:
            figure = resolve(ref)
            value = figure.magnitude(unit)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field '{field}': value {shown(ref)}: {exc}") from None
        _check_range(path, field, ref, figure, value, unit)
    _check_lca_data(study, path)


# Every figure a study declares is a time, a power, an intensity, a share or a PUE: none can be
# negative (a negative time would reach the inventory as a negative amount). These have more.
_FIGURE_RANGES = {
    "deployment.pue": (L.MIN_PUE, L.MAX_PUE),
    "lca.office.share_not_workstations": (0.0, 1.0),
}


def _check_range(path: Path, field: str, ref: ParameterRef, figure: Parameter, value: float, unit: str) -> None:
    """A figure's sign and range, and those of its uncertainty bounds, where the study declares it."""
    lo, hi = _FIGURE_RANGES.get(field, (0.0, L.MAX_ABS_FIGURE))
    spread = figure.uncertainty
    bounds = [b for b in (spread.minimum, spread.maximum) if b is not None]
    scale = value / figure.value if figure.value else 1.0
    if value < 0:
        problem = f"{figure.value:g} {figure.unit} is negative (a time, power, intensity or share never is)"
    elif not lo <= value <= hi:
        problem = f"{value:g} {unit} is outside [{lo:g}, {hi:g}] {unit}"
    elif any(not lo <= b * scale <= hi for b in bounds):
        problem = f"its uncertainty bounds {bounds} {figure.unit} reach outside [{lo:g}, {hi:g}] {unit}"
    else:
        return
    shown_ref = shown(ref) if isinstance(ref, str) else f"{figure.value:g} {figure.unit}"
    raise StudyError(f"{path}: field '{field}': value {shown_ref}: {problem}; give a figure in [{lo:g}, {hi:g}] {unit}")


def _check_lca_data(study: Study, path: Path) -> None:
    """Impact methods the background data can serve, and hardware ids that exist (lca.study.life_cycle)."""

    for i, method in enumerate(study.impact_methods):
        try:
            category_of(method)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field 'impact_methods.{i}': value {list(method)!r}: {exc}") from None
    for field, device in device_ids(study.lca).items():
        try:
            check_device_id(device)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field '{field}': value {device!r}: {exc}") from None


def load_study(path: str | Path) -> Study:
    """The validated study of a file, read within the bounds of lca.study.bounded_yaml."""
    path = Path(path)
    return parse_study(load_yaml_file(path), path)
