"""SIGTERM stops a stage within seconds, in an Airflow worker and in ``lca-ml demo``.

Airflow stops a task (a timeout, "mark failed", a worker shutting down) by sending
SIGTERM to the task process. Its task runner handles that signal by calling the
operator's ``on_kill()`` and returning, which for a ``@task`` function does nothing:
a benchmark loop or a Monte Carlo simply carries on, and the supervisor waits before
escalating. ``lca-ml demo`` runs the tasks in its own process with the same handler,
so the demo ignored SIGTERM for as long as its stage ran.

:func:`honour_sigterm`, called at the start of every stage, chains a handler after
whatever was installed (Airflow's, so ``on_kill`` still runs) that raises
:class:`StageTerminated`. Raised from a signal handler, it interrupts any loop in
Python code between two steps (a batch, a draw, a sleep), so every long-running
stage stops in well under a second, its ``finally`` blocks (the energy tracker's
stop) still run, and nothing half-written is published: reports are written to a
staging folder and renamed at the end. It derives from BaseException so that no
``except Exception`` in a library swallows it. Once terminated, every later stage
in the same process fails at once (:func:`raise_if_terminated`), so ``dag.test()``
ends quickly instead of running the remaining tasks.

That handler is in place only while a stage runs. Airflow installs its own at the start
of every task, before the task resolves its XCom arguments and calls
the stage, and that handler returned after ``on_kill()``: a SIGTERM in those moments, or
between two tasks of ``dag.test()``, was swallowed, and the run went on to publish its
report (in a reassessment, where the stages are short, most of a task's time is there).
So every task's operator stops in ``on_kill()`` too (:func:`stop`, wired by
lca.orchestration.dag_factory): whichever handler is in place, SIGTERM stops the task,
and the report stage checks once more right before publishing.
"""

from __future__ import annotations

import signal
import threading

_state = {"terminated": False}


class StageTerminated(BaseException):
    """SIGTERM arrived while a stage ran: stop now, publish nothing."""


def terminated() -> bool:
    """Whether this process has received SIGTERM while a stage ran."""
    return _state["terminated"]


def raise_if_terminated() -> None:
    if _state["terminated"]:
        raise StageTerminated("this process received SIGTERM: no further stage runs in it")


def stop(reason: str = "received SIGTERM: task stopped") -> None:
    """Mark this process terminated and stop what runs now (called from a signal handler, or on_kill())."""
    _state["terminated"] = True
    raise StageTerminated(reason)


def honour_sigterm() -> None:
    """Make SIGTERM raise StageTerminated in this (main) thread, after any handler already there."""
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    previous = signal.getsignal(signal.SIGTERM)
    if getattr(previous, "lca_stage_handler", False):
        return

    def on_sigterm(signum, frame):
        _state["terminated"] = True
        try:
            if callable(previous):
                previous(signum, frame)  # Airflow's: calls the task's on_kill()
        finally:
            raise StageTerminated(f"received signal {signum} (SIGTERM): stage stopped")

    on_sigterm.lca_stage_handler = True
    signal.signal(signal.SIGTERM, on_sigterm)
