"""Start and stop the project's multi-worker Airflow on this machine, without Docker.

``make cluster`` runs ``start``, ``make cluster-stop`` runs ``stop``. The topology is the one
of docker-compose.yaml: PostgreSQL, Redis, the airflow-init steps, the api-server,
scheduler, dag-processor, triggerer and Celery workers, all on loopback ports, everything
under ``var/cluster/`` (``LCA_CLUSTER_DIR`` moves it):

    pg/data            PostgreSQL data directory (a fresh initdb, owned by the unprivileged PG_USER;
                       under /var/tmp/lca-ml-pg/ instead, recorded in pg.path, when that user
                       cannot enter this folder)
    redis/             the broker's append-only file
    airflow/           AIRFLOW_HOME of the control processes (api-server, scheduler, ...)
    logs/              Airflow task logs, shared by every process, as the compose ``logs`` mount is
    hosts/<name>/      each host's own working directory: LCA_HOME, Brightway, AIRFLOW_HOME
    shared/            the artefact root every host shares (LCA_ARTIFACT_ROOT, lca/storage.py)
    locks/             the machine's host lock (LCA_HOST_LOCK_DIR): one energy window at a time
    pids/<name>.pid    the leader of each process we started; ``stop`` ends its whole session
    logs-services/     each process's stdout and stderr
    secrets.env        passwords and keys, generated once (mode 600)

The Airflow settings come from deploy/airflow.env, the file compose reads too; this module
adds only what differs per deployment (DEPLOYMENT_KEYS) and, because two workers on one
machine stand in for two hosts, a few per-worker keys (HOST_KEYS). ``start`` is idempotent:
what already runs is left alone, the rest is started.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETTINGS_FILE = REPO / "deploy" / "airflow.env"
INIT_SCRIPT = REPO / "scripts" / "cluster" / "airflow-init.sh"
VENV_BIN = Path(sys.executable).parent

# PostgreSQL refuses to run as root: when we are root it runs as this system user.
PG_USER = "lcaml"
PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)

PORTS = {"postgres": 55432, "redis": 56379, "api": 8180}
# Airflow's defaults, listened on by the scheduler (health check) and the triggerer (log server).
SCHEDULER_HEALTH_PORT = 8974
TRIGGERER_LOG_PORT = 8794
# One machine stands in for several hosts: each worker gets its own name, log-server
# port and working directory. (The triggerer's log server keeps Airflow's 8794.)
WORKERS = {"worker1": 8795, "worker2": 8796}
# LCA_CLUSTER_PORT_BASE=N moves every port to N, N+1, ... so a second cluster (the
# integration test's, a colleague's) can run beside the default one.
if os.environ.get("LCA_CLUSTER_PORT_BASE"):
    _base = int(os.environ["LCA_CLUSTER_PORT_BASE"])
    PORTS = {"postgres": _base, "redis": _base + 1, "api": _base + 2}
    SCHEDULER_HEALTH_PORT, TRIGGERER_LOG_PORT = _base + 3, _base + 4
    WORKERS = {name: _base + 5 + i for i, name in enumerate(WORKERS)}
CONTROL_HOST = "control"
ADMIN_USER = "admin"

# Compose service name -> the `airflow` subcommand it runs. The native cluster runs the
# same subcommands; a worker adds only --celery-hostname (containers have their own names).
AIRFLOW_SERVICES: dict[str, tuple[str, ...]] = {
    "airflow-apiserver": ("api-server",),
    "airflow-scheduler": ("scheduler",),
    "airflow-dag-processor": ("dag-processor",),
    "airflow-triggerer": ("triggerer",),
    "airflow-worker": ("celery", "worker"),
}
OTHER_SERVICES = ("postgres", "redis", "airflow-init")

# Settings each deployment gives itself (addresses, folders, secrets): compose in its
# `environment:`, this module in deployment_env(). Everything else comes from SETTINGS_FILE.
DEPLOYMENT_KEYS = frozenset(
    {
        "AIRFLOW_HOME",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__CORE__DAGS_FOLDER",
        "AIRFLOW__CORE__PLUGINS_FOLDER",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API__HOST",
        "AIRFLOW__API__PORT",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER",
        "LCA_HOME",
        "LCA_INCLUDE_DIR",
        "BRIGHTWAY2_DIR",
        "LCA_ARTIFACT_ROOT",
        "LCA_STUDIES_DIR",
        "LCA_HOST_LOCK_DIR",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT",
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT",
    }
)
# Only on the native cluster, only for workers: what separate machines would give for free.
HOST_KEYS = frozenset(
    {"LCA_CLUSTER_HOST", "AIRFLOW__CORE__HOSTNAME_CALLABLE", "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", "PYTHONPATH"}
)
# Read by airflow-init.sh only.
INIT_KEYS = frozenset({"_AIRFLOW_WWW_USER_USERNAME", "_AIRFLOW_WWW_USER_PASSWORD"})
# Inherited variables with these prefixes are dropped, so a shell's own Airflow or LCA
# settings cannot leak into the cluster and make it differ from compose.
_SCRUBBED_PREFIXES = ("AIRFLOW", "LCA_", "BRIGHTWAY", "_AIRFLOW", "PG", "PYTHONPATH")


class ClusterError(RuntimeError):
    pass


def load_settings(path: Path = SETTINGS_FILE) -> dict[str, str]:
    """KEY=VALUE lines of the shared settings file; comments and blank lines skipped."""
    settings: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum():
            raise ClusterError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        if any(c in value for c in "\"'$") or value != value.strip():
            raise ClusterError(
                f"{path}:{number}: {key}: quotes, $ and surrounding spaces are read differently "
                f"by docker compose and this loader; got {value!r}"
            )
        if key in settings:
            raise ClusterError(f"{path}:{number}: {key} is set twice")
        if key in DEPLOYMENT_KEYS | HOST_KEYS:
            raise ClusterError(f"{path}:{number}: {key} differs per deployment and must not be in this file")
        settings[key] = value
    return settings


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def pg_location_file(self) -> Path:
        return self.root / "pg.path"

    @property
    def pg_dir(self) -> Path:
        """PostgreSQL's folder: ``pg/`` here, or where ``start`` recorded it (see :func:`choose_pg_dir`)."""
        if self.pg_location_file.is_file():
            return Path(self.pg_location_file.read_text().strip())
        return self.root / "pg"

    @property
    def pg_data(self) -> Path:
        return self.pg_dir / "data"

    @property
    def pg_socket_dir(self) -> Path:
        return self.pg_dir / "run"

    @property
    def pg_log(self) -> Path:
        return self.pg_dir / "postgres.log"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def service_logs(self) -> Path:
        return self.root / "logs-services"

    @property
    def shared(self) -> Path:
        return self.root / "shared"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.env"

    def host(self, name: str) -> Path:
        return self.root / "hosts" / name


