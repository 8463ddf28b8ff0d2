"""What a runtime sweep produces, as plain data: one row per variant and runtime, supported or not.

Filled by :mod:`lca.ml.runtimes` and stored by the ``runtimes`` stage as one
:class:`RuntimeSweep` per variant (its rows and the deployed runtime chosen from them),
which the benchmark stage, the inventory and the report read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from lca.records.base import _Record
from lca.records.energy import EnergyRecord


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuntimeLatency(_Row):
    batch_size: int
    threads: int
    repeats: int
    median_ms: float
    interval_low_ms: float | None  # 5th-95th percentile of the repeats (lca.ml.significance.run_interval)
    interval_high_ms: float | None
    # CPU time of this process per call (all of the runtime's threads), the same calls: what the runtime needs
    # of the machine, which a neighbour does not lengthen (wall time it does). None in records made before it.
    cpu_median_ms: float | None = None
    cpu_interval_low_ms: float | None = None
    cpu_interval_high_ms: float | None = None
    # The CPU time of each call [ms], in the order timed: call i of every runtime at this batch size and thread
    # count was made in the same round (lca.ml.runtimes.sweep.interleaved_latency), so the series pair up for the
    # paired test the deployed runtime is chosen by (lca.ml.runtimes.selection). Empty in records made before it.
    cpu_ms: list[float] = []
    # The wall-clock time of the same calls [ms], paired the same way: for latency targets, which are about time
    # (benchmarks/runtime_benchmarks.py). Empty in records made before it.
    wall_ms: list[float] = []

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.interval_low_ms is None or self.interval_high_ms is None:
            return None
        return self.interval_low_ms, self.interval_high_ms

    @property
    def cpu_interval(self) -> tuple[float, float] | None:
        if self.cpu_interval_low_ms is None or self.cpu_interval_high_ms is None:
            return None
        return self.cpu_interval_low_ms, self.cpu_interval_high_ms


class RuntimeCheck(_Row):
    """The runtime's predictions on the held-out items against eager's (lca.ml.runtimes.correctness)."""

    reference: str  # what the outputs were compared with: "eager"
    tolerance_kind: Literal["float", "int8"]
    n_items: int
    max_abs_difference: float
    changed_items: int  # items whose outputs differ beyond the float tolerance
    changed_predictions: int | None  # classification: items whose predicted class differs
    primary_metric: str
    reference_value: float
    runtime_value: float
    loss: float  # reference minus runtime on the primary metric, positive = worse
    loss_p2_5: float | None  # paired bootstrap over the items (lca.ml.significance.paired_difference_interval)
    loss_p97_5: float | None
    tolerance: str  # the rule applied, in words
    passed: bool
    verdict: str


class RuntimeResult(_Row):
    """One variant in one runtime: either measured and checked, or not supported with the reason."""

    variant: str
    runtime: str
    supported: bool
    reason: str
    note: str = ""
    preparation_s: float | None = None  # one-off compile / export / quantize wall time
    preparation_energy: EnergyRecord | None = None  # booked by the caller's tracker, when it passes one
    from_cache: bool = False
    artefact: str | None = None
    check: RuntimeCheck | None = None
    latency: list[RuntimeLatency] = []

    def latency_at(self, batch_size: int, threads: int) -> RuntimeLatency | None:
        return next((s for s in self.latency if s.batch_size == batch_size and s.threads == threads), None)

    @property
    def usable(self) -> bool:
        """Runs the variant and keeps its predictions within tolerance (eager is the reference: always)."""
        return self.supported and (self.check is None or self.check.passed)


class RuntimeComparison(_Row):
    """One candidate runtime against eager, as the 'fastest' choice tested it (lca.ml.runtimes.selection)."""

    runtime: str
    verdict: str  # lca.ml.significance: 'significantly lower' (below margin x eager), ..., 'not tested'
    statement: str  # the verdict with its test, pairs, p-value, alpha and margin
    ratio: float | None  # measured: geometric mean of candidate / eager over the pairs (ratio of medians without)
    p_value: float | None = None
    pairs: int = 0


class RuntimeChoice(_Row):
    """The runtime whose energy per item the inference stage uses (``deployment.runtime``), and why.

    For 'fastest', what the choice rests on: the basis (``CPU time`` per call, or ``latency`` in a record made
    before CPU time was kept), the test, the declared ``alpha`` and ``margin`` and each candidate's comparison.
    A record made before these were kept loads with them empty (its reason still says what it rested on).
    """

    variant: str
    requested: str
    runtime: str
    batch_size: int
    threads: int
    reason: str
    basis: str | None = None
    test: str | None = None
    alpha: float | None = None
    margin: float | None = None
    comparisons: list[RuntimeComparison] = []


class RuntimeSweep(_Record):
    """One variant in every runtime the study names, and the runtime it is deployed in.

    With ``benchmark.runtimes: [eager]`` there is no sweep: one eager row, unmeasured, and
    the choice is eager (no preparation, nothing to compare).
    """

    variant: str
    rows: list[RuntimeResult]
    choice: RuntimeChoice

    @property
    def chosen(self) -> RuntimeResult:
        return next(r for r in self.rows if r.runtime == self.choice.runtime)
