"""A window's readings become the task's own energy: counters at the marginal cost, else the cited power model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lca.energy.cpu_time import MachineCpu
from lca.energy.power_model import CitedFigure
from lca.energy.powercap import Zone
from lca.energy.sampler import Reading, WindowSampler
from lca.energy.task_energy import attribute

RAM = CitedFigure(0.4, "W/GB", 1.5, "test RAM figure")
CPU = CitedFigure(3.0, "W/thread", 1.6, "test CPU figure", "model")
PKG = Zone(Path("/fake/intel-rapl:0"), "package-0", 2**32)
MAX = 2**32


def _window(task_rates, foreign_rates, idle_w=40.0, j_per_cpu_s=9.0, dt=0.5, start_uj=0, rss_gb=0.5, rapl=True):
    """Readings of a window: per interval, the task's and the neighbours' busy cores; the counter follows them."""
    readings, t, task, busy, uj = [], 0.0, 0.0, 0.0, start_uj
    for i in range(len(task_rates) + 1):
        readings.append(
            Reading(
                t, task, int(rss_gb * 1e9), MachineCpu(busy, t * 2, 0.0), {PKG.path: uj} if rapl else None, None, None
            )
        )
        if i == len(task_rates):
            break
        rate = task_rates[i] + foreign_rates[i]
        t, task, busy = t + dt, task + task_rates[i] * dt, busy + rate * dt
        uj = (uj + int((idle_w * dt + j_per_cpu_s * rate * dt) * 1e6)) % MAX
    return readings


def test_without_counters_the_task_pays_its_own_cpu_seconds_and_resident_memory():
    readings = _window([1.0] * 20, [0.0] * 20, rapl=False)
    alone = attribute(readings, ram_figure=RAM, cpu_figure=CPU)
    assert alone.method == "cpu_power_model"
    assert alone.cpu_j == pytest.approx(3.0 * 10.0)  # 3 W/thread x 10 CPU-s
    assert alone.ram_j == pytest.approx(0.5 * 0.4 * 10.0)  # 0.5 GB x 0.4 W/GB x 10 s running
    busy = attribute(_window([1.0] * 20, [1.0] * 20, rapl=False), ram_figure=RAM, cpu_figure=CPU)
    assert busy.total_j == pytest.approx(alone.total_j)  # a neighbour's core is not the task's
    assert busy.attribution.foreign_cpu_s == pytest.approx(10.0)
    starved = attribute(_window([0.5] * 40, [1.5] * 40, rapl=False), ram_figure=RAM, cpu_figure=CPU)
    assert starved.total_j == pytest.approx(alone.total_j)  # same work at half speed: waiting is not the task's
    assert starved.attribution.task_running_s == pytest.approx(10.0)
    family = attribute(readings, ram_figure=RAM, cpu_figure=CitedFigure(3.0, "W/thread", 2.0, "f", "family"))
    assert family.method == "cpu_power_model_family"


def test_with_rapl_the_task_pays_the_fitted_marginal_cost_alone_or_beside_a_neighbour():
    rng = np.random.default_rng(0)
    task = list(1.0 + rng.uniform(-0.4, 0.4, 40))
    alone = attribute(_window(task, [0.0] * 40), ram_figure=RAM, zones=[PKG])
    noisy = attribute(_window(task, list(rng.uniform(0.0, 1.0, 40)), start_uj=MAX - 10**7), ram_figure=RAM, zones=[PKG])
    assert alone.method == noisy.method == "rapl_marginal"
    assert alone.cpu_j == pytest.approx(9.0 * sum(task) * 0.5, rel=0.02)
    assert noisy.cpu_j == pytest.approx(alone.cpu_j, rel=0.02)  # across a wrap-around of the counter, too
    assert noisy.attribution.machine_idle_w == pytest.approx(40.0, rel=0.05)
    assert not noisy.attribution.contaminated


def test_a_flat_load_falls_back_to_the_reference_idle_or_to_the_share_rule_and_says_which():
    flat = _window([1.0] * 20, [1.0] * 20)
    with_reference = attribute(flat, ram_figure=RAM, zones=[PKG], reference_idle_w=40.0)
    assert with_reference.method == "rapl_difference"
    assert with_reference.cpu_j == pytest.approx(9.0 * 10.0, rel=0.01)  # half of the dynamic energy
    shared = attribute(flat, ram_figure=RAM, zones=[PKG])
    assert shared.method == "rapl_share" and "hardly varied" in shared.attribution.fallback
    assert shared.attribution.contaminated  # a busy neighbour moves the share of idle booked to the task
    quiet = attribute(_window([1.0] * 20, [0.0] * 20), ram_figure=RAM, zones=[PKG])
    assert quiet.method == "rapl_share" and not quiet.attribution.contaminated


def test_an_unreadable_counter_falls_back_to_the_power_model_and_says_why():
    result = attribute(_window([1.0] * 4, [0.0] * 4), ram_figure=RAM, cpu_figure=CPU, zones=[PKG], rapl_error="denied")
    assert result.method == "cpu_power_model" and "denied" in result.attribution.fallback


def test_a_gpu_window_books_the_board_counter_and_says_who_else_computed_on_it():
    base = _window([1.0] * 2, [0.0] * 2, rapl=False)
    gpu = [
        r.__class__(
            r.t, r.task_cpu_s, r.task_rss_bytes, r.machine, None, {"GPU-a": 1000 + 250_000 * i}, {"GPU-a": pids}
        )
        for i, (r, pids) in enumerate(zip(base, [[], [4242], []], strict=True))
    ]
    result = attribute(gpu, ram_figure=RAM, cpu_figure=CPU)
    assert result.method == "nvml" and result.gpu_j == pytest.approx(500.0)
    assert result.attribution.gpu_foreign_pids == {"GPU-a": [4242]} and result.attribution.gpu_held_alone is False


def test_the_sampler_reads_the_real_process_from_the_first_to_the_last_moment():
    sampler = WindowSampler(0.05)
    sampler.start()
    x = 0
    for i in range(2_000_000):
        x += i
    readings = sampler.stop()
    assert len(readings) >= 3 and readings[-1].t > readings[0].t
    assert readings[-1].task_cpu_s > readings[0].task_cpu_s and readings[0].task_rss_bytes > 0