def default_layout() -> Layout:
    return Layout(Path(os.environ.get("LCA_CLUSTER_DIR", REPO / "var" / "cluster")).resolve())


# --- secrets -------------------------------------------------------------------------


def load_or_create_secrets(layout: Layout) -> dict[str, str]:
    """Passwords and keys of this cluster, made once so a restart keeps its users and data."""
    path = layout.secrets_file
    if path.exists():
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    from cryptography.fernet import Fernet

    values = {
        "pg_password": secrets.token_urlsafe(18),
        "redis_password": secrets.token_urlsafe(18),
        "fernet_key": Fernet.generate_key().decode(),
        "jwt_secret": secrets.token_urlsafe(32),
        "api_secret_key": secrets.token_urlsafe(32),
        "admin_user": ADMIN_USER,
        "admin_password": secrets.token_urlsafe(12),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


# --- environments --------------------------------------------------------------------


def deployment_env(layout: Layout, secret: dict[str, str], host: str) -> dict[str, str]:
    """What docker-compose.yaml sets in `environment:`, with this machine's addresses and folders."""
    pg = f"airflow:{secret['pg_password']}@127.0.0.1:{PORTS['postgres']}/airflow"
    home = layout.host(host)
    return {
        "AIRFLOW_HOME": str(layout.airflow_home if host == CONTROL_HOST else home / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}",
        # SQLAlchemy 2.1 picks psycopg (3) for a bare postgresql:// URL: name the driver we install.
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{pg}",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://:{secret['redis_password']}@127.0.0.1:{PORTS['redis']}/0",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{PORTS['api']}/execution/",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__FERNET_KEY": secret["fernet_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
        "AIRFLOW__API__SECRET_KEY": secret["api_secret_key"],
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(PORTS["api"]),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(layout.logs),
        "LCA_HOME": str(home),
        "LCA_INCLUDE_DIR": str(REPO / "include"),
        "BRIGHTWAY2_DIR": str(home / "var" / "brightway"),
        # The one folder the hosts share: every artefact goes through it (lca/storage.py).
        "LCA_ARTIFACT_ROOT": layout.shared.as_uri(),
        # The studies the dag-processor and the workers read: the caller's LCA_STUDIES_DIR
        # (e.g. `LCA_STUDIES_DIR=... make cluster`), else the checkout's include/studies.
        "LCA_STUDIES_DIR": str(Path(os.environ.get("LCA_STUDIES_DIR") or REPO / "include" / "studies").resolve()),
        # One lock for the whole machine (lca.ml.host_lock), not one per simulated host: the
        # two workers stand in for two hosts but share this machine's CPUs and its power
        # reading, so a window on worker1 would count worker2's work.
        "LCA_HOST_LOCK_DIR": str(layout.locks),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(SCHEDULER_HEALTH_PORT),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(TRIGGERER_LOG_PORT),
    }


def host_env(host: str) -> dict[str, str]:
    return {
        "LCA_CLUSTER_HOST": host,
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "cluster_host.hostname",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(WORKERS[host]),
        "PYTHONPATH": str(Path(__file__).resolve().parent),
    }


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def process_env(layout: Layout, secret: dict[str, str], host: str, settings: dict[str, str]) -> dict[str, str]:
    env = base_env()
    env.update(settings)
    env.update(deployment_env(layout, secret, host))
    if host in WORKERS:
        env.update(host_env(host))
    return env


# --- processes -----------------------------------------------------------------------


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    host: str = CONTROL_HOST
    ports: tuple[int, ...] = ()  # must be free before it starts


# Run each worker in its own mount namespace, where the other hosts' directories are
# empty: a path written on one host and read on another fails as on separate machines,
# instead of working because both are on this disk. Needs root (as here and in CI).
_HIDE_AND_EXEC = 'while [ "$1" != -- ]; do mount -t tmpfs -o size=1m lca-other-host "$1"; shift; done; shift; exec "$@"'


def isolation_available() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def isolated(layout: Layout, host: str, argv: list[str]) -> list[str]:
    others = [str(layout.host(h)) for h in (CONTROL_HOST, *WORKERS) if h != host]
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        _HIDE_AND_EXEC,
        "sh",
        *others,
        "--",
        *argv,
    ]


def airflow_services(layout: Layout, secret: dict[str, str], settings: dict[str, str]) -> list[Service]:
    airflow = str(VENV_BIN / "airflow")
    isolate = isolation_available()
    services = []
    for compose_name, sub in AIRFLOW_SERVICES.items():
        if compose_name == "airflow-worker":
            for host in WORKERS:
                argv = [airflow, *sub, "--celery-hostname", f"{host}@lca"]
                services.append(
                    Service(
                        name=f"worker-{host}",
                        argv=isolated(layout, host, argv) if isolate else argv,
                        env=process_env(layout, secret, host, settings),
                        cwd=layout.host(host),
                        host=host,
                        ports=(WORKERS[host],),
                    )
                )
        else:
            services.append(
                Service(
                    name=sub[0],
                    argv=[airflow, *sub],
                    env=process_env(layout, secret, CONTROL_HOST, settings),
                    cwd=layout.host(CONTROL_HOST),
                    ports={
                        "api-server": (PORTS["api"],),
                        "scheduler": (SCHEDULER_HEALTH_PORT,),
                        "triggerer": (TRIGGERER_LOG_PORT,),
                    }.get(sub[0], ()),
                )
            )
    return services


def _pid_file(layout: Layout, name: str) -> Path:
    return layout.pids / f"{name}.pid"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot): with the PID it names one
    process for good, so a PID recycled after a crash is never taken for ours."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[19]


