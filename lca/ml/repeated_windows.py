"""Energy windows repeated until energy per item is resolved, or said plainly that it is not.

One window's energy per item has no interval; a spread of windows does. Windows of
``energy_window_seconds / energy_windows`` are measured until the 95 % t-interval of the
mean energy per item is within the study's ``energy_precision`` (at least two windows and
the declared count), or ``energy_time_cap`` runs out. A figure that stays wider is booked
at the upper end of its interval, flagged, and draws no energy verdict
(:mod:`lca.ml.benchmarking`). A window contaminated by foreign load (RAPL's share rule
under a busy neighbour) is measured again up to ``MAX_ENERGY_REMEASURES`` times, then kept
and flagged. A *contended* window (foreign load that may have changed the task's own CPU
time, :mod:`lca.energy.contention`) is measured again too, at most ``MAX_CONTENDED_REMEASURES``
times over the whole series (a lasting neighbour does not leave because we wait), then kept,
flagged, and its interval widened on both sides by the contention term. With RAPL and no
identified marginal fit, a reference idle window precedes
every load window (B, A, B, A ...), and each load window is attributed against the
reference measured just before it, so that drift of the machine's idle cancels.
For the energy verdict (``benchmark.energy_pairs``) the baseline's windows are measured in
alternation with the variant's, so that each variant window has a baseline window measured
next to it (:mod:`lca.ml.significance`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from lca.energy.contention import widened
from lca.limits import MAX_CONTENDED_REMEASURES, MAX_ENERGY_REMEASURES
from lca.ml.energy import measure_idle, run_for_at_least, track_energy
from lca.records import EnergyRecord
from lca.study.machine_learning import BenchmarkSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resolution:
    """Whether repeated windows pinned energy per item down to the declared precision."""

    resolved: bool
    relative_halfwidth: float | None  # of the 95 % interval of the mean per-item energy
    upper_kwh_per_item: float | None
    detail: str


def resolution_of(per_window_kwh_per_item: list[float], precision: float) -> Resolution:
    """The 95 % t-interval of the mean of per-window energies per item, against ``precision``."""
    from scipy import stats

    values = np.asarray(per_window_kwh_per_item, dtype=float)
    n = len(values)
    if n < 2 or values.mean() <= 0:
        return Resolution(False, None, None, f"{n} window(s): no interval")
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    relative = half / mean
    if relative <= precision:
        return Resolution(
            True, relative, mean + half, f"+/-{relative:.1%} (95 %) over {n} windows, within +/-{precision:.0%}"
        )
    return Resolution(
        False,
        relative,
        mean + half,
        f"NOT RESOLVED: +/-{relative:.1%} (95 %) over {n} windows, wider than the declared +/-{precision:.0%}",
    )


class _Windows:
    """Tracked windows of one length, with the RAPL reference idle window before each once it is needed."""

    def __init__(self, spec: BenchmarkSpec, country_iso3: str, device: str):
        self.spec, self.country_iso3, self.device = spec, country_iso3, device
        self.length = spec.energy_window_seconds / spec.energy_windows
        self.reference: float | None = None
        self.interleave_idle = False
        self.contended_left = MAX_CONTENDED_REMEASURES  # for the whole series, not per window

    def measure(self, stage: str, one_pass) -> EnergyRecord:
        """One window of ``stage``, measured again (up to MAX_ENERGY_REMEASURES) while foreign load contaminates it,
        or while it is contended and the series' MAX_CONTENDED_REMEASURES are not spent."""
        remeasured = 0
        while True:
            if self.interleave_idle:  # RAPL without an identified fit: a reference idle window before every load one
                idle = measure_idle(self.length, self.country_iso3, self.spec.sampling_interval_seconds)
                self.reference = idle.attribution.machine_power_w if idle.attribution else None
            with track_energy(
                stage,
                self.country_iso3,
                device=self.device,
                measure_power_secs=self.spec.sampling_interval_seconds,
                reference_idle_w=self.reference,
            ) as measurement:
                measurement.items = run_for_at_least(self.length, one_pass)
            record = measurement.record
            if record.method == "rapl_share" and not self.interleave_idle:
                self.interleave_idle = True  # this window had no reference: measured again with one
                continue
            if record.contaminated and remeasured < MAX_ENERGY_REMEASURES:
                remeasured += 1
                log.warning("energy window of %s contaminated by foreign load: measured again (%d)", stage, remeasured)
                continue
            if record.contended and self.contended_left > 0 and remeasured < MAX_ENERGY_REMEASURES:
                remeasured += 1
                self.contended_left -= 1
                log.warning(
                    "energy window of %s beside %.2f foreign cores (contended): measured again (%d left in the series)",
                    stage,
                    (record.window.background_cpu_cores if record.window else None) or 0.0,
                    self.contended_left,
                )
                continue
            return record


