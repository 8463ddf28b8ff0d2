"""Where a native cluster keeps its state, which ports it listens on, and its secrets.

Everything lives under ``var/cluster/`` (``LCA_CLUSTER_DIR`` moves it):

    pg/data            PostgreSQL data directory (a fresh initdb, owned by the unprivileged PG_USER;
                       under /var/tmp/lca-ml-pg/ instead, recorded in pg.path, when that user
                       cannot enter this folder)
    redis/             the broker's append-only file
    airflow/           AIRFLOW_HOME of the control processes (api-server, scheduler, ...)
    logs/              Airflow task logs, shared by every process, as the compose ``logs`` mount is
    hosts/<name>/      each host's own working directory: LCA_HOME, Brightway, AIRFLOW_HOME
    shared/            the artefact root every host shares (LCA_ARTIFACT_ROOT, lca/storage.py)
    locks/             the machine's host lock (LCA_HOST_LOCK_DIR): one GPU energy window at a time
    pids/<name>.pid    the leader of each process we started, its start time and its token
                       (cluster_supervisor.py)
    stamps/            what the one-time set-up steps last ran for (cluster_init.py)
    logs-services/     each process's stdout and stderr
    secrets.env        passwords and keys, generated once (mode 600)

The modules of scripts/cluster import each other by name (the folder is not a package:
``python scripts/cluster/cluster.py`` puts it first on sys.path, and the workers get it on
PYTHONPATH for cluster_host.py), hence the ``cluster_`` prefix that keeps them from
shadowing an installed package such as ``redis``.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

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


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def pg_location_file(self) -> Path:
        return self.root / "pg.path"

    @property
    def pg_dir(self) -> Path:
        """PostgreSQL's folder: ``pg/`` here, or where ``start`` recorded it (cluster_postgres.choose_pg_dir)."""
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
    def stamps(self) -> Path:
        return self.root / "stamps"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.env"

    def host(self, name: str) -> Path:
        return self.root / "hosts" / name


def default_layout() -> Layout:
    return Layout(Path(os.environ.get("LCA_CLUSTER_DIR", REPO / "var" / "cluster")).resolve())


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
