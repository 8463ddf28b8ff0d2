"""Energy of a stage as measured, and the window it was measured in (written by :mod:`lca.ml.energy`).

Methods written today attribute energy to the task's own processes (:mod:`lca.energy`):
``rapl_marginal`` (RAPL counters x the task's CPU seconds at the fitted marginal cost),
``rapl_share`` (RAPL counters shared by CPU time, Scaphandre's rule, when the fit is not
identified), ``rapl_difference`` (the machine's counter above a reference idle window,
shared by CPU time), ``cpu_power_model`` / ``cpu_power_model_family`` (no counters: a cited
W/thread of the CPU, matched by model or by family, x the task's CPU seconds, plus its
resident memory x a cited W/GB) and ``nvml`` (a GPU's total-energy counter, plus the host
part attributed as above). ``rapl`` and ``codecarbon_estimate`` are CodeCarbon's
machine-wide figures, kept so that records of earlier runs still read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from lca.records.base import _Record
from lca.uncertainty import Uncertainty

EnergyMethod = Literal[
    "rapl_marginal",
    "rapl_share",
    "rapl_difference",
    "cpu_power_model",
    "cpu_power_model_family",
    "nvml",
    "rapl",
    "codecarbon_estimate",
]
ATTRIBUTED_METHODS = frozenset(
    {"rapl_marginal", "rapl_share", "rapl_difference", "cpu_power_model", "cpu_power_model_family", "nvml"}
)


class HostFacts(_Record):
    """The machine measured, as it describes itself (:mod:`lca.energy.host`)."""

    cpu_model: str
    logical_cpus: int = Field(ge=1, description="vCPUs of a VM, hardware threads of bare metal")
    virtual: bool | None = Field(description="a hypervisor was detected (None: no sign either way)")
    evidence: str = Field(description="the signs read: cpuinfo hypervisor flag, systemd-detect-virt, DMI product")
    cpu_power_source: str = Field(description="where the CPU's power comes from: RAPL counters, or the cited TDP")


class Attribution(_Record):
    """How the task's share was computed from the window's samples (:mod:`lca.energy.task_energy`)."""

    samples: int = Field(ge=0, description="readings taken during the window (sampler thread)")
    task_cpu_s: float = Field(ge=0, description="CPU seconds of the task's process tree in the window")
    machine_busy_cpu_s: float | None = Field(default=None, description="busy CPU seconds of the whole machine")
    foreign_cpu_s: float | None = Field(default=None, description="machine busy minus the task's: the neighbours'")
    task_rss_gb_mean: float = Field(ge=0, description="resident memory of the task's process tree, time-averaged")
    task_running_s: float | None = Field(
        default=None, ge=0, description="seconds the task ran on a CPU (per interval, at most its length): RAM's time"
    )
    cpu_w_per_thread: float | None = Field(default=None, description="power model: W per busy hardware thread")
    cpu_source: str = Field(description="source of the CPU figure (data file and entry, or the counters)")
    ram_w_per_gb: float | None = Field(default=None, description="power model: W per GB of resident memory")
    ram_source: str = ""
    rapl_zones: list[str] = Field(default_factory=list)
    j_per_cpu_s: float | None = Field(default=None, description="RAPL: fitted marginal energy per CPU-second")
    j_per_cpu_s_halfwidth: float | None = Field(default=None, description="its 95 % interval half-width")
    machine_idle_w: float | None = Field(default=None, description="RAPL: the fit's intercept, the machine's idle")
    machine_power_w: float | None = Field(
        default=None, description="RAPL: the machine's mean package (+ DRAM) power over the window"
    )
    fallback: str = Field(default="", description="why a fallback method was used ('' when none)")
    gpus: list[str] = Field(default_factory=list, description="NVML UUIDs of the task's GPUs")
    gpu_foreign_pids: dict[str, list[int]] = Field(
        default_factory=dict, description="per GPU, other processes that computed on it during the window"
    )
    gpu_held_alone: bool | None = Field(default=None, description="no other process computed on the task's GPUs")
    contaminated: bool = Field(
        default=False, description="the task's part cannot be separated from foreign load: not to be used silently"
    )
    machine_wide_source: str = Field(default="", description="what machine_wide_kwh is, or why it is absent")
    contention_divisor: float = Field(
        default=1.0,
        ge=1.0,
        description="the contention factor f (lca.energy.contention): foreign load may have changed the task's CPU "
        "time by up to this factor either way, so the figure's interval runs from its lower end / f to its upper end "
        "x f (data file version 1 moved the lower end only); 1 for a quiet window",
    )
    contended: bool = Field(
        default=False,
        description="foreign load above the limit of lca.energy.contention during the window: the interval is widened "
        "by contention_divisor and the figure is flagged",
    )


class MeasurementWindow(_Record):
    """When and in what company a window was measured (see :mod:`lca.host_lock`).

    The figure is attributed to the task's own processes, so neighbours do not enter it; the
    record still says how busy the machine was (it matters to RAPL's share rule, and to a
    reviewer). Only a GPU window holds the host lock.
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
    """Energy of one stage, attributed to its own processes, and how far to trust it.

    ``energy_kwh`` is the task's own energy: neighbours' work is not in it, nor (for the
    marginal and power-model methods) the machine's idle draw, which the LCA charges
    through the server's allocation. ``machine_wide_kwh`` is CodeCarbon's figure for the
    whole machine over the same window, kept beside it to show the difference.
    """

    stage: str
    duration_s: float = Field(ge=0)
    energy_kwh: float = Field(ge=0, description="CPU + RAM + GPU of the task, before PUE")
    cpu_kwh: float = Field(ge=0)
    ram_kwh: float = Field(ge=0)
    gpu_kwh: float = Field(ge=0)
    method: EnergyMethod
    method_detail: str = Field(description="how the figure was obtained, in words")
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
    machine_wide_kwh: float | None = Field(
        default=None, ge=0, description="CodeCarbon's whole-machine figure over the same window (comparison only)"
    )
    attribution: Attribution | None = None
    machine: HostFacts | None = None

    @property
    def attributed(self) -> bool:
        """The figure is the task's own (not the whole machine's)."""
        return self.method in ATTRIBUTED_METHODS

    @property
    def contaminated(self) -> bool:
        return self.attribution is not None and self.attribution.contaminated

    @property
    def contended(self) -> bool:
        """Measured beside foreign load that may have changed the task's CPU time (lca.energy.contention)."""
        return self.attribution is not None and self.attribution.contended

    @property
    def contention_divisor(self) -> float:
        return self.attribution.contention_divisor if self.attribution is not None else 1.0

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