def _write_pid(layout: Layout, name: str, pid: int) -> None:
    layout.pids.mkdir(parents=True, exist_ok=True)
    _pid_file(layout, name).write_text(f"{pid} {_start_time(pid)}\n")


def _read_pid(layout: Layout, name: str) -> int | None:
    """The recorded leader of ``name`` if that very process still runs; a stale file is removed."""
    path = _pid_file(layout, name)
    if not path.exists():
        return None
    pid, _, started = path.read_text().strip().partition(" ")
    if _start_time(int(pid)) == started and _alive(int(pid)):
        return int(pid)
    left = _end_session(int(pid))  # e.g. a SIGKILLed worker's log server and task processes
    if left:
        print(f"  {name}: leader gone, ended {left} process(es) it left behind")
    path.unlink()
    return None


def _end_session(leader: int, grace: float = 30) -> int:
    """SIGTERM every process of the session we started, SIGKILL what is left after ``grace``.

    Each of them is ours, even after the leader died: Linux does not hand out a PID again
    while a session (or group) of that id still has members. Returns how many there were.
    """
    members = _session_members(leader)
    for pid in members:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _session_members(leader) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in _session_members(leader):
        _signal(pid, signal.SIGKILL)
    return len(members)


def _alive(pid: int) -> bool:
    """Running, not a zombie (a child of ours that exited stays a zombie until reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _session_members(sid: int) -> list[int]:
    """Every live process of session ``sid``: the Airflow task processes set their own
    process group (setpgid) but stay in the session we started."""
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


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def spawn(layout: Layout, service: Service) -> int:
    pid = _read_pid(layout, service.name)
    if pid:
        print(f"  {service.name}: already running (pid {pid})")
        return pid
    for port in service.ports:
        if _listening(port):
            raise ClusterError(f"{service.name}: port {port} is already taken by a process we did not start")
    layout.service_logs.mkdir(parents=True, exist_ok=True)
    service.cwd.mkdir(parents=True, exist_ok=True)
    log_path = layout.service_logs / f"{service.name}.log"
    if log_path.exists():  # keep the last run's log; readiness is read from a fresh one
        log_path.replace(log_path.with_suffix(".log.prev"))
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        service.argv,
        env=service.env,
        cwd=service.cwd,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session: stop() ends it and everything it forks
    )
    log.close()
    _write_pid(layout, service.name, proc.pid)
    print(f"  {service.name}: started (pid {proc.pid}), log {layout.service_logs / (service.name + '.log')}")
    return proc.pid


def wait_for(what: str, check, timeout: float, log: Path | None = None, pid: int | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pid is not None and not _alive(pid):
            raise ClusterError(f"{what} exited during start-up; last lines of {log}:\n{_tail(log)}")
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 - not ready yet; the timeout reports it
            pass
        time.sleep(1)
    raise ClusterError(
        f"{what} not ready after {timeout:.0f} s" + (f"; last lines of {log}:\n{_tail(log)}" if log else "")
    )


def _tail(path: Path | None, lines: int = 30) -> str:
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


# --- PostgreSQL ----------------------------------------------------------------------


def pg_binary(name: str) -> str:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if not found:
        raise ClusterError(f"PostgreSQL's {name} not found (looked in {', '.join(map(str, PG_BIN_DIRS))} and PATH)")
    return found


def pg_run_as() -> str | None:
    """PostgreSQL's user: ourselves, or, when we are root, the system user PG_USER (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                PG_USER,
            ],
            what=f"creating system user {PG_USER}",
        )
    return PG_USER


