"""A noisy neighbour: a busy process *outside* the caller's process tree, bounded in time.

Checking that a task's attributed energy ignores its neighbours needs a neighbour that
is not the task's: a plain child would be counted in the task's process tree, as it
should be. So the busy loop is started through an intermediate process that exits at
once (a double fork): the loop is re-parented away from the caller and ends by itself
after ``seconds`` even if the caller dies. Used by ``benchmarks/energy_attribution.py``
and the tests of :mod:`lca.ml.energy`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

_LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def start(seconds: float, cores: int = 1) -> list[int]:
    """Start ``cores`` busy loops that end by themselves after ``seconds``; their process ids."""
    if not 0 < seconds <= 3600:
        raise ValueError(f"a neighbour runs for (0, 3600] s, not {seconds!r}")
    code = _LOOP.format(seconds=float(seconds))
    launcher = (
        "import subprocess, sys\n"
        f"procs = [subprocess.Popen([sys.executable, '-c', {code!r}], start_new_session=True, "
        "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) "
        f"for _ in range({cores})]\n"
        "print(' '.join(str(p.pid) for p in procs))\n"
    )
    out = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, check=True)
    return [int(pid) for pid in out.stdout.split()]


def stop(pids: list[int]) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def busy(seconds: float, cores: int = 1) -> Iterator[list[int]]:
    pids = start(seconds, cores)
    try:
        yield pids
    finally:
        stop(pids)
