"""Start, find and end the cluster's processes, and only ours.

Each service is started as the leader of a new session, and ``pids/<name>.pid`` records
its PID and its kernel start time (with the PID it names one process for good). The
session is what makes a process ours: everything a service forks (Celery pool processes,
task supervisors, task processes that set their own process group, log servers) stays in
it.

- While the leader runs, its whole session is ours.
- Once the leader is gone (SIGKILLed, crashed), the rest of its session is what it left
  behind: a worker's task process that keeps running beside the retry of the same task,
  its log server holding the worker's port. They are still ours, because Linux hands out
  no PID while a session of that id has members: as long as one of them lives, the PID
  cannot be anyone else's. Only when a live process holds the PID again (the session had
  emptied, and the PID was reused) is the session someone else's, and nothing is touched.

Nothing is ever chosen by its name, command line or environment (Airflow and Redis
rewrite their process titles over the environment ``/proc`` shows), which a user's own
``airflow`` or ``redis-server`` could share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cluster_layout import CONTROL_HOST, ClusterError, Layout


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    host: str = CONTROL_HOST
    ports: tuple[int, ...] = ()  # must be free before it starts


@dataclass(frozen=True)
class Leader:
    """A recorded leader: the PID and its start time, so a PID recycled after a crash is never taken for ours."""

    pid: int
    started: str | None

    def running(self) -> bool:
        return _start_time(self.pid) == self.started and alive(self.pid)

    def replaced(self) -> bool:
        """Whether a live process other than the leader holds its PID now (so its session is not ours)."""
        return not self.running() and alive(self.pid)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is [0], session [3], start time [19])."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def _start_time(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields else None


def alive(pid: int) -> bool:
    """Running, not a zombie (a child of ours that exited stays a zombie until reaped)."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] != "Z"


def _sessions() -> dict[int, list[int]]:
    """Session id -> its live processes, for the whole machine (one pass over /proc)."""
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and fields[0] != "Z":
            found.setdefault(int(fields[3]), []).append(int(entry.name))
    return found


def members(leader: Leader) -> list[int]:
    """The live processes of ``leader``'s session, if it is still ours (see the module docstring)."""
    if leader.replaced():
        return []
    return sorted(_sessions().get(leader.pid, []))


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def end(leader: Leader, grace: float = 30) -> int:
    """SIGTERM every process of ``leader``, SIGKILL what is left after ``grace``; how many there were."""
    first = members(leader)
    for pid in first:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while members(leader) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in members(leader):
        _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10  # SIGKILL is not instant: return once they are gone (and their ports free)
    while members(leader) and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(first)


def _pid_file(layout: Layout, name: str) -> Path:
    return layout.pids / f"{name}.pid"


def recorded(layout: Layout) -> list[str]:
    """Names of the processes with a pid file, sorted."""
    return sorted(p.stem for p in layout.pids.glob("*.pid")) if layout.pids.exists() else []


def read_leader(layout: Layout, name: str) -> Leader | None:
    path = _pid_file(layout, name)
    if not path.exists():
        return None
    pid, started = path.read_text().split()[:2]
    return Leader(int(pid), started)


def record(layout: Layout, name: str, pid: int) -> None:
    """Record ``pid`` as the leader of ``name`` (also PostgreSQL's postmaster, which pg_ctl starts and stops)."""
    layout.pids.mkdir(parents=True, exist_ok=True)
    _pid_file(layout, name).write_text(f"{pid} {_start_time(pid)}\n")


def forget(layout: Layout, name: str) -> None:
    _pid_file(layout, name).unlink(missing_ok=True)


def running(layout: Layout, name: str) -> int | None:
    """The recorded leader of ``name`` if that very process still runs."""
    leader = read_leader(layout, name)
    return leader.pid if leader and leader.running() else None


def heal_one(layout: Layout, name: str, grace: float) -> int | None:
    """End what the gone leader of ``name`` left behind and forget it: how many processes that was
    (0: none were left); None when there is nothing to heal (no record, or its leader runs)."""
    leader = read_leader(layout, name)
    if leader is None or leader.running():
        return None
    ended = end(leader, grace)
    forget(layout, name)
    return ended


def heal(layout: Layout, names: list[str], grace: float = 5) -> dict[str, int]:
    """For each of ``names`` whose leader is gone: the number of its orphans ended (0: none were left)."""
    healed = {}
    for name in names:
        ended = heal_one(layout, name, grace)
        if ended is not None:
            healed[name] = ended
    return healed


def stop(layout: Layout, names: list[str], grace: float = 30) -> dict[str, int]:
    """End each of ``names`` (in that order) with everything it started; the number of processes each had."""
    stopped = {}
    for name in names:
        leader = read_leader(layout, name)
        if leader is not None:
            stopped[name] = end(leader, grace)
            forget(layout, name)
    return stopped


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def spawn(layout: Layout, service: Service) -> int:
    """Start ``service`` unless it runs; a gone leader's orphans are ended first. Returns the leader's PID."""
    pid = running(layout, service.name)
    if pid:
        print(f"  {service.name}: already running (pid {pid})")
        return pid
    left = heal_one(layout, service.name, grace=5)
    if left:
        print(f"  {service.name}: leader gone, ended {left} process(es) it left behind")
    for port in service.ports:
        if listening(port):
            raise ClusterError(f"{service.name}: port {port} is already taken by a process we did not start")
    layout.service_logs.mkdir(parents=True, exist_ok=True)
    service.cwd.mkdir(parents=True, exist_ok=True)
    log_path = layout.service_logs / f"{service.name}.log"
    if log_path.exists():  # keep the last run's log; readiness is read from a fresh one
        log_path.replace(log_path.with_suffix(".log.prev"))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            service.argv,
            env=service.env,
            cwd=service.cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session: stop() ends it and everything it forks
        )
    record(layout, service.name, proc.pid)
    print(f"  {service.name}: started (pid {proc.pid}), log {log_path}")
    return proc.pid


def wait_for(what: str, check: Callable[[], bool], timeout: float, log: Path | None = None, pid: int | None = None):
    """Seconds until ``check()`` holds; fails early, with the log's tail, if ``pid`` exits meanwhile."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pid is not None and not alive(pid):
            raise ClusterError(f"{what} exited during start-up; last lines of {log}:\n{tail(log)}")
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 - not ready yet; the timeout reports it
            pass
        time.sleep(0.5)
    raise ClusterError(
        f"{what} not ready after {timeout:.0f} s" + (f"; last lines of {log}:\n{tail(log)}" if log else "")
    )


def tail(path: Path | None, lines: int = 30) -> str:
    if not path or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run(argv: list[str], *, env: dict[str, str] | None = None, what: str, user: str | None = None, **kw) -> str:
    """Run a set-up command; a failure stops the start with its output, never silently."""
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise ClusterError(
            f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{result.stdout}{result.stderr}"
        )
    return result.stdout
