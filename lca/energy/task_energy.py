"""A window's readings turned into the task's own energy, by the best source the host has.

In order of preference:

* **RAPL counters**: the package (and DRAM) energy of each sampling interval is fitted
  against the machine's busy CPU seconds (:func:`lca.energy.attribution.marginal_fit`);
  the task is charged the fitted marginal joules per CPU-second x its own CPU seconds
  (``rapl_marginal``). When the fit is not identified (the load hardly varied), the
  machine's energy above a *reference idle power* measured in an interleaved window is
  shared by CPU time (``rapl_difference``); without a reference, the whole counter is
  shared by CPU time (``rapl_share``, Scaphandre's rule), which books part of the idle
  draw to the task and is *contaminated* when neighbours kept the machine busy.
* **No counters**: the cited power model (:mod:`lca.energy.power_model`): W per busy
  hardware thread x the task's CPU seconds (``cpu_power_model``, or
  ``cpu_power_model_family`` when the CPU was matched only by its family).
* **RAM** without a DRAM counter: the task's resident memory x a cited W/GB x the time the
  task was *running* in each sampling interval (its CPU seconds there, at most the
  interval's length), not the wall time. A task starved of CPU by its neighbours waits
  longer holding the same memory; that waiting is the memory's standby draw, part of the
  machine's idle like the CPU's, and charging it would make the task's figure grow with
  its neighbours' load (seen: +25 % beside one busy loop on a loaded 2-vCPU VM).
* **GPU**: the NVML total-energy counter of exactly the task's GPUs over the window
  (``nvml``): the whole board, so the record says whether another process computed on it.

Pure over the readings, so every branch is tested on synthetic windows.
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.energy import powercap
from lca.energy.attribution import Sample, marginal_fit, share_by_cpu_time
from lca.energy.power_model import CitedFigure
from lca.energy.sampler import Reading
from lca.records.energy import Attribution

# Neighbours keeping more than this many cores busy on average make a share-rule window
# unusable as it is (the share of the idle draw moves with them); see lca.ml.energy.
FOREIGN_LIMIT_CORES = 0.25


@dataclass(frozen=True)
class TaskEnergy:
    method: str
    cpu_j: float
    ram_j: float
    gpu_j: float
    duration_s: float
    attribution: Attribution
    detail: str

    @property
    def total_j(self) -> float:
        return self.cpu_j + self.ram_j + self.gpu_j


def _rss_gb_mean(readings: list[Reading]) -> float:
    span = readings[-1].t - readings[0].t
    if span <= 0:
        return readings[-1].task_rss_bytes / 1e9
    area = sum(
        (b.t - a.t) * (a.task_rss_bytes + b.task_rss_bytes) / 2 for a, b in zip(readings, readings[1:], strict=False)
    )
    return area / span / 1e9


def _running_gb_s(readings: list[Reading]) -> tuple[float, float]:
    """GB x seconds of resident memory while the task ran, and the seconds it ran (per interval, at most dt)."""
    gb_s = running = 0.0
    for a, b in zip(readings, readings[1:], strict=False):
        dt = b.t - a.t
        if dt <= 0:
            continue
        ran = min(max(b.task_cpu_s - a.task_cpu_s, 0.0), dt)
        gb_s += ran * (a.task_rss_bytes + b.task_rss_bytes) / 2 / 1e9
        running += ran
    return gb_s, running


def _samples(readings: list[Reading], zones: list[powercap.Zone]) -> list[Sample]:
    out = []
    for a, b in zip(readings, readings[1:], strict=False):
        dt = b.t - a.t
        if dt <= 0 or a.machine is None or b.machine is None:
            continue
        out.append(Sample(dt, powercap.energy_j(zones, a.rapl_uj, b.rapl_uj), max((b.machine - a.machine).busy_s, 0.0)))
    return out


def attribute(
    readings: list[Reading],
    *,
    ram_figure: CitedFigure,
    cpu_figure: CitedFigure | None = None,
    zones: list[powercap.Zone] | None = None,
    reference_idle_w: float | None = None,
    rapl_error: str = "",
    foreign_limit_cores: float = FOREIGN_LIMIT_CORES,
) -> TaskEnergy:
    """The task's energy over the window the readings span (at least two readings)."""
    if len(readings) < 2:
        raise ValueError(f"a window needs at least two readings, got {len(readings)}")
    first, last = readings[0], readings[-1]
    duration = max(last.t - first.t, 0.0)
    task_cpu = max(last.task_cpu_s - first.task_cpu_s, 0.0)
    busy = (last.machine - first.machine).busy_s if first.machine and last.machine else None
    foreign = max(busy - task_cpu, 0.0) if busy is not None else None
    foreign_cores = foreign / duration if foreign is not None and duration > 0 else None
    rss_gb = _rss_gb_mean(readings)
    running_gb_s, running_s = _running_gb_s(readings)
    ram_model_j = running_gb_s * ram_figure.value
    zones = zones or []
    rapl = bool(zones) and not rapl_error and all(r.rapl_uj is not None for r in readings)
    common = dict(
        samples=len(readings),
        task_cpu_s=task_cpu,
        machine_busy_cpu_s=busy,
        foreign_cpu_s=foreign,
        task_rss_gb_mean=rss_gb,
        task_running_s=running_s,
    )
    ram_model = dict(ram_w_per_gb=ram_figure.value, ram_source=ram_figure.source)
    contaminated = False
    if rapl:
        packages = [z for z in zones if z.name.startswith("package")]
        drams = [z for z in zones if z.name == "dram"]
        fit = marginal_fit(_samples(readings, packages))
        package_j = powercap.energy_j(packages, first.rapl_uj, last.rapl_uj)
        fallback = ""
        if fit.identified and fit.j_per_cpu_s > 0:
            method, cpu_j = "rapl_marginal", fit.j_per_cpu_s * task_cpu
            how = (
                f"RAPL {'+'.join(z.label for z in packages)}: {fit.j_per_cpu_s:.3g} ± {fit.j_per_cpu_s_halfwidth:.2g} "
                f"J per CPU-second (fitted over {fit.samples} samples) x {task_cpu:.3g} task CPU-s"
            )
        else:
            fallback = fit.reason if not fit.identified else f"fitted marginal cost {fit.j_per_cpu_s:.3g} J/CPU-s <= 0"
            share = min(task_cpu / busy, 1.0) if busy else 0.0
            if reference_idle_w is not None:
                method = "rapl_difference"
                cpu_j = max(package_j - reference_idle_w * duration, 0.0) * share
                how = (
                    f"RAPL package {package_j:.3g} J above the reference idle {reference_idle_w:.3g} W x "
                    f"{duration:.3g} s, x the task's share of busy CPU time {share:.1%}"
                )
            else:
                method = "rapl_share"
                cpu_j = share_by_cpu_time(package_j, task_cpu, busy or 0.0)
                contaminated = foreign_cores is not None and foreign_cores > foreign_limit_cores
                how = (
                    f"RAPL package {package_j:.3g} J x the task's share of busy CPU time {share:.1%} "
                    "(Scaphandre's rule)"
                )
        if drams:
            dram_fit = marginal_fit(_samples(readings, drams))
            if dram_fit.identified and dram_fit.j_per_cpu_s > 0:
                ram_j = dram_fit.j_per_cpu_s * task_cpu
            else:
                ram_j = share_by_cpu_time(powercap.energy_j(drams, first.rapl_uj, last.rapl_uj), task_cpu, busy or 0.0)
            ram_fields = dict(ram_source="RAPL DRAM counter")
        else:
            ram_j, ram_fields = ram_model_j, ram_model
        attribution = Attribution(
            **common,
            **ram_fields,
            cpu_source=f"RAPL counters ({', '.join(z.label for z in zones)})",
            rapl_zones=[z.label for z in zones],
            j_per_cpu_s=fit.j_per_cpu_s if fit.identified else None,
            j_per_cpu_s_halfwidth=fit.j_per_cpu_s_halfwidth if fit.identified else None,
            machine_idle_w=fit.idle_w if fit.identified else None,
            machine_power_w=powercap.energy_j(zones, first.rapl_uj, last.rapl_uj) / duration if duration else None,
            fallback=fallback,
            contaminated=contaminated,
        )
    else:
        if cpu_figure is None:
            raise ValueError("no readable RAPL counter and no CPU power figure: nothing to attribute CPU energy with")
        method = "cpu_power_model" if cpu_figure.match == "model" else "cpu_power_model_family"
        cpu_j, ram_j = cpu_figure.value * task_cpu, ram_model_j
        how = f"{cpu_figure.value:.3g} W/thread ({cpu_figure.source}) x {task_cpu:.3g} task CPU-s"
        attribution = Attribution(
            **common,
            **ram_model,
            cpu_w_per_thread=cpu_figure.value,
            cpu_source=cpu_figure.source,
            fallback=f"no RAPL counter: {rapl_error}" if rapl_error else "",
        )
    how += (
        f"; RAM {ram_j:.3g} J ({rss_gb:.3g} GB resident over {running_s:.3g} s running, {attribution.ram_source[:60]})"
    )
    gpu_j = 0.0
    if last.gpu_mj is not None and first.gpu_mj is not None:
        gpu_j = sum(max(last.gpu_mj[u] - first.gpu_mj[u], 0) for u in last.gpu_mj) / 1000.0
        foreign_pids: dict[str, set[int]] = {u: set() for u in last.gpu_mj}
        for r in readings:
            for uuid, pids in (r.gpu_foreign or {}).items():
                foreign_pids[uuid].update(pids)
        alone = not any(foreign_pids.values())
        attribution = attribution.model_copy(
            update={
                "gpus": sorted(last.gpu_mj),
                "gpu_foreign_pids": {u: sorted(p) for u, p in foreign_pids.items()},
                "gpu_held_alone": alone,
            }
        )
        how = (
            f"NVML total-energy counter of {len(last.gpu_mj)} GPU(s) {gpu_j:.3g} J (whole board, "
            f"{'held alone' if alone else 'OTHER PROCESSES COMPUTED ON IT'}); host part {method}: {how}"
        )
        method = "nvml"
    return TaskEnergy(method, cpu_j, ram_j, gpu_j, duration, attribution, how)
