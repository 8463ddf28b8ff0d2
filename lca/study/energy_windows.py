"""How long an energy window must be for CodeCarbon's figure to mean something.

CodeCarbon reads power every ``measure_power_secs`` seconds and books each
reading times the time since the previous one (``EmissionsTracker._do_measurements``);
a last reading is taken when the tracker stops. A window of ``k`` sampling
intervals therefore rests on ``k`` readings, and the reading that straddles the
start (CPU load since the last baseline, RAM at its modelled wattage) or the end
(a partial interval) can misbook up to about one interval of power: a relative
error of about ``1 / k``.

``MIN_INTERVALS_PER_WINDOW = 5`` keeps that error at or below 20 %, inside the
spread the project already gives a CodeCarbon estimate (GSD 1.8 in
``include/data/energy_methods.yaml``, i.e. a factor 1.8 at one sigma), so the
window adds no error of its own that the uncertainty does not cover. It is also
the smallest count at which an idle *average* is more than one or two readings:
the failure seen with a 2 s idle window at 1 s sampling (30 W of RAM, idle above
load) came from two readings. The built-in studies use 10 s windows (10
readings) for inference and 5 s (5 readings) for idle at the default 1 s interval.

A *stage* (training, compression, data preparation) cannot be made longer: one
shorter than a single interval is flagged instead (``EnergyRecord.below_sampling_interval``)
and its energy is bounded from its duration and the run's measured powers by the
inventory (:mod:`lca.assessment.inventory.allocation`).
"""

from __future__ import annotations

MIN_INTERVALS_PER_WINDOW = 5
DEFAULT_SAMPLING_INTERVAL_S = 1.0


def window_problems(energy_window_s: float, idle_window_s: float, interval_s: float, windows: int = 1) -> list[str]:
    """Reasons the benchmark's windows are too short for the tracker's sampling interval (empty: fine).

    The inference window may be split into ``windows`` tracked windows (their spread gives energy
    per item an interval): each of them must span the minimum on its own.
    """
    minimum = MIN_INTERVALS_PER_WINDOW * interval_s
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
            out.append(
                f"{what} is below the minimum {minimum:g} s "
                f"({MIN_INTERVALS_PER_WINDOW} x the sampling interval benchmark.sampling_interval_seconds = "
                f"{interval_s:g} s): CodeCarbon would book the window from fewer than {MIN_INTERVALS_PER_WINDOW} "
                "power readings, and one reading at either end can then misbook more than 20 % of its energy "
                "(with 2 readings, idle power has come out above the power under load). Lengthen the window "
                "or shorten the sampling interval."
            )
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
