"""The machine-learning sections of a study: dataset, task, model, training and benchmark.

They say what is learnt from which data, how its quality is judged, and how its energy
and latency are measured. Which items the ML system hands to a person is in
lca.study.routing; the variants compared against this baseline are in lca.study.compression.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from lca import limits as L
from lca.study.code_refs import check_plain_data
from lca.study.energy_windows import (
    DEFAULT_SAMPLING_INTERVAL_S,
    MIN_INTERVALS_PER_WINDOW,
    MIN_WINDOW_SECONDS,
    window_problems,
)
from lca.study.metrics import DEFAULT_PRIMARY, METRICS
from lca.study.routing import DEFAULT_VALIDATION_FRACTION
from lca.study.strict_model import StrictModel
from lca.study.verdict_pairs import pair_problems

# Built-in datasets and the task each one poses. The two synthetic ones are
# generated reproducibly from a seed (no download is possible at run time) and
# are labelled SYNTHETIC in the data, the report and the README.
BUILTIN_DATASETS = {
    "sklearn_digits": "multiclass",
    "synthetic_fraud": "binary",
    "synthetic_grid_load": "regression",
    "synthetic_stock_demand": "regression",
    "synthetic_purchases": "ranking",
    "synthetic_customers": "clustering",
}
DATA_FILE_SUFFIXES = (".csv", ".parquet", ".pq")

# Where a variant runs (lca.ml.runtimes): PyTorch eager, torch.compile (Inductor), ONNX Runtime on
# the exported graph, and ONNX Runtime after its own dynamic int8 quantization of that graph.
RuntimeName = Literal["eager", "compiled", "onnxruntime", "onnxruntime_int8"]
RUNTIME_NAMES: tuple[str, ...] = RuntimeName.__args__
ALL_CORES = "all_cores"
# benchmark.runtime_margin's default: a runtime is deployed instead of eager only if it needs significantly
# less than 0.9 x eager's CPU time per call (lca.ml.runtimes.selection). Why 0.9: near-ties keep eager, which
# needs no export or compile and is the reference. Measured on the shared 2-vCPU VM (digits small CNNs, batch 64,
# 1 thread, 4 runs with 0 to 2 busy loops beside them; 2026-12-06, issue 18), the candidate/eager CPU-time ratio
# moves between runs: compiled float tiny CNNs, which do eager's work, 0.89-1.43 (never significantly below 0.9);
# ONNX Runtime 0.35-0.45 and compiled int8_dynamic 0.67-0.74, well below it in every run. A candidate whose ratio
# lies near 0.9 itself can still land on either side; the choice record gives the measured ratio.
RUNTIME_MARGIN = 0.9


class DatasetSpec(StrictModel):
    """A built-in dataset, or the user's own file (CSV or Parquet) with its target column named.

    A relative ``file`` is resolved against the study file's folder when the study is loaded.
    """

    builtin: (
        Literal[
            "sklearn_digits",
            "synthetic_fraud",
            "synthetic_grid_load",
            "synthetic_stock_demand",
            "synthetic_purchases",
            "synthetic_customers",
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
    validation_fraction: StrictFloat | None = Field(
        default=None,
        ge=0.0,
        le=0.5,
        description="share of the non-test rows held out of training to choose the routing threshold (never "
        f"trained on); default: {DEFAULT_VALIDATION_FRACTION} with routing rule 'confidence', else 0",
    )
    max_rows: StrictInt | None = Field(default=None, gt=20, le=L.MAX_ROWS, description="subsample for quick runs")
    seed: StrictInt = Field(default=0, ge=0, le=L.MAX_SEED)

    @model_validator(mode="after")
    def _builtin_or_file(self) -> DatasetSpec:
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


class TaskSpec(StrictModel):
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
    def _known_metric(self) -> TaskSpec:
        if self.primary_metric is not None and self.primary_metric not in METRICS[self.kind]:
            raise ValueError(
                f"primary_metric {self.primary_metric!r} is not a {self.kind} metric; "
                f"choose from {sorted(METRICS[self.kind])}"
            )
        return self

    @property
    def primary(self) -> str:
        return self.primary_metric or DEFAULT_PRIMARY[self.kind]


class SmallCnnSpec(StrictModel):
    """Two 3x3 convolutions and two linear layers, for 8x8 images."""

    architecture: Literal["small_cnn"]
    channels: StrictInt = Field(default=16, gt=0, le=L.MAX_CNN_CHANNELS)
    hidden: StrictInt = Field(default=64, gt=0, le=L.MAX_HIDDEN_UNITS)


class MlpSpec(StrictModel):
    """A multilayer perceptron on flat features (tabular rows, lagged load values)."""

    architecture: Literal["mlp"]
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [64, 32], min_length=1, max_length=L.MAX_MLP_LAYERS
    )
    dropout: StrictFloat = Field(default=0.0, ge=0.0, lt=1.0)


class CustomModelSpec(StrictModel):
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


class TwoTowerSpec(StrictModel):
    """Recommendation: a user tower (MLP over the purchase history) and an item tower (an embedding per product).

    The score of a product for a user is the dot product of the two embeddings plus a
    product bias; products the user already bought are never recommended again.
    """

    architecture: Literal["two_tower"]
    embedding_dim: StrictInt = Field(default=16, gt=0, le=L.MAX_HIDDEN_UNITS)
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [64], min_length=1, max_length=L.MAX_MLP_LAYERS
    )


class AutoencoderKMeansSpec(StrictModel):
    """Segmentation: an autoencoder compresses each customer, k-means (in torch) clusters the codes."""

    architecture: Literal["autoencoder_kmeans"]
    hidden: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_HIDDEN_UNITS)]] = Field(
        default_factory=lambda: [32], min_length=1, max_length=L.MAX_MLP_LAYERS
    )
    code_dim: StrictInt = Field(default=4, gt=0, le=L.MAX_CNN_CHANNELS)
    kmeans_restarts: StrictInt = Field(default=5, gt=0, le=L.MAX_KMEANS_RESTARTS)


ModelSpec = Annotated[
    SmallCnnSpec | MlpSpec | CustomModelSpec | TwoTowerSpec | AutoencoderKMeansSpec,
    Field(discriminator="architecture"),
]


class TrainingSpec(StrictModel):
    epochs: StrictInt = Field(gt=0, le=L.MAX_EPOCHS)
    batch_size: StrictInt = Field(default=64, gt=0, le=L.MAX_BATCH_SIZE)
    learning_rate: StrictFloat = Field(default=1e-3, gt=0.0, lt=1.0)
    seed: StrictInt = Field(default=0, ge=0, le=L.MAX_SEED)


class BenchmarkSpec(StrictModel):
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
    energy_batch_sizes: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_BATCH_SIZE)]] = Field(
        default_factory=list,
        max_length=L.MAX_ENERGY_BATCH_SIZES,
        description="optional energy sweep: energy per item also measured at each of these batch sizes (repeated "
        "windows as for batch_size, up to energy_time_cap each); the LCA books batch_size's, stated beside them",
    )
    warmup: StrictInt = Field(default=5, ge=0, le=L.MAX_WARMUP, description="untimed runs before each latency series")
    latency_repeats: StrictInt = Field(
        default=20,
        gt=0,
        le=L.MAX_LATENCY_REPEATS,
        description="timed runs per batch size; also the interleaved variant/baseline pairs of the speed verdict",
    )
    idle_window_seconds: StrictFloat = Field(
        default=5.0,
        gt=0.0,
        le=L.MAX_WINDOW_SECONDS,
        description="the machine's idle power is measured over this window in the same run",
    )
    threads: StrictInt | None = Field(
        default=None, gt=0, le=L.MAX_THREADS, description="torch intra-op threads; default: torch's choice"
    )
    runtimes: list[RuntimeName] = Field(
        default_factory=lambda: ["eager"],
        min_length=1,
        max_length=L.MAX_RUNTIMES,
        description="every variant is benchmarked in each of these (lca.ml.runtimes); 'eager' is required: "
        "each runtime's predictions are checked against it. A variant a runtime cannot run is reported as not "
        "supported, with the reason",
    )
    threads_sweep: list[Annotated[StrictInt, Field(gt=0, le=L.MAX_THREADS)] | Literal["all_cores"]] | None = Field(
        default=None,
        min_length=1,
        max_length=L.MAX_THREAD_SETTINGS,
        description="latency is timed at each of these thread counts ('all_cores': the cores this process may "
        "use) in every runtime and at every batch size of all_batch_sizes(); default: 'threads' only",
    )
    sampling_interval_seconds: StrictFloat = Field(
        default=DEFAULT_SAMPLING_INTERVAL_S,
        ge=0.05,
        le=60.0,
        description="the energy sampler's tick for every stage; windows must span "
        f"{MIN_INTERVALS_PER_WINDOW} of them and {MIN_WINDOW_SECONDS:g} s (lca.study.energy_windows)",
    )
    energy_precision: StrictFloat = Field(
        default=0.2,
        ge=L.MIN_ENERGY_PRECISION,
        le=L.MAX_ENERGY_PRECISION,
        description="energy windows are repeated until the 95 % interval of energy per item is within "
        "this fraction of its mean (0.2: +/-20 %) or the time cap is reached; else the figure is flagged "
        "unresolved and booked at its upper bound",
    )
    energy_time_cap_seconds: StrictFloat | None = Field(
        default=None,
        gt=0.0,
        le=L.MAX_ENERGY_TIME_CAP_SECONDS,
        description="longest time spent in energy windows per variant; default 3 x energy_window_seconds",
    )

    alpha: StrictFloat = Field(
        default=0.05,
        ge=L.MIN_ALPHA,
        le=L.MAX_ALPHA,
        description="declared error rate of every benchmark verdict (faster, slower, lower energy): each comes from a "
        "paired sign-flip test over the variant and the baseline measured in alternation, and is called only at "
        "p <= alpha (lca.ml.significance); latency_repeats and energy_pairs must be able to reach it",
    )
    runtime_margin: StrictFloat = Field(
        default=RUNTIME_MARGIN,
        ge=L.MIN_RUNTIME_MARGIN,
        le=L.MAX_RUNTIME_MARGIN,
        description="deployment.runtime 'fastest' deploys a runtime other than eager only if its CPU time per call "
        "is significantly below runtime_margin x eager's (paired sign-flip test over the interleaved calls at "
        "alpha); near-ties keep eager (lca.ml.runtimes.selection)",
    )
    energy_pairs: StrictInt = Field(
        default=0,
        ge=0,
        le=L.MAX_ENERGY_WINDOWS,
        description="energy windows of each variant measured in alternation with as many windows of the baseline, "
        "for the energy verdict (doubles the energy windows' time); 0: no energy verdict ('not tested'), else at "
        "least the pairs that can reach alpha (6 at 0.05)",
    )

    def energy_time_cap(self) -> float:
        """Seconds of energy windows allowed per variant (at least two windows always run)."""
        return self.energy_time_cap_seconds or 3.0 * self.energy_window_seconds

    @model_validator(mode="after")
    def _windows_span_the_sampling(self) -> BenchmarkSpec:
        problems = window_problems(
            self.energy_window_seconds, self.idle_window_seconds, self.sampling_interval_seconds, self.energy_windows
        )
        if self.energy_time_cap_seconds is not None and self.energy_time_cap_seconds < self.energy_window_seconds:
            problems.append(
                f"benchmark.energy_time_cap_seconds = {self.energy_time_cap_seconds:g} s is below "
                f"benchmark.energy_window_seconds = {self.energy_window_seconds:g} s: the cap would cut the declared "
                "window short"
            )
        # and enough interleaved pairs for the verdicts to reach the declared alpha (lca.study.verdict_pairs)
        problems += pair_problems(self.alpha, self.latency_repeats, self.energy_pairs)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _bounded_runtime_sweep(self) -> BenchmarkSpec:
        repeated = sorted({r for r in self.runtimes if self.runtimes.count(r) > 1})
        if repeated:
            raise ValueError(f"runtimes {self.runtimes}: each runtime once, repeated: {repeated}")
        if "eager" not in self.runtimes:
            raise ValueError(
                f"runtimes {self.runtimes} must include 'eager': every other runtime's predictions are checked "
                "against eager PyTorch's"
            )
        if len(set(self.energy_batch_sizes)) < len(self.energy_batch_sizes):
            raise ValueError(f"energy_batch_sizes {self.energy_batch_sizes}: each batch size once")
        sweep = self.threads_sweep or [self.threads]
        repeated = sorted({str(t) for t in sweep if sweep.count(t) > 1})
        if repeated:
            raise ValueError(f"threads_sweep {self.threads_sweep}: each setting once, repeated: {repeated}")
        series = len(self.runtimes) * len(sweep) * len(self.all_batch_sizes())
        if series > L.MAX_SWEEP_SERIES:
            raise ValueError(
                f"runtimes x threads_sweep x batch sizes = {len(self.runtimes)} x {len(sweep)} x "
                f"{len(self.all_batch_sizes())} = {series} latency series per variant, above the limit of "
                f"{L.MAX_SWEEP_SERIES} (lca.limits.MAX_SWEEP_SERIES): name fewer runtimes, thread counts or "
                "latency_batch_sizes"
            )
        return self

    def all_batch_sizes(self) -> list[int]:
        return sorted({*self.latency_batch_sizes, self.batch_size})

    def thread_settings(self, all_cores: int) -> list[int | None]:
        """The thread counts swept, ``all_cores`` standing for 'all_cores'; ``[threads]`` without a sweep."""
        sweep = self.threads_sweep or [self.threads]
        return list(dict.fromkeys(all_cores if t == ALL_CORES else t for t in sweep))
