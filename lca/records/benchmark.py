"""What the benchmark measured of one model variant: quality, latency, size, inference energy.

Written by :mod:`lca.ml.benchmarking`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lca.records.base import _Record
from lca.records.energy import EnergyRecord
from lca.records.routing import RoutingOutcome


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
    interleaved_ms: list[float] = Field(
        default_factory=list,
        description="a second series of this variant, each call paired with one of the baseline next to it "
        "(interleaved_reference_ms, same index), for the speed verdict (lca.ml.significance); empty for the baseline",
    )
    interleaved_reference_ms: list[float] = Field(
        default_factory=list, description="the baseline's call of each pair, in its deployed runtime"
    )

    @property
    def interval(self) -> tuple[float, float] | None:
        return (
            None
            if self.interval_low_ms is None or self.interval_high_ms is None
            else (self.interval_low_ms, self.interval_high_ms)
        )


class VerdictTest(_Record):
    """One benchmark verdict against the baseline and the paired test it rests on (lca.ml.significance)."""

    verdict: str = Field(description="e.g. 'faster', 'significantly lower', 'no significant difference', 'not tested'")
    statement: str = Field(
        description="the verdict with its test, p-value and alpha, e.g. 'faster (paired sign-flip test, 20 pairs, "
        "p = 1.9e-06, alpha = 0.05)'"
    )
    test: str = Field(default="paired sign-flip permutation test", description="how p was obtained")
    p_value: float | None = Field(default=None, description="two-sided; None when not tested")
    alpha: float = Field(description="the declared error rate (benchmark.alpha)")
    pairs: int = Field(ge=0, description="interleaved variant/baseline pairs")
    ratio: float | None = Field(default=None, description="geometric mean of variant / baseline over the pairs")


class TrivialBaseline(_Record):
    """The same held-out items answered by a rule with no model (majority class, mean, ...), and the test against it."""

    name: str = Field(description="e.g. 'majority class', 'mean predictor'")
    primary_value: float
    difference: float = Field(description="variant minus trivial on the primary metric, oriented so positive is better")
    ci_low: float
    ci_high: float
    significantly_better: bool
    test: str = Field(description="how the interval was obtained")
    quality: dict[str, float] = Field(
        default_factory=dict, description="every metric of the task for the floor, on the same items (e.g. NDCG@k)"
    )


class BatchEnergy(_Record):
    """Energy per item at one batch size of the optional sweep (``benchmark.energy_batch_sizes``)."""

    batch_size: int
    kwh_per_item: float = Field(ge=0, description="attributed energy per item; the upper end when unresolved")
    items_per_second: float
    windows: int = Field(ge=1, description="repeated energy windows measured at this batch size")
    resolved: bool = Field(description="reached the study's energy_precision (else an upper bound)")
    resolution: str = Field(description="how far the repeated windows resolved it")
    method: str
    booked: bool = Field(description="the batch size whose energy the LCA books (benchmark.batch_size)")


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
    energy_per_item_kwh: float = Field(
        description="the variant's attributed energy per item; the upper end of its 95 % interval when unresolved"
    )
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
        default=None,
        description="the stated interval: 5th-95th percentile of the per-window energy per item, its lower end "
        "divided and its upper end multiplied by energy_contention_divisor (records before cpu_contention.yaml "
        "version 2: the lower end only)",
    )
    energy_reference_windows_kwh_per_item: list[float] = Field(
        default_factory=list,
        description="the baseline's energy windows interleaved with this variant's (benchmark.energy_pairs), paired "
        "by index with energy_windows_kwh_per_item, for the energy verdict; empty for the baseline",
    )
    speed_verdicts: dict[str, str] = Field(
        default_factory=dict,
        description="per batch size: 'faster', 'slower', 'no significant difference' or 'not tested' against the "
        "baseline (set after all runs); the test behind each is in speed_tests",
    )
    speed_tests: dict[str, VerdictTest] = Field(
        default_factory=dict, description="per batch size: the paired test behind speed_verdicts, its p and alpha"
    )
    energy_verdict: str | None = Field(
        default=None,
        description="energy per item against the baseline: 'significantly lower', 'significantly higher', "
        "'no significant difference', 'not tested' or 'not resolved: ...' (an upper bound draws no verdict)",
    )
    energy_test: VerdictTest | None = Field(default=None, description="the paired test behind energy_verdict")
    device: str = Field(default="cpu", description="where inference ran")
    energy_resolved: bool = Field(
        default=True,
        description="energy per item reached the declared precision and its dynamic part is resolved; "
        "False: the figure is a bound, not a measurement, and no energy verdict is drawn from it",
    )
    energy_bound: Literal["upper"] | None = Field(
        default=None, description="'upper': an unresolved figure booked at its upper bound"
    )
    energy_precision: float | None = Field(
        default=None, description="half-width of the 95 % interval of energy per item, relative to its mean"
    )
    energy_resolution: str = Field(default="", description="how far repeated windows resolved energy per item")
    dynamic_energy_detail: str = Field(
        default="", description="how energy above idle was obtained, 'NOT RESOLVED: ...' when it is a bound"
    )
    energy_contaminated: bool = Field(
        default=False, description="a window stayed contaminated by foreign load after the allowed re-measures"
    )
    energy_contended: bool = Field(
        default=False,
        description="a window kept was measured beside foreign load above the limit of lca.energy.contention, after "
        "the allowed re-measures: the task's CPU time per item may be changed, the interval is widened both ways",
    )
    energy_foreign_cores: float | None = Field(
        default=None, description="the most foreign CPU cores busy on average in a window kept (None: not recorded)"
    )
    energy_contention_divisor: float = Field(
        default=1.0,
        ge=1.0,
        description="the contention factor: energy_interval_kwh_per_item was widened by it, both ways; 1: quiet",
    )
    trivial: TrivialBaseline | None = Field(default=None, description="the no-model floor on the same items")
    versus_classical: TrivialBaseline | None = Field(
        default=None,
        description="the classical baseline (lca.study.baselines) on the same items, and the paired test against it",
    )
    routing: RoutingOutcome | None = Field(
        default=None, description="routing rule, threshold, routed share and delivered error rate (lca.ml.routing)"
    )
    energy_by_batch: list[BatchEnergy] = Field(
        default_factory=list,
        description="the energy sweep over benchmark.energy_batch_sizes and batch_size (empty: no sweep)",
    )
    runtime: str = Field(
        default="eager", description="the runtime the variant was benchmarked in: its deployed one (lca.ml.runtimes)"
    )
    runtime_preparation: EnergyRecord | None = Field(
        default=None,
        description="the deployed runtime's one-off preparation (compile, export), from the runtimes stage's record; "
        "booked once per model build like a compression; None for eager",
    )
    runtime_record: str | None = Field(
        default=None, description="store key of the runtimes stage's record (lca.records.RuntimeSweep) of this variant"
    )
    runtime_effect: str = Field(
        default="", description="eager against the deployed runtime at the deployment's batch size, in words"
    )
    runtime_artefact_reused: bool | None = Field(
        default=None,
        description="the benchmark loaded the runtimes stage's stored artefact (ONNX file, Inductor cache) instead of "
        "exporting or compiling again (lca.ml.runtimes); None for eager, which has none",
    )
    runtime_load_s: float | None = Field(
        default=None,
        description="wall time the benchmark task took to make the deployed runtime ready (load, trace, warm up), "
        "apart from the one-off preparation booked in runtime_preparation; None for eager",
    )
