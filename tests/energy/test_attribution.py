"""Sharing a counter's energy out to a task: the marginal fit recovers a known cost whatever the neighbours do."""

from __future__ import annotations

import numpy as np
import pytest

from lca.energy.attribution import Sample, marginal_fit, share_by_cpu_time


def _window(idle_w, j_per_cpu_s, busy_rates, dt=0.5, noise_j=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return [
        Sample(dt, idle_w * dt + j_per_cpu_s * rate * dt + rng.normal(0, noise_j), rate * dt) for rate in busy_rates
    ]


def test_the_fit_recovers_idle_power_and_the_cost_of_a_cpu_second():
    rng = np.random.default_rng(1)
    fit = marginal_fit(_window(40.0, 9.0, rng.uniform(0.5, 2.0, 40), noise_j=0.2))
    assert fit.identified
    assert fit.idle_w == pytest.approx(40.0, rel=0.02)
    assert fit.j_per_cpu_s == pytest.approx(9.0, rel=0.05)
    assert 0 < fit.j_per_cpu_s_halfwidth < 1.0


def test_a_neighbour_changes_the_counter_but_not_the_task_energy():
    """The same task (1 CPU-second per second) alone, then beside a neighbour adding 0-1 busy cores."""
    rng = np.random.default_rng(2)
    alone = marginal_fit(_window(40.0, 9.0, 1.0 + rng.uniform(-0.3, 0.3, 60), noise_j=0.1, seed=3))
    busy = marginal_fit(_window(40.0, 9.0, 1.0 + rng.uniform(0.0, 1.0, 60), noise_j=0.1, seed=4))
    task_cpu_s = 30.0
    e_alone, _ = alone.task_energy_j(task_cpu_s)
    e_busy, _ = busy.task_energy_j(task_cpu_s)
    assert e_busy == pytest.approx(e_alone, rel=0.05)
    # ...while the machine-wide share rule books the neighbour's idle share to the task differently
    counter_alone = sum(s.energy_j for s in _window(40.0, 9.0, [1.0] * 60))
    counter_busy = sum(s.energy_j for s in _window(40.0, 9.0, [1.5] * 60))
    assert share_by_cpu_time(counter_busy, 30, 45) != pytest.approx(share_by_cpu_time(counter_alone, 30, 30), rel=0.05)


def test_a_flat_load_cannot_separate_idle_and_work_and_says_so():
    fit = marginal_fit(_window(40.0, 9.0, [1.0] * 30))
    assert not fit.identified
    assert "hardly varied" in fit.reason
    with pytest.raises(ValueError, match="not identified"):
        fit.task_energy_j(1.0)


def test_too_few_samples_are_not_a_fit():
    assert not marginal_fit(_window(40.0, 9.0, [1.0, 2.0])).identified


def test_the_share_rule_gives_the_task_its_fraction_of_busy_time():
    assert share_by_cpu_time(100.0, 1.0, 4.0) == pytest.approx(25.0)
    assert share_by_cpu_time(100.0, 5.0, 4.0) == pytest.approx(100.0)  # clock skew: never more than all
    assert share_by_cpu_time(100.0, 0.0, 0.0) == 0.0
    with pytest.raises(ValueError):
        share_by_cpu_time(-1.0, 1.0, 1.0)
