"""A task's share of a counter's energy, from CPU time.

Two ways to split a machine's measured energy between the processes that drew it:

* **By share of busy CPU time** (:func:`share_by_cpu_time`), as Scaphandre does for a
  process: the task gets the fraction of the machine's busy CPU time that was its own.
  That share includes part of the machine's idle draw, and when a neighbour starts, the
  counter rises, the task's share falls, and the product stays roughly the same only if
  power is proportional to load. It is kept as the fallback when the marginal cost
  below cannot be estimated.
* **By marginal energy per CPU-second** (:func:`marginal_fit`): the window is read in
  short samples, each with the counter's energy and the machine's busy CPU seconds, and
  ``energy = idle_power * dt + beta * busy_cpu_s`` is fitted over the samples. ``beta``
  is what one more CPU-second of work costs on this machine; the task's dynamic energy is
  ``beta * task_cpu_s``, whatever its neighbours did, and the idle draw stays with the
  machine (the LCA charges it through the server's allocation, not to the task). A
  neighbour whose load varies helps here: it spreads the samples along the busy axis.
  When busy time hardly varies between samples the fit cannot separate the two terms,
  and the result says so (``identified`` False) instead of returning a number.

Both are pure functions of readings, tested on synthetic windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Student's t quantile for a two-sided 95 % interval is ~1.96 at many samples; with few
# samples the fit uses the exact quantile (scipy is a dependency of bw2calc and sklearn).
_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Sample:
    """One sampling interval of a window: its length, the counter's energy, the machine's busy CPU time."""

    dt_s: float
    energy_j: float
    busy_cpu_s: float


@dataclass(frozen=True)
class MarginalFit:
    """``energy = idle_w * dt + j_per_cpu_s * busy``, fitted over a window's samples."""

    idle_w: float
    j_per_cpu_s: float
    j_per_cpu_s_halfwidth: float  # 95 % interval half-width of j_per_cpu_s
    samples: int
    identified: bool
    reason: str = ""

    def task_energy_j(self, task_cpu_s: float) -> tuple[float, float]:
        """The task's dynamic energy and its 95 % half-width, in joules."""
        if not self.identified:
            raise ValueError(f"the marginal energy per CPU-second was not identified: {self.reason}")
        return self.j_per_cpu_s * task_cpu_s, self.j_per_cpu_s_halfwidth * task_cpu_s


def share_by_cpu_time(counter_j: float, task_cpu_s: float, machine_busy_cpu_s: float) -> float:
    """The task's share of the counter's energy by its share of the busy CPU time (Scaphandre's rule)."""
    if counter_j < 0 or task_cpu_s < 0 or machine_busy_cpu_s < 0:
        raise ValueError("energy and CPU times cannot be negative")
    if machine_busy_cpu_s == 0:
        return 0.0
    return counter_j * min(task_cpu_s / machine_busy_cpu_s, 1.0)


def marginal_fit(samples: list[Sample], min_relative_spread: float = 0.1) -> MarginalFit:
    """Least squares of energy on (dt, busy CPU seconds), with no intercept, over the samples.

    ``min_relative_spread`` is the least coefficient of variation of the busy CPU *rate*
    between samples that lets the two terms be told apart; below it the fit is reported
    as not identified.
    """
    from scipy import stats

    n = len(samples)
    if n < 3:
        return MarginalFit(math.nan, math.nan, math.nan, n, False, f"{n} samples; at least 3 are needed")
    dt = np.array([s.dt_s for s in samples], dtype=float)
    busy = np.array([s.busy_cpu_s for s in samples], dtype=float)
    energy = np.array([s.energy_j for s in samples], dtype=float)
    if np.any(dt <= 0) or np.any(busy < 0) or np.any(energy < 0):
        raise ValueError("sample lengths must be positive, energies and CPU times non-negative")
    rate = busy / dt
    spread = float(np.std(rate) / np.mean(rate)) if np.mean(rate) > 0 else 0.0
    if spread < min_relative_spread:
        return MarginalFit(
            math.nan,
            math.nan,
            math.nan,
            n,
            False,
            f"the machine's load hardly varied between samples (spread {spread:.1%} < {min_relative_spread:.0%})",
        )
    design = np.column_stack([dt, busy])
    coef, _, rank, _ = np.linalg.lstsq(design, energy, rcond=None)
    if rank < 2:
        return MarginalFit(math.nan, math.nan, math.nan, n, False, "the samples do not separate idle and load")
    residuals = energy - design @ coef
    dof = n - 2
    sigma2 = float(residuals @ residuals) / dof if dof > 0 else math.inf
    cov = sigma2 * np.linalg.inv(design.T @ design)
    t = float(stats.t.ppf(0.5 + _CONFIDENCE / 2, dof)) if dof > 0 else math.inf
    return MarginalFit(
        idle_w=float(coef[0]),
        j_per_cpu_s=float(coef[1]),
        j_per_cpu_s_halfwidth=t * math.sqrt(max(cov[1, 1], 0.0)),
        samples=n,
        identified=True,
    )