def _chown(path: Path, user: str | None) -> None:
    if user:
        entry = pwd.getpwnam(user)
        for p in [path, *path.rglob("*")]:
            os.chown(p, entry.pw_uid, entry.pw_gid)


# Where PostgreSQL's folder goes when its unprivileged user cannot reach the cluster folder
# (a checkout under a private directory, such as a `mktemp -d` clone): one folder per cluster.
PG_FALLBACK_BASE = Path("/var/tmp/lca-ml-pg")


def _reachable_by(user: str, path: Path) -> bool:
    """Whether ``user`` can enter ``path`` (every parent needs its execute bit for them)."""
    return subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True).returncode == 0


def choose_pg_dir(layout: Layout, user: str | None) -> Path:
    """``pg/`` under the cluster folder, unless PostgreSQL's user cannot reach it there.

    PostgreSQL refuses to run as root, so as root it runs as PG_USER, which must be able
    to enter its data folder. A cluster folder inside a private directory is out of its
    reach; then the folder goes under PG_FALLBACK_BASE, named by the cluster folder, and
    ``pg.path`` records where, so that stop and status find it again.
    """
    if layout.pg_location_file.is_file():
        return layout.pg_dir
    chosen = layout.root / "pg"
    if user and not _reachable_by(user, layout.root):
        PG_FALLBACK_BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
        PG_FALLBACK_BASE.chmod(0o755)
        chosen = PG_FALLBACK_BASE / hashlib.sha256(str(layout.root).encode()).hexdigest()[:16]
        layout.pg_location_file.write_text(f"{chosen}\n")
        print(
            f"  postgres: {user} cannot enter {layout.root}; its folder is {chosen} (recorded in {layout.pg_location_file})"
        )
    return chosen


