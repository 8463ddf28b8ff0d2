"""``make ui``: the Airflow UI on the same metadata database and folders as ``lca-ml demo``, sized for a small machine.

Why not ``airflow standalone``: it started 32 LocalExecutor workers (about 5.8 GB) on a
2-core machine, its Ctrl+C left zombie children for more than 40 s, and with a second
``AIRFLOW_HOME`` the UI showed none of the runs ``lca-ml demo`` had made. Here the
api-server, the scheduler (LocalExecutor, :data:`PARALLELISM` task processes) and the
dag-processor are started with :func:`lca.orchestration.embedded_airflow.configure`'s
settings (``$LCA_HOME/var/airflow``, SQLite in write-ahead mode with a busy timeout), each
in a session of its own so that Ctrl+C reaches only this supervisor, which then ends every
process of those sessions: SIGTERM, and SIGKILL for what is left after :data:`GRACE_SECONDS`.
No triggerer: no task of the project defers.

Sign-in uses Airflow's simple auth manager: user ``admin``, whose password is generated
once into ``$AIRFLOW_HOME/ui_passwords.json`` and printed at start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lca.orchestration import embedded_airflow
from lca.settings import var_dir

# Task processes at once: one per core of the 2-core machines the project runs on (energy is
# attributed to each task's own processes, so measured tasks may run side by side).
PARALLELISM = 2
GRACE_SECONDS = 5.0
COMPONENTS = ("api-server", "scheduler", "dag-processor")
USER = "admin"


@dataclass(frozen=True)
class UiSettings:
    port: int
    home: Path
    password_file: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _secrets(home: Path) -> dict[str, str]:
    """The JWT and session secrets every component must share, kept across restarts (tokens stay valid)."""
    path = home / "ui_secrets.json"
    if path.is_file():
        return json.loads(path.read_text())
    found = {"jwt_secret": secrets.token_urlsafe(64), "secret_key": secrets.token_urlsafe(32)}  # 64: HS512's key
    path.write_text(json.dumps(found))
    path.chmod(0o600)
    return found


def password(settings: UiSettings) -> str:
    """The admin password, generated on first use (the simple auth manager reads this file)."""
    if not settings.password_file.is_file():
        settings.password_file.write_text(json.dumps({USER: secrets.token_urlsafe(12)}))
        settings.password_file.chmod(0o600)
    return json.loads(settings.password_file.read_text())[USER]


def environment(settings: UiSettings) -> dict[str, str]:
    """What every component runs with: the embedded settings (already in os.environ) and the UI's own."""
    secret = _secrets(settings.home)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(PARALLELISM),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(settings.port),
            "AIRFLOW__API__BASE_URL": f"{settings.url}/",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{settings.url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
            "AIRFLOW__API__SECRET_KEY": secret["secret_key"],
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(settings.password_file),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.home / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # The task logs the UI shows: a failed task's traceback is logged at ERROR, its progress at INFO.
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        }
    )
    return env


def _session_members(sid: int) -> list[int]:
    """Every live process of session ``sid`` (task processes set their own group but stay in the session)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop(processes: list[subprocess.Popen], grace: float = GRACE_SECONDS) -> list[int]:
    """End every process of the sessions this supervisor started; return those that needed SIGKILL.

    SIGTERM goes to each component, which ends its own children (the scheduler its task
    processes); whatever of those sessions is still alive after ``grace`` is killed.
    """
    sessions = [p.pid for p in processes]
    for p in processes:
        _signal(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for p in processes:
            p.poll()  # reap, so an exited leader is not counted as a zombie member
        if not any(_session_members(sid) for sid in sessions):
            break
        time.sleep(0.1)
    killed = [pid for sid in sessions for pid in _session_members(sid)]
    for pid in killed:
        _signal(pid, signal.SIGKILL)
    for p in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=grace)
    return killed


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def start(settings: UiSettings, log_dir: Path) -> list[subprocess.Popen]:
    """The components, each in a session of its own, their output in ``log_dir/<component>.log``."""
    env = environment(settings)
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = []
    for component in COMPONENTS:
        argv = [sys.executable, "-m", "airflow", component]
        if component == "api-server":
            argv += ["-H", "127.0.0.1", "-p", str(settings.port), "-w", "1"]
        with (log_dir / f"{component}.log").open("ab") as log:
            processes.append(
                subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            )
    return processes


def wait_until_healthy(settings: UiSettings, processes: list[subprocess.Popen], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [name for name, p in zip(COMPONENTS, processes) if p.poll() is not None]
        if dead:
            raise RuntimeError(f"Airflow component(s) {', '.join(dead)} exited at start; see their logs")
        try:
            with urllib.request.urlopen(f"{settings.url}/api/v2/monitor/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise RuntimeError(f"the api-server did not answer on {settings.url} within {timeout:.0f} s")


def serve(port: int = 8080) -> int:
    """Start the UI, print where and how to sign in, and run until Ctrl+C or SIGTERM; then stop everything."""
    home = embedded_airflow.configure()
    settings = UiSettings(port=port, home=home, password_file=home / "ui_passwords.json")
    secret = password(settings)
    embedded_airflow.migrate_db()
    log_dir = var_dir() / "logs" / "ui"
    stopping = False

    def on_signal(signum, frame):  # Ctrl+C (SIGINT) or a SIGTERM from a supervisor
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    processes = start(settings, log_dir)
    try:
        wait_until_healthy(settings, processes)
        print(
            f"Airflow UI: {settings.url}  user {USER}, password {secret}  (in {settings.password_file})\n"
            f"Metadata database and logs: {home}; component logs: {log_dir}\n"
            f"Processes: {', '.join(f'{name} {p.pid}' for name, p in zip(COMPONENTS, processes))}\n"
            "Ctrl+C stops it.",
            flush=True,
        )
        while not stopping:
            dead = [name for name, p in zip(COMPONENTS, processes) if p.poll() is not None]
            if dead:
                print(f"Airflow component(s) {', '.join(dead)} stopped; see {log_dir}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"{exc} ({log_dir})", file=sys.stderr)
        return 1
    finally:
        print("Stopping the Airflow UI ...", flush=True)
        started = time.monotonic()
        killed = stop(processes)
        forced = f" ({len(killed)} process(es) killed after {GRACE_SECONDS:.0f} s)" if killed else ""
        print(f"Stopped in {time.monotonic() - started:.1f} s{forced}.", flush=True)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - entry point
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    code = serve(parser.parse_args(argv).port)
    # Everything is stopped and flushed: skip the seconds an interpreter exit spends tearing down Airflow.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
