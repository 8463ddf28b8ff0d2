"""CPU time of the task's own processes, of a cgroup and of the machine."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from lca.energy import cpu_time


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_the_tree_counts_this_process_work():
    before = cpu_time.process_tree_cpu_s()
    _spin(0.3)
    assert cpu_time.process_tree_cpu_s() - before == pytest.approx(0.3, abs=0.1)


def test_the_tree_counts_a_child_while_it_runs_and_after_it_was_reaped():
    code = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    before = cpu_time.process_tree_cpu_s()
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while cpu_time.process_tree_cpu_s() - before < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        live = cpu_time.process_tree_cpu_s() - before
    finally:
        child.kill()
        child.wait()
    reaped = cpu_time.process_tree_cpu_s() - before
    assert live >= 0.5
    assert reaped >= live - 0.05  # the reaped child's time moved into children_user/system


def test_a_neighbour_process_is_not_counted():
    """A busy process outside the task's tree (re-parented away, as another tenant's) never enters its figure."""
    import psutil

    launcher = subprocess.run(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; print(subprocess.Popen([sys.executable, '-c', "
            "'while True: pass'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    neighbour = psutil.Process(int(launcher.stdout))
    try:
        theirs, ours = neighbour.cpu_times(), cpu_time.process_tree_cpu_s()
        deadline = time.monotonic() + 20  # however busy the machine, wait until it burned a good share
        while (burned := sum(neighbour.cpu_times()[:2]) - sum(theirs[:2])) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.1)
        booked = cpu_time.process_tree_cpu_s() - ours
    finally:
        neighbour.kill()
    assert burned >= 0.3
    assert booked < 0.05


def test_machine_cpu_reads_busy_idle_and_steal(tmp_path):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal
    stat.write_text("cpu  100 0 50 800 20 5 5 20 0 0\ncpu0 1 1 1 1\n")
    m = cpu_time.machine_cpu(stat)
    hz = __import__("os").sysconf("SC_CLK_TCK")
    assert m.busy_s == pytest.approx(160 / hz)
    assert m.total_s == pytest.approx(1000 / hz)
    assert m.steal_s == pytest.approx(20 / hz)


def test_the_real_machine_counter_only_grows():
    a = cpu_time.machine_cpu()
    _spin(0.1)
    d = cpu_time.machine_cpu() - a
    assert d.busy_s > 0 and d.total_s >= d.busy_s - 1e-9  # float seconds: a fully busy machine gives equal values


def test_own_cgroup_v2_and_v1_and_root(tmp_path):
    f = tmp_path / "cgroup"
    f.write_text("0::/system.slice/airflow-worker.service\n")
    assert cpu_time.own_cgroup(f) == ("v2", "system.slice/airflow-worker.service")
    f.write_text("4:memory:/x\n2:cpu,cpuacct:/kubepods/pod1/abc\n")
    assert cpu_time.own_cgroup(f) == ("v1", "kubepods/pod1/abc")
    f.write_text("2:cpuacct:/\n0::/\n")
    assert cpu_time.own_cgroup(f) is None


def test_cgroup_cpu_time_v2_and_v1(tmp_path):
    v2 = tmp_path / "v2" / "pod"
    v2.mkdir(parents=True)
    (v2 / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n")
    assert cpu_time.cgroup_cpu_s("v2", "pod", tmp_path / "v2") == pytest.approx(2.5)
    v1 = tmp_path / "v1" / "cpu,cpuacct" / "pod"
    v1.mkdir(parents=True)
    (v1 / "cpuacct.usage").write_text("1500000000\n")
    assert cpu_time.cgroup_cpu_s("v1", "pod", tmp_path / "v1") == pytest.approx(1.5)
