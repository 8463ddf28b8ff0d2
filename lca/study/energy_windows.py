"""How long an energy window must be for its figure to mean something.

The energy sampler (:mod:`lca.energy.sampler`) reads the task's CPU time, memory and
counters every ``sampling_interval_seconds``, and once more at each end of the window.
Two floors apply to every window, and a study below either is refused:

* **In samples**: ``MIN_INTERVALS_PER_WINDOW = 5`` intervals. A RAPL marginal fit needs
  samples to fit (at least three; five leave two degrees of freedom to spare), and the
  resident-memory average rests on that many readings. For CodeCarbon's machine-wide
  comparison figure it keeps the misbooking of one reading at either end near 20 %.
* **In seconds**: ``MIN_WINDOW_SECONDS = 0.5``. The kernel counts CPU time in clock ticks
  (USER_HZ = 100, 10 ms); a window misbooks up to one tick at each end, 4 % of a fully
  busy single thread over 0.5 s, less over longer windows. A 0.25 s window at 0.05 s
  sampling passed the sample floor alone and rested on 25 ticks.

A *stage* (training, compression, data preparation) cannot be made longer: one shorter
than a single interval is flagged instead (``EnergyRecord.below_sampling_interval``)
and its energy is bounded from its duration and the run's measured powers by the
inventory (:mod:`lca.assessment.inventory.allocation`).
"""

from __future__ import annotations

MIN_INTERVALS_PER_WINDOW = 5
MIN_WINDOW_SECONDS = 0.5
DEFAULT_SAMPLING_INTERVAL_S = 1.0


def window_problems(energy_window_s: float, idle_window_s: float, interval_s: float, windows: int = 1) -> list[str]:
    """Reasons the benchmark's windows are too short for the tracker's sampling interval (empty: fine).

    The inference window may be split into ``windows`` tracked windows (their spread gives energy
    per item an interval): each of them must span the minimum on its own.
    """
    minimum = max(MIN_INTERVALS_PER_WINDOW * interval_s, MIN_WINDOW_SECONDS)
    out = []
    checks = [("energy_window_seconds", energy_window_s / windows), ("idle_window_seconds", idle_window_s)]
    for field, value in checks:
        if value < minimum - 1e-12:
            what = f"benchmark.{field} = {value:g} s"
            if field == "energy_window_seconds" and windows > 1:
                what = (
                    f"each of the benchmark.energy_windows = {windows} windows "
                    f"(benchmark.energy_window_seconds = {energy_window_s:g} s / {windows} = {value:g} s)"
                )
            if MIN_INTERVALS_PER_WINDOW * interval_s >= MIN_WINDOW_SECONDS:
                why = (
                    f"{MIN_INTERVALS_PER_WINDOW} x the sampling interval benchmark.sampling_interval_seconds = "
                    f"{interval_s:g} s): the window would rest on fewer than {MIN_INTERVALS_PER_WINDOW} readings, "
                    "too few to fit the marginal cost of a CPU-second or to average resident memory, and one "
                    "reading at either end of the machine-wide comparison can misbook more than 20 % of its energy "
                    "(with 2 readings, idle power has come out above the power under load). Lengthen the window "
                    "or shorten the sampling interval."
                )
            else:
                why = (
                    "the floor in seconds, lca.study.energy_windows.MIN_WINDOW_SECONDS): CPU time is counted in "
                    "10 ms clock ticks, and a shorter window misbooks more than 4 % of a busy thread's time at its "
                    "two ends, whatever the sampling interval. Lengthen the window."
                )
            out.append(f"{what} is below the minimum {minimum:g} s ({why}")
    return out


def readings(duration_s: float, interval_s: float | None) -> float:
    """How many power readings a window of ``duration_s`` rests on (at least one)."""
    return max(duration_s / interval_s, 1.0) if interval_s else 1.0


def dynamic_energy(
    stage: str, load_kwh: float, load_s: float, idle_w: float, idle_s: float, interval_s: float | None
) -> tuple[float, str]:
    """Energy above idle (kWh) of a window, and how far it is resolved.

    Each window's energy may be misbooked by about one reading in ``k`` (module
    docstring), so load and idle power are each known to ``P / k``; their difference
    is resolved only beyond ``load_w / k_load + idle_w / k_idle`` (the *resolution*).

    * idle above load by more than the resolution: an error of the measurement
      (``MeasurementError``), never a silent 0;
    * load above idle by less than the resolution (idle slightly above load
      included): not resolved; booked at its upper bound, resolution x duration, and
      said so in the returned text;
    * otherwise: measured minus idle power x duration.
    """
    from lca.errors import MeasurementError

    load_w = load_kwh * 3.6e6 / load_s if load_s else 0.0
    resolution_w = load_w / readings(load_s, interval_s) + idle_w / readings(idle_s, interval_s)
    if idle_w - load_w > resolution_w:
        raise MeasurementError(
            f"energy window {stage!r}: idle power {idle_w:.3g} W (over {idle_s:.3g} s) is above the power under load "
            f"{load_w:.3g} W (over {load_s:.3g} s) by more than the windows' resolution {resolution_w:.3g} W: the "
            "measurement contradicts itself, so no dynamic energy can be derived. Lengthen "
            "benchmark.idle_window_seconds and benchmark.energy_window_seconds, or measure on a quieter machine."
        )
    if load_w - idle_w < resolution_w:
        bound = resolution_w * load_s / 3.6e6
        return bound, (
            f"NOT RESOLVED: load {load_w:.3g} W vs idle {idle_w:.3g} W differ by less than the windows' resolution "
            f"{resolution_w:.3g} W, so the energy above idle is booked at its upper bound {resolution_w:.3g} W x "
            f"{load_s:.3g} s = {bound:.3e} kWh"
        )
    dynamic = load_kwh - idle_w * load_s / 3.6e6
    return dynamic, f"{load_w:.3g} W - idle {idle_w:.3g} W over {load_s:.3g} s = {dynamic:.3e} kWh above idle"
