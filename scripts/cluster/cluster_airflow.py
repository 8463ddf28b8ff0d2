"""The Airflow services of the native cluster: their settings, environments, commands and readiness.

The topology is docker-compose.yaml's: the api-server, scheduler, dag-processor, triggerer
and Celery workers, all on loopback ports. The Airflow settings come from
deploy/airflow.env, the file compose reads too; this module adds only what differs per
deployment (DEPLOYMENT_KEYS) and, because two workers on one machine stand in for two
hosts, a few per-worker keys (HOST_KEYS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import cluster_supervisor as supervisor
from cluster_layout import (
    CONTROL_HOST,
    PORTS,
    REPO,
    SCHEDULER_HEALTH_PORT,
    TRIGGERER_LOG_PORT,
    VENV_BIN,
    WORKERS,
    ClusterError,
    Layout,
    load_or_create_secrets,
)
from cluster_supervisor import Service

SETTINGS_FILE = REPO / "deploy" / "airflow.env"

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
        # One lock for the whole machine (lca.host_lock), not one per simulated host: the
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


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _worker_ready(log: Path, host: str) -> bool:
    return log.exists() and f"{host}@lca ready." in log.read_text(errors="replace")


def api_url() -> str:
    return f"http://127.0.0.1:{PORTS['api']}"


def start(layout: Layout, secret: dict[str, str], settings: dict[str, str]) -> None:
    """Start whichever Airflow service is not running, then wait until every one answers."""
    if not isolation_available():
        print("  (not root or no unshare: the workers see each other's directories, unlike separate hosts)")
    services = airflow_services(layout, secret, settings)
    pids = {s.name: supervisor.spawn(layout, s) for s in services}
    logs = {s.name: layout.service_logs / f"{s.name}.log" for s in services}
    api = api_url()
    waited = supervisor.wait_for(
        "api-server", lambda: _http_ok(f"{api}/api/v2/version"), 240, logs["api-server"], pids["api-server"]
    )
    print(f"  api-server: {api}/api/v2/version answers ({waited:.0f} s)")
    supervisor.wait_for(
        "scheduler",
        lambda: _http_ok(f"http://127.0.0.1:{SCHEDULER_HEALTH_PORT}/health"),
        120,
        logs["scheduler"],
        pids["scheduler"],
    )
    print("  scheduler: health check answers")
    for service in services:
        if service.host in WORKERS:
            supervisor.wait_for(
                service.name,
                lambda s=service: _worker_ready(logs[s.name], s.host),
                180,
                logs[service.name],
                pids[service.name],
            )
            print(f"  {service.name}: celery worker {service.host}@lca ready")
    for name in ("dag-processor", "triggerer"):
        if not supervisor.alive(pids[name]):
            raise ClusterError(f"{name} exited; last lines of {logs[name]}:\n{supervisor.tail(logs[name])}")


# Workers first, so no task is left half-done by a missing API server.
STOP_ORDER = tuple(f"worker-{host}" for host in WORKERS) + ("triggerer", "dag-processor", "scheduler", "api-server")


def airflow_cli(layout: Layout, args: list[str]) -> int:
    """Run ``airflow <args>`` against this cluster (its database, settings and secrets), e.g.
    ``cluster.py airflow tasks clear digits -t benchmark --downstream --yes``."""
    env = process_env(layout, load_or_create_secrets(layout), CONTROL_HOST, load_settings())
    return subprocess.run([str(VENV_BIN / "airflow"), *args], env=env, cwd=layout.host(CONTROL_HOST)).returncode
