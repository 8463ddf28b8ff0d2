"""One energy measurement at a time on a host: a host-local reader-writer lock.

CodeCarbon measures the whole machine (``tracking_mode="machine"``; on machines without
RAPL it even models power from machine-wide CPU load), so a measurement window is honest
only if nothing else of ours runs beside it on that machine. Airflow cannot promise that:
pools are global (one slot would serialise measurements across every host; N slots do not
choose which host a task lands on), and a Celery queue per host needs every task routed to
a host known at parse time. So the guarantee is enforced where the work runs, with a
reader-writer lock on a file in a host-local directory:

* a task that measures energy (data preparation, training, compression, idle, benchmark)
  holds the lock **exclusively** for its whole duration (loading torch and data beside
  someone else's window would count in that window too);
* every other task of the project holds it **shared**: any number of them run together,
  never beside a measurement.

The lock is filelock's ``ReadWriteLock``: a SQLite database file whose locks are the
kernel's POSIX record locks, so they belong to the process and die with it. A SIGKILLed task
never leaves a stale lock; an *orphaned* task process (its worker killed) keeps its lock
until it ends, which is right: it is still running on the machine.

Waiting writers go first, through a second lock, the *gate* (filelock's ``FileLock``): a
measured task holds the gate while it waits for the lock, and a shared task passes through
the gate before it asks, so shared tasks arriving after a waiting measurement queue behind
it instead of starving it. SQLite's own PENDING lock would do this alone only in a
single-threaded process: in a process with a second thread, ``ReadWriteLock`` waits in 50 ms
slices and gives up PENDING between them, and a stream of shared tasks then kept a
measurement waiting (tests/test_host_lock.py shows both with real processes).

Limits: processes that are not ours (other tenants, the OS) are not ours to stop; the
energy record notes the machine's load and the CPU others used during the window
(:mod:`lca.ml.energy`). POSIX locks are unreliable on network file systems: the directory
must be local to the machine (``LCA_HOST_LOCK_DIR``, default ``<tmp>/lca-ml-host-lock``),
and every process that shares the machine's power reading must use the same directory.
Both ml (the measurement) and orchestration (every task) take it, so it lives in the
shared bottom layer.

Within one process the lock is re-entrant: a measured stage inside a task that already
holds the exclusive lock does not lock again. Asking for the exclusive lock while holding
only the shared one is an error (an upgrade would let another writer in between).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from filelock import FileLock, ReadWriteLock

from lca.settings import host_lock_dir

LOCK_DIR_ENV = "LCA_HOST_LOCK_DIR"
LOCK_FILE = "measure.db"
GATE_FILE = "measure.gate"
Mode = Literal["shared", "exclusive"]


def lock_dir() -> Path:
    return host_lock_dir() or Path(tempfile.gettempdir()) / "lca-ml-host-lock"


@dataclass(frozen=True)
class Hold:
    """What the holder knows about its lock: how long it waited, which file, which mode."""

    mode: Mode
    path: str
    waited_s: float
    nested: bool = False


class HostLockError(RuntimeError):
    pass


_state = threading.local()


def held() -> Hold | None:
    """The lock this thread holds, if any (outermost hold)."""
    return getattr(_state, "hold", None)


def _shared_file(path: Path) -> Path:
    """``path``, created so that every user of the machine may lock it (workers may run as another uid)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(PermissionError):
        os.chmod(path.parent, 0o1777)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.fchmod(fd, 0o666)  # filelock would create it 0600, for its creator only
    except PermissionError:
        pass
    finally:
        os.close(fd)
    return path


@contextmanager
def _hold(mode: Mode) -> Iterator[Hold]:
    current = held()
    if current is not None:
        if mode == "exclusive" and current.mode == "shared":
            raise HostLockError(
                f"an energy measurement was asked for while this task holds only the shared host lock "
                f"{current.path}: a task that measures must be declared as measured (it then holds the "
                "lock exclusively for its whole duration)"
            )
        yield Hold(current.mode, current.path, current.waited_s, nested=True)  # the task's own wait
        return
    directory = lock_dir()
    path = _shared_file(directory / LOCK_FILE)
    gate = FileLock(_shared_file(directory / GATE_FILE), mode=0o666, preserve_lock_file=True)
    # One instance per hold, not filelock's per-path singleton: threads of one process then
    # wait for each other as processes do, instead of sharing (or refusing) one hold.
    lock = ReadWriteLock(path, is_singleton=False)
    started = time.monotonic()
    try:
        with gate:  # writers wait here holding it; readers pass through it
            if mode == "exclusive":
                lock.acquire_write()
            else:
                lock.acquire_read()
        hold = Hold(mode, str(path), time.monotonic() - started)
        _state.hold = hold
        try:
            yield hold
        finally:
            _state.hold = None
            lock.release()
    finally:
        lock.close()


def exclusive() -> AbstractContextManager[Hold]:
    """Alone on the host: no other task of the project runs until the block ends."""
    return _hold("exclusive")


def shared() -> AbstractContextManager[Hold]:
    """Beside other unmeasured tasks, never beside a measurement."""
    return _hold("shared")
