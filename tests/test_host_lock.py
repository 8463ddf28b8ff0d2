"""The host lock keeps GPU energy windows apart, and only them (real processes, real locks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lca import host_lock
from tests.conftest import REPO

# A process that says when it asks for the lock and when it has it, holds it ``hold``
# seconds, and writes when it held it (wall clock, as the energy records do).
HOLDER = textwrap.dedent(
    """
    import json, sys, time
    from lca import host_lock
    hold, out = float(sys.argv[1]), sys.argv[2]
    asked = time.time()
    print("asking", flush=True)
    with host_lock.exclusive() as h:
        start = time.time()
        print("locked", flush=True)
        time.sleep(hold)
        end = time.time()
    json.dump({"asked": asked, "start": start, "end": end, "waited": h.waited_s}, open(out, "w"))
    """
)


@pytest.fixture
def lock_env(tmp_path, monkeypatch):
    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))
    return {**os.environ, host_lock.LOCK_DIR_ENV: str(tmp_path / "locks"), "PYTHONPATH": str(REPO)}


def holder(env, hold: float, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(hold), str(out)], env=env, stdout=subprocess.PIPE, text=True
    )


def wait_for(proc: subprocess.Popen, word: str) -> None:
    while (line := proc.stdout.readline().strip()) != word:
        assert line, f"the holder ended before saying {word!r}"


def wait_locked(proc: subprocess.Popen) -> None:
    wait_for(proc, "locked")


def finish(procs) -> list[dict]:
    results = []
    for proc, out in procs:
        assert proc.wait(timeout=60) == 0
        results.append(json.loads(out.read_text()))
    return results


def overlap(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def test_two_gpu_windows_in_two_processes_never_overlap(lock_env, tmp_path):
    procs = [(holder(lock_env, 1.0, tmp_path / f"x{i}.json"), tmp_path / f"x{i}.json") for i in range(2)]
    a, b = finish(procs)
    assert not overlap(a, b), (a, b)
    assert max(a["waited"], b["waited"]) >= 0.8  # one of them really waited for the other


def test_a_sigkilled_holder_leaves_no_stale_lock(lock_env, tmp_path):
    victim = holder(lock_env, 60, tmp_path / "v.json")
    wait_locked(victim)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    started = time.monotonic()
    with host_lock.exclusive() as hold:
        assert hold.mode == "exclusive"
    assert time.monotonic() - started < 5


def test_the_lock_is_reentrant_within_a_thread(lock_env):
    with host_lock.exclusive() as outer:
        with host_lock.exclusive() as inner:
            assert inner.nested and inner.path == outer.path
        assert host_lock.held() == outer
    assert host_lock.held() is None


# Two processes measuring energy with the real tracker at the same time, on one host.
MEASURER = textwrap.dedent(
    """
    import sys, time
    from lca.ml.energy import track_energy
    with track_energy(sys.argv[1], "SWE") as m:
        time.sleep(4)  # long beside the start-up, so two processes started together overlap
    m.record.save(__import__("pathlib").Path(sys.argv[2]))
    """
)


def test_two_processes_measuring_cpu_energy_at_once_need_no_lock_since_each_books_its_own(lock_env, tmp_path):
    """Attributed CPU windows (issue 18) take no host lock: they overlap, and neither waits for the other.

    The lock stays for what cannot be shared out (a GPU board: lca.ml.energy), tested in tests/ml/test_device.py.
    """
    from lca.records import EnergyRecord

    env = {**lock_env, "LCA_CLUSTER_HOST": "host-a"}
    outs = [tmp_path / f"e{i}.json" for i in range(2)]
    procs = [
        subprocess.Popen([sys.executable, "-c", MEASURER, f"stage{i}", str(out)], env=env) for i, out in enumerate(outs)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    a, b = (EnergyRecord.load(out) for out in outs)
    assert a.host == b.host == "host-a"
    assert a.attributed and b.attributed, (a.method, b.method)
    assert a.window.started_at < b.window.ended_at and b.window.started_at < a.window.ended_at, "they overlapped"
    assert a.window.lock_wait_s == b.window.lock_wait_s == 0.0
