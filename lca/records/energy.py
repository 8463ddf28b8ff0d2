"""Energy of a stage as measured, and the window it was measured in (written by :mod:`lca.ml.energy`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from lca.records.base import _Record
from lca.uncertainty import Uncertainty

EnergyMethod = Literal["rapl", "nvml", "codecarbon_estimate"]


class MeasurementWindow(_Record):
    """When and in what company a window was measured (see :mod:`lca.host_lock`).

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