def start_postgres(layout: Layout, secret: dict[str, str]) -> None:
    user = pg_run_as()
    pg_dir = choose_pg_dir(layout, user)
    pg_dir.mkdir(parents=True, exist_ok=True)
    layout.pg_socket_dir.mkdir(parents=True, exist_ok=True)
    if not (layout.pg_data / "PG_VERSION").exists():
        if layout.pg_data.exists():  # an initdb that did not finish: ours, under var/cluster
            shutil.rmtree(layout.pg_data)
        pwfile = pg_dir / "pwfile"
        pwfile.write_text(secret["pg_password"] + "\n")
        pwfile.chmod(0o600)
        _chown(pg_dir, user)
        try:
            run(
                [
                    pg_binary("initdb"),
                    "-D",
                    str(layout.pg_data),
                    "-U",
                    "airflow",
                    "--pwfile",
                    str(pwfile),
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
                what="initdb",
                user=user,
                cwd=pg_dir,
            )
        finally:
            pwfile.unlink()
        print(f"  postgres: new cluster in {layout.pg_data}")
    _chown(pg_dir, user)
    as_user = ["runuser", "-u", user, "--"] if user else []
    status = subprocess.run(
        [*as_user, pg_binary("pg_ctl"), "-D", str(layout.pg_data), "status"], capture_output=True, cwd=pg_dir
    )
    if status.returncode == 0:
        print("  postgres: already running")
    elif _listening(PORTS["postgres"]):
        raise ClusterError(f"postgres: port {PORTS['postgres']} is already taken by a process we did not start")
    else:
        options = (
            f"-p {PORTS['postgres']} -c listen_addresses=127.0.0.1 -c unix_socket_directories={layout.pg_socket_dir}"
        )
        run(
            [
                pg_binary("pg_ctl"),
                "-D",
                str(layout.pg_data),
                "-l",
                str(layout.pg_log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            what="pg_ctl start",
            user=user,
            cwd=pg_dir,
        )
        print(f"  postgres: started on 127.0.0.1:{PORTS['postgres']}, log {layout.pg_log}")
    _write_pid(layout, "postgres", int((layout.pg_data / "postmaster.pid").read_text().splitlines()[0]))
    wait_for(
        "postgres",
        lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORTS["postgres"])]).returncode == 0,
        30,
        layout.pg_log,
    )

    import psycopg2

    conn = psycopg2.connect(
        host="127.0.0.1", port=PORTS["postgres"], user="airflow", password=secret["pg_password"], dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'")
        if cur.fetchone() is None:
            cur.execute("CREATE DATABASE airflow")
    conn.close()


def stop_postgres(layout: Layout) -> None:
    if not (layout.pg_data / "postmaster.pid").exists():
        _pid_file(layout, "postgres").unlink(missing_ok=True)
        return
    user = pg_run_as()
    run(
        [pg_binary("pg_ctl"), "-D", str(layout.pg_data), "-m", "fast", "-w", "-t", "60", "stop"],
        what="pg_ctl stop",
        user=user,
        cwd=layout.pg_dir,
    )
    _pid_file(layout, "postgres").unlink(missing_ok=True)
    print("  postgres: stopped")


# --- Redis ---------------------------------------------------------------------------


def redis_service(layout: Layout, secret: dict[str, str]) -> Service:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ClusterError("redis-server not found: `make cluster` installs Debian's redis-server (apt-get, as root)")
    return Service(
        name="redis",
        argv=[
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(PORTS["redis"]),
            "--protected-mode",
            "yes",
            "--requirepass",
            secret["redis_password"],
            "--dir",
            str(layout.redis_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            "",
        ],
        env=base_env(),
        cwd=layout.redis_dir,
        ports=(PORTS["redis"],),
    )


def redis_ping(secret: dict[str, str]) -> bool:
    import redis

    return bool(
        redis.Redis(host="127.0.0.1", port=PORTS["redis"], password=secret["redis_password"], socket_timeout=2).ping()
    )


# --- start / stop --------------------------------------------------------------------


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _worker_ready(log: Path, host: str) -> bool:
    return log.exists() and f"{host}@lca ready." in log.read_text(errors="replace")


def check_prerequisites() -> None:
    missing = []
    for module in ("airflow.providers.celery", "airflow.providers.fab", "psycopg2", "redis"):
        probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if probe.returncode != 0:
            missing.append(module)
    if missing:
        raise ClusterError(
            f"not installed in {VENV_BIN.parent}: {', '.join(missing)}; "
            "run `make cluster` (it installs the .[cluster] extra)"
        )


def start(layout: Layout) -> None:
    started = time.monotonic()
    check_prerequisites()
    settings = load_settings()
    secret = load_or_create_secrets(layout)
    for path in (
        layout.logs,
        layout.shared,
        layout.locks,
        layout.airflow_home,
        layout.redis_dir,
        *(layout.host(h) for h in (CONTROL_HOST, *WORKERS)),
    ):
        path.mkdir(parents=True, exist_ok=True)

    print("PostgreSQL")
    start_postgres(layout, secret)
    print("Redis")
    redis = redis_service(layout, secret)
    pid = spawn(layout, redis)
    wait_for("redis", lambda: redis_ping(secret), 30, layout.service_logs / "redis.log", pid)

    print("airflow-init (scripts/cluster/airflow-init.sh)")
    init_env = process_env(layout, secret, CONTROL_HOST, settings)
    init_env.update(
        {"_AIRFLOW_WWW_USER_USERNAME": secret["admin_user"], "_AIRFLOW_WWW_USER_PASSWORD": secret["admin_password"]}
    )
    out = run(["bash", str(INIT_SCRIPT)], env=init_env, what="airflow-init", cwd=layout.host(CONTROL_HOST))
    print("  " + "\n  ".join(line for line in out.splitlines()[-3:]))

    print("Brightway project on each worker host (lca-ml setup-brightway)")
    for host in WORKERS:
        out = run(
            [str(VENV_BIN / "lca-ml"), "setup-brightway"],
            env=process_env(layout, secret, host, settings),
            what=f"lca-ml setup-brightway on {host}",
            cwd=layout.host(host),
        )
        print(f"  {host}: {out.strip().splitlines()[-1]}")

    print("Airflow")
    if not isolation_available():
        print("  (not root or no unshare: the workers see each other's directories, unlike separate hosts)")
    services = airflow_services(layout, secret, settings)
    pids = {s.name: spawn(layout, s) for s in services}
    logs = {s.name: layout.service_logs / f"{s.name}.log" for s in services}
    api = f"http://127.0.0.1:{PORTS['api']}"
    waited = wait_for(
        "api-server", lambda: _http_ok(f"{api}/api/v2/version"), 240, logs["api-server"], pids["api-server"]
    )
    print(f"  api-server: {api}/api/v2/version answers ({waited:.0f} s)")
    wait_for(
        "scheduler",
        lambda: _http_ok(f"http://127.0.0.1:{SCHEDULER_HEALTH_PORT}/health"),
        120,
        logs["scheduler"],
        pids["scheduler"],
    )
    print("  scheduler: health check answers")
    for service in services:
        if service.host in WORKERS:
            wait_for(
                service.name,
                lambda s=service: _worker_ready(logs[s.name], s.host),
                180,
                logs[service.name],
                pids[service.name],
            )
            print(f"  {service.name}: celery worker {service.host}@lca ready")
    for name in ("dag-processor", "triggerer"):
        if not _alive(pids[name]):
            raise ClusterError(f"{name} exited; last lines of {logs[name]}:\n{_tail(logs[name])}")

    print(f"\nCluster ready in {time.monotonic() - started:.0f} s")
    print(f"  UI and REST API: {api}/")
    print(f"  user: {secret['admin_user']}   password: {secret['admin_password']}   (also in {layout.secrets_file})")
    print("  stop with: make cluster-stop")


# Workers first, so no task is left half-done by a missing API server; the broker and the
# database last.
STOP_ORDER = ("worker-worker1", "worker-worker2", "triggerer", "dag-processor", "scheduler", "api-server", "redis")


def stop(layout: Layout, grace: float = 30) -> None:
    names = list(STOP_ORDER) + sorted(
        p.stem for p in layout.pids.glob("*.pid") if p.stem not in STOP_ORDER and p.stem != "postgres"
    )
    for name in names:
        path = _pid_file(layout, name)
        if not path.exists():
            continue
        ended = _end_session(int(path.read_text().split()[0]), grace)
        path.unlink()
        print(f"  {name}: " + (f"stopped ({ended} process(es))" if ended else "not running"))
    stop_postgres(layout)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def status(layout: Layout) -> dict[str, list[int]]:
    result = {}
    for path in sorted(layout.pids.glob("*.pid")) if layout.pids.exists() else []:
        leader = int(path.read_text().split()[0])
        result[path.stem] = _session_members(leader) if path.stem != "postgres" else ([leader] * _alive(leader))
    return result


def airflow_cli(layout: Layout, args: list[str]) -> int:
    """Run ``airflow <args>`` against this cluster (its database, settings and secrets), e.g.
    ``cluster.py airflow tasks clear digits -t benchmark --downstream --yes``."""
    env = process_env(layout, load_or_create_secrets(layout), CONTROL_HOST, load_settings())
    return subprocess.run([str(VENV_BIN / "airflow"), *args], env=env, cwd=layout.host(CONTROL_HOST)).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status", "airflow"))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="for `airflow`: the airflow CLI's arguments")
    args = parser.parse_args(argv)
    layout = default_layout()
    try:
        if args.command == "start":
            start(layout)
        elif args.command == "stop":
            stop(layout)
        elif args.command == "airflow":
            return airflow_cli(layout, args.args)
        else:
            print(json.dumps(status(layout), indent=2))
    except ClusterError as exc:
        print(f"\ncluster {args.command}: {exc}", file=sys.stderr)
        if args.command == "start":
            print("What did start is still running: `make cluster-stop` ends it.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