def measure_windows(  # noqa: PLR0913  # the reference pair is optional and keyword-only
    stage: str,
    one_pass,
    spec: BenchmarkSpec,
    country_iso3: str,
    device: str,
    *,
    reference_pass=None,
    reference_stage: str = "",
) -> tuple[list[EnergyRecord], Resolution, list[EnergyRecord]]:
    """Energy windows of ``stage`` until the declared precision or the time cap (at least two windows).

    With ``reference_pass`` (the baseline, for the energy verdict), each window of ``stage`` is paired
    with a window of the reference measured next to it, in alternating order (variant first in even
    pairs, reference first in odd ones), and at least ``spec.energy_pairs`` pairs are measured. The
    third value is the reference's windows, ``[]`` without one.
    """
    windows = _Windows(spec, country_iso3, device)
    loads: list[EnergyRecord] = []
    references: list[EnergyRecord] = []
    minimum = max(spec.energy_windows, 2, spec.energy_pairs if reference_pass is not None else 0)
    started = time.monotonic()
    while True:
        if reference_pass is not None and len(loads) % 2:
            references.append(windows.measure(reference_stage, reference_pass))
            loads.append(windows.measure(stage, one_pass))
        else:
            loads.append(windows.measure(stage, one_pass))
            if reference_pass is not None:
                references.append(windows.measure(reference_stage, reference_pass))
        resolution = resolution_of([w.kwh_per_item for w in loads], spec.energy_precision)
        if len(loads) >= minimum and (resolution.resolved or time.monotonic() - started >= spec.energy_time_cap()):
            return loads, resolution, references


def booked_at_upper_bound(record: EnergyRecord, resolution: Resolution) -> EnergyRecord:
    """An unresolved figure is booked at the upper end of its interval, never shown as a measurement."""
    if resolution.upper_kwh_per_item is None or not record.items:
        return record
    factor = max(resolution.upper_kwh_per_item / record.kwh_per_item, 1.0)
    return record.model_copy(
        update={
            **{key: getattr(record, key) * factor for key in ("energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh")},
            "method_detail": f"{resolution.detail}; booked at the upper end of its 95 % interval (x{factor:.3g}). "
            + record.method_detail,
        }
    )


def stated_interval(windows: list[EnergyRecord]) -> tuple[tuple[float, float] | None, float]:
    """The 5-95 % interval of the windows' energy per item, widened on both sides by the contention term.

    The factor is the largest of the windows kept (:mod:`lca.energy.contention`): foreign load may have
    changed the task's CPU time in any of them, by an unknown amount and in either direction, so the
    interval reaches to what the task alone might have needed. Returned beside the interval; 1 when
    every window was quiet.
    """
    from lca.ml import significance

    interval = significance.run_interval([w.kwh_per_item for w in windows])
    factor = max((w.contention_divisor for w in windows), default=1.0)
    if interval is None:
        return None, factor
    return widened(interval, factor), factor
