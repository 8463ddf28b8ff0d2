"""One energy measurement at a time on a host: a host-local reader-writer lock.

CodeCarbon measures the whole machine (``tracking_mode="machine"``; on machines without
RAPL it even models power from machine-wide CPU load), so a measurement window is honest
only if nothing else of ours runs beside it on that machine. Airflow cannot promise that:
pools are global (one slot would serialise measurements across every host; N slots do not
choose which host a task lands on), and a Celery queue per host needs every task routed to
a host known at parse time. So the guarantee is enforced where the work runs, with
``fcntl.flock`` on a file in a host-local directory:

* a task that measures energy (data preparation, training, compression, idle, benchmark)
  holds the lock **exclusively** for its whole duration (loading torch and data beside
  someone else's window would count in that window too);
* every other task of the project holds it **shared**: any number of them run together,
  never beside a measurement.

A second file, the *gate*, gives waiting writers priority: a measured task takes the gate
before waiting for the lock, so shared tasks arriving later queue behind it instead of
starving it. ``flock`` locks belong to the open file and die with the process, so a
SIGKILLed task never leaves a stale lock; an *orphaned* task process (its worker killed)
keeps its lock until it ends, which is right: it is still running on the machine.

Limits: processes that are not ours (other tenants, the OS) are not ours to stop; the
energy record notes the machine's load and the CPU others used during the window
(:mod:`lca.ml.energy`). ``flock`` is unreliable on network file systems: the directory must
be local to the machine (``LCA_HOST_LOCK_DIR``, default ``<tmp>/lca-ml-host-lock``), and
every process that shares the machine's power reading must use the same directory.

Within one process the lock is re-entrant: a measured stage inside a task that already
holds the exclusive lock does not lock again. Asking for the exclusive lock while holding
only the shared one is an error (an upgrade would let another writer in between).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal

LOCK_DIR_ENV = "LCA_HOST_LOCK_DIR"
Mode = Literal["shared", "exclusive"]


def lock_dir() -> Path:
    return Path(os.environ.get(LOCK_DIR_ENV) or Path(tempfile.gettempdir()) / "lca-ml-host-lock")


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


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # every user of the machine must be able to lock it (workers may run as another uid)
        os.chmod(path.parent, 0o1777)
    except PermissionError:
        pass
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.fchmod(fd, 0o666)
    except PermissionError:
        pass
    return fd


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
    path = directory / "measure.lock"
    gate_fd, fd = _open(directory / "measure.gate"), _open(path)
    started = time.monotonic()
    try:
        fcntl.flock(gate_fd, fcntl.LOCK_EX)  # writers queue here, and readers pass through it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if mode == "exclusive" else fcntl.LOCK_SH)
        finally:
            fcntl.flock(gate_fd, fcntl.LOCK_UN)
        hold = Hold(mode, str(path), time.monotonic() - started)
        _state.hold = hold
        try:
            yield hold
        finally:
            _state.hold = None
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
        os.close(gate_fd)


def exclusive() -> AbstractContextManager[Hold]:
    """Alone on the host: no other task of the project runs until the block ends."""
    return _hold("exclusive")


def shared() -> AbstractContextManager[Hold]:
    """Beside other unmeasured tasks, never beside a measurement."""
    return _hold("shared")
