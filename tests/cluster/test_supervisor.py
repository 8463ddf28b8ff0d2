"""The native cluster's supervisor ends what a killed service left behind, and nothing of anyone else.

Real processes throughout: a "service" that forks like a Celery worker (a child in its own
process group, as Airflow's task processes are, and one that ignores SIGTERM), SIGKILLed
as a worker is in the cluster test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "cluster"))  # not a package: its modules import each other by name
import cluster_supervisor as supervisor  # noqa: E402
from cluster_layout import Layout  # noqa: E402

# A leader that forks a task-like child (own process group) and a stubborn one (ignores SIGTERM).
FORKING_SERVICE = """
import os, signal, time
if os.fork() == 0:
    os.setpgid(0, 0)
    time.sleep(600)
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(600)
time.sleep(600)
"""


def _service(layout: Layout, name: str) -> supervisor.Service:
    return supervisor.Service(
        name=name, argv=[sys.executable, "-c", FORKING_SERVICE], env=dict(os.environ), cwd=layout.root
    )


def _wait(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


_started: list[supervisor.Leader] = []


def _start_outside(argv: list[str]) -> subprocess.Popen:
    """A process someone else started (its own session), ended with all it forked after the test."""
    process = subprocess.Popen(argv, start_new_session=True)
    _started.append(supervisor.Leader(process.pid, supervisor._start_time(process.pid)))
    return process


def _spawn(layout: Layout, name: str) -> int:
    """``supervisor.spawn`` of a forking service, remembered for the clean-up."""
    pid = supervisor.spawn(layout, _service(layout, name))
    _started.append(supervisor.Leader(pid, supervisor._start_time(pid)))
    return pid


@pytest.fixture
def layout(tmp_path):
    layout = Layout(tmp_path)
    yield layout
    # Never leave a process behind, also when a check fails or heal forgot a record: every
    # session the test started is ended, by its leader's PID and start time.
    while _started:
        leader = _started.pop()
        for pid in supervisor.members(leader):
            os.kill(pid, signal.SIGKILL)


def _members(layout: Layout, name: str) -> list[supervisor.Leader]:
    """The live members, each with its start time: PIDs wrap around within seconds on a busy machine."""
    pids = supervisor.members(supervisor.read_leader(layout, name))
    return [supervisor.Leader(pid, supervisor._start_time(pid)) for pid in pids]


def _still_running(processes: list[supervisor.Leader]) -> list[supervisor.Leader]:
    return [p for p in processes if p.running()]


def test_heal_ends_at_once_what_a_killed_leader_left_and_leaves_the_rest_alone(layout):
    victim = _spawn(layout, "worker-a")
    _spawn(layout, "worker-b")
    _wait(lambda: len(_members(layout, "worker-a")) == 3 and len(_members(layout, "worker-b")) == 3)
    healthy = _members(layout, "worker-b")
    # the same command line, started by someone else: never ours
    bystander = _start_outside([sys.executable, "-c", FORKING_SERVICE])
    os.kill(victim, signal.SIGKILL)
    _wait(lambda: not supervisor.alive(victim))
    orphans = _members(layout, "worker-a")
    assert len(orphans) == 2 and victim not in [p.pid for p in orphans]  # still running, until healed

    started = time.monotonic()
    assert supervisor.heal(layout, ["worker-a", "worker-b"], grace=2) == {"worker-a": 2}
    assert time.monotonic() - started < 10  # SIGTERM, then SIGKILL for the one that ignores it
    assert not _still_running(orphans)
    assert supervisor.read_leader(layout, "worker-a") is None  # forgotten: `start` starts it again
    assert _members(layout, "worker-b") == healthy
    assert bystander.poll() is None
    # nothing left to heal: a second heal touches nothing
    assert supervisor.heal(layout, ["worker-a", "worker-b"], grace=2) == {}
    assert _members(layout, "worker-b") == healthy


def test_a_record_whose_pid_now_names_another_process_touches_nothing(layout):
    # Someone else's session leader that holds the PID we recorded (the PID was reused after our
    # session emptied): the start time differs, so neither it nor its session is ours.
    other = _start_outside([sys.executable, "-c", FORKING_SERVICE])
    _wait(lambda: len(supervisor.members(supervisor.Leader(other.pid, supervisor._start_time(other.pid)))) == 3)
    supervisor.record(layout, "worker-a", other.pid)
    stale = supervisor._pid_file(layout, "worker-a")
    stale.write_text(f"{other.pid} 1\n")  # our leader started at another time
    leader = supervisor.read_leader(layout, "worker-a")
    assert leader.replaced() and supervisor.members(leader) == []
    assert supervisor.heal(layout, ["worker-a"], grace=1) == {"worker-a": 0}
    assert other.poll() is None
    assert supervisor.read_leader(layout, "worker-a") is None


def test_stop_ends_a_running_service_with_everything_it_forked(layout):
    _spawn(layout, "worker-a")
    _wait(lambda: len(_members(layout, "worker-a")) == 3)
    forked = _members(layout, "worker-a")
    assert supervisor.stop(layout, ["worker-a"], grace=2) == {"worker-a": 3}
    assert not _still_running(forked)
    assert supervisor.recorded(layout) == []


def test_spawn_leaves_a_running_service_alone_and_restarts_a_dead_one_after_ending_its_orphans(layout):
    first = _spawn(layout, "worker-a")
    assert _spawn(layout, "worker-a") == first
    _wait(lambda: len(_members(layout, "worker-a")) == 3)
    os.kill(first, signal.SIGKILL)
    _wait(lambda: not supervisor.alive(first))
    orphans = _members(layout, "worker-a")
    second = _spawn(layout, "worker-a")
    assert second != first and not _still_running(orphans)
    assert supervisor.running(layout, "worker-a") == second
