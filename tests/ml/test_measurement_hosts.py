"""Each energy record names its host and how busy the machine was; idle power is never taken from another host."""

from __future__ import annotations

import time

import pytest

from lca import host_lock
from lca.energy import neighbour
from lca.ml.benchmarking import _dynamic_energy
from lca.ml.energy import BACKGROUND_LIMIT_CORES, idle_on_this_host, track_energy
from tests.records_factory import energy


@pytest.fixture(autouse=True)
def private_lock(tmp_path, monkeypatch):
    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))


def test_a_record_names_the_cluster_host_and_its_window(monkeypatch):
    monkeypatch.setenv("LCA_CLUSTER_HOST", "worker7")
    before = time.time()
    with track_energy("probe", "SWE") as measurement:
        time.sleep(1.2)
    record = measurement.record
    assert record.host == "worker7"
    window = record.window
    assert before <= window.started_at.timestamp() < window.ended_at.timestamp() <= time.time()
    # The window spans the sampler's first and last reading.
    assert window.ended_at.timestamp() - window.started_at.timestamp() >= record.duration_s - 0.05
    assert window.lock == ""  # attributed CPU energy: no exclusive hold of the host
    assert window.load_1min_start >= 0 and window.background_cpu_cores is not None


def test_a_busy_process_beside_the_window_is_counted_and_flagged_but_not_booked_to_the_task():
    with neighbour.busy(seconds=10):  # outside this process tree, as another tenant is
        time.sleep(0.5)
        with track_energy("probe", "SWE", measure_power_secs=0.2) as measurement:
            time.sleep(2.0)
    record = measurement.record
    window = record.window
    # One spinning process on a 2-core machine: close to a whole core, far above the limit.
    assert window.background_cpu_cores > max(0.5, BACKGROUND_LIMIT_CORES)
    assert window.background_load_high
    # ...and none of it is the sleeping task's: its CPU time (the tracker's own sampling, nothing else) stays under
    # a tenth of the window, while the neighbour's is about the whole window; so does its CPU energy. On a loaded
    # host the sampling alone took 0.11 s of the 2 s window, so the bound is relative to the window, not 0.1 s.
    duration = record.duration_s
    assert record.attribution.task_cpu_s < 0.1 * duration and record.attribution.foreign_cpu_s > 0.5 * duration
    assert record.cpu_kwh * 3.6e6 < 0.1 * duration * (record.attribution.cpu_w_per_thread or 10.0)
    assert not record.contaminated  # CPU time is counted per process: the neighbour cannot enter it


def test_idle_from_another_host_is_measured_again_on_this_host(monkeypatch):
    monkeypatch.setenv("LCA_CLUSTER_HOST", "worker2")
    here = idle_on_this_host(energy("idle", 1e-6, duration_s=5).model_copy(update={"host": "worker2"}), 1.0, "SWE")
    assert here.host == "worker2" and here.duration_s == 5  # same host: kept as it is
    other = energy("idle", 1e-6, duration_s=5).model_copy(update={"host": "worker1"})
    fresh = idle_on_this_host(other, 1.0, "SWE")
    assert fresh.host == "worker2" and fresh.stage == "idle" and fresh.window is not None
    assert fresh.duration_s == pytest.approx(1.0, abs=0.5)


def test_idle_power_of_another_host_is_never_subtracted():
    bench = energy("inference:baseline", 1e-5, items=100).model_copy(update={"host": "worker1"})
    idle = energy("idle", 1e-6).model_copy(update={"host": "worker2"})
    with pytest.raises(ValueError, match="'worker2'.*'inference:baseline'.*'worker1'"):
        _dynamic_energy(bench, idle)
    power, dynamic, _ = _dynamic_energy(bench, idle.model_copy(update={"host": "worker1"}))
    assert power == pytest.approx(idle.mean_power_w) and dynamic >= 0


def test_a_gpu_benchmark_measures_its_idle_on_the_gpu_with_the_same_method(monkeypatch):
    monkeypatch.setenv("LCA_CLUSTER_HOST", "worker2")
    cpu_idle = energy("idle", 1e-6, duration_s=5).model_copy(update={"host": "worker2"})
    assert idle_on_this_host(cpu_idle, 0.5, "SWE", 0.1) is cpu_idle  # a CPU benchmark keeps it
    fresh = idle_on_this_host(cpu_idle, 0.5, "SWE", 0.1, device="cuda")
    assert fresh is not cpu_idle and fresh.device == "cuda" and fresh.stage == "idle"
