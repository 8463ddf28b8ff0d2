"""The host lock keeps every energy window alone among the project's processes (real processes, real locks)."""

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

# A process that says when it asks for the lock in ``mode`` and when it has it, holds it
# ``hold`` seconds, and writes when it held it (wall clock, as the energy records do).
# With a 5th argument it runs a second thread while it waits, as a task process may.
HOLDER = textwrap.dedent(
    """
    import json, sys, threading, time
    from lca import host_lock
    mode, hold, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    if len(sys.argv) > 4:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    asked = time.time()
    print("asking", flush=True)
    with (host_lock.exclusive() if mode == "exclusive" else host_lock.shared()) as h:
        start = time.time()
        print("locked", flush=True)
        time.sleep(hold)
        end = time.time()
    json.dump({"mode": mode, "asked": asked, "start": start, "end": end, "waited": h.waited_s}, open(out, "w"))
    """
)


@pytest.fixture
def lock_env(tmp_path, monkeypatch):
    monkeypatch.setenv(host_lock.LOCK_DIR_ENV, str(tmp_path / "locks"))
    return {**os.environ, host_lock.LOCK_DIR_ENV: str(tmp_path / "locks"), "PYTHONPATH": str(REPO)}


def holder(env, mode: str, hold: float, out: Path, *, threaded: bool = False) -> subprocess.Popen:
    extra = ["threaded"] if threaded else []
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, mode, str(hold), str(out), *extra], env=env, stdout=subprocess.PIPE, text=True
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


def test_two_exclusive_holders_in_two_processes_never_overlap(lock_env, tmp_path):
    procs = [(holder(lock_env, "exclusive", 1.0, tmp_path / f"x{i}.json"), tmp_path / f"x{i}.json") for i in range(2)]
    a, b = finish(procs)
    assert not overlap(a, b), (a, b)
    assert max(a["waited"], b["waited"]) >= 0.8  # one of them really waited for the other


def test_shared_holders_run_together_but_never_beside_an_exclusive_one(lock_env, tmp_path):
    first = holder(lock_env, "shared", 1.5, tmp_path / "s0.json")
    wait_locked(first)
    second = holder(lock_env, "shared", 1.5, tmp_path / "s1.json")
    wait_locked(second)
    writer = holder(lock_env, "exclusive", 0.5, tmp_path / "x.json")
    s0, s1, x = finish([(first, tmp_path / "s0.json"), (second, tmp_path / "s1.json"), (writer, tmp_path / "x.json")])
    assert overlap(s0, s1)
    assert not overlap(x, s0) and not overlap(x, s1)
    assert x["start"] >= max(s0["end"], s1["end"])


def test_a_waiting_measurement_goes_before_shared_tasks_that_arrive_after_it(lock_env, tmp_path):
    reader = holder(lock_env, "shared", 2.0, tmp_path / "r0.json")
    wait_locked(reader)
    writer = holder(lock_env, "exclusive", 0.5, tmp_path / "x.json")
    wait_for(writer, "asking")
    time.sleep(0.3)  # the writer is now waiting for the reader
    late = holder(lock_env, "shared", 0.2, tmp_path / "r1.json")
    wait_for(late, "asking")
    r0, x, r1 = finish([(reader, tmp_path / "r0.json"), (writer, tmp_path / "x.json"), (late, tmp_path / "r1.json")])
    assert r1["asked"] < x["start"]  # the late reader asked while the writer waited...
    assert r1["start"] >= x["end"]  # ...and got in only after the measurement


@pytest.mark.parametrize("threaded", [False, True], ids=["single-threaded", "threaded"])
def test_a_stream_of_shared_tasks_cannot_starve_a_waiting_measurement(lock_env, tmp_path, threaded):
    """Readers that overlap one another would hold the lock shared for ever; the writer gets in after the first."""
    first = holder(lock_env, "shared", 2.0, tmp_path / "r0.json")
    wait_locked(first)
    writer = holder(lock_env, "exclusive", 0.3, tmp_path / "x.json", threaded=threaded)
    wait_for(writer, "asking")
    time.sleep(0.3)
    stream = []
    for i in range(1, 6):  # each arrives before the one before it would have ended
        out = tmp_path / f"r{i}.json"
        stream.append((holder(lock_env, "shared", 1.0, out), out))
        wait_for(stream[-1][0], "asking")
        time.sleep(0.3)
    r0, x, *later = finish([(first, tmp_path / "r0.json"), (writer, tmp_path / "x.json"), *stream])
    assert x["start"] >= r0["end"]
    assert x["start"] - r0["end"] < 1.0, x["start"] - r0["end"]  # in right after the reader it waited for
    for r in later:
        assert not overlap(r, x)
        if r["asked"] < x["start"]:
            assert r["start"] >= x["end"]


def test_a_sigkilled_holder_leaves_no_stale_lock(lock_env, tmp_path):
    victim = holder(lock_env, "exclusive", 60, tmp_path / "v.json")
    wait_locked(victim)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    started = time.monotonic()
    with host_lock.exclusive() as hold:
        assert hold.mode == "exclusive"
    assert time.monotonic() - started < 5


def test_the_lock_is_reentrant_but_refuses_an_upgrade_from_shared(lock_env):
    with host_lock.exclusive() as outer:
        with host_lock.exclusive() as inner, host_lock.shared() as reader:
            assert inner.nested and reader.nested and reader.mode == "exclusive"
        assert host_lock.held() == outer
    assert host_lock.held() is None
    with (
        host_lock.shared(),
        pytest.raises(host_lock.HostLockError, match="declared as measured"),
        host_lock.exclusive(),
    ):
        pass


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
