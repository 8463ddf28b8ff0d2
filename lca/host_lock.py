"""One GPU energy window at a time on a host: a host-local, process-owned file lock.

A CPU window needs no lock: its energy is the task's own CPU time (and resident memory)
priced by a cited model or a RAPL fit, and the kernel counts CPU time per process, so a
neighbour, ours or not, does not enter it (:mod:`lca.ml.energy`). A GPU board's energy
counter (NVML) cannot be shared out per process: it is the task's only if no other task of
ours computes on that board during the window. So a GPU window holds this lock, for the
window only; nothing else does.

The lock is filelock's ``FileLock`` (``fcntl`` locks on Unix): it belongs to the process
and dies with it, so a SIGKILLed task never leaves a stale lock; an *orphaned* task
process (its worker killed) keeps it until it ends, which is right: it is still running on
the machine. Foreign processes on the board (other tenants) are not ours to stop; the
energy record lists them.

POSIX locks are unreliable on network file systems: the directory must be local to the
machine (``LCA_HOST_LOCK_DIR``, default ``<tmp>/lca-ml-host-lock``), and every process
that shares the machine's boards must use the same directory (the cluster and compose
deployments set it per machine). It lives in the shared bottom layer because ml takes it.

Within one thread the lock is re-entrant: a window inside a block that already holds it
does not lock again.
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

from filelock import FileLock

from lca.settings import host_lock_dir

LOCK_DIR_ENV = "LCA_HOST_LOCK_DIR"
LOCK_FILE = "gpu-window.lock"
Mode = Literal["exclusive"]


def lock_dir() -> Path:
    return host_lock_dir() or Path(tempfile.gettempdir()) / "lca-ml-host-lock"


@dataclass(frozen=True)
class Hold:
    """What the holder knows about its lock: how long it waited, which file, which mode."""

    mode: Mode
    path: str
    waited_s: float
    nested: bool = False


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
def _hold() -> Iterator[Hold]:
    current = held()
    if current is not None:
        yield Hold(current.mode, current.path, current.waited_s, nested=True)  # the outer window's wait
        return
    path = _shared_file(lock_dir() / LOCK_FILE)
    # One instance per hold, not filelock's per-path singleton: threads of one process then
    # wait for each other as processes do, instead of sharing one hold.
    lock = FileLock(path, mode=0o666, is_singleton=False, preserve_lock_file=True)
    started = time.monotonic()
    with lock:
        hold = Hold("exclusive", str(path), time.monotonic() - started)
        _state.hold = hold
        try:
            yield hold
        finally:
            _state.hold = None


def exclusive() -> AbstractContextManager[Hold]:
    """Alone on the host among the project's GPU windows until the block ends."""
    return _hold()
