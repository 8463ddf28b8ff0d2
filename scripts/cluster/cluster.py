"""Start, heal and stop the project's multi-worker Airflow on this machine, without Docker.

``make cluster`` runs ``start``, ``make cluster-heal`` runs ``heal``, ``make cluster-stop``
runs ``stop``. The topology is the one of docker-compose.yaml: PostgreSQL, Redis, the
airflow-init steps, the api-server, scheduler, dag-processor, triggerer and Celery
workers, all on loopback ports, everything under ``var/cluster/`` (cluster_layout.py).

``start`` is idempotent and quick when little is missing: what runs is left alone, a
service whose leader is gone has its orphans ended and is started again, and the set-up
steps (migrations, admin user, pools, Brightway projects) run only when what they depend
on changed (cluster_init.py). ``heal`` only ends the processes a killed leader left behind
(cluster_supervisor.py says how they are told from anyone else's). The parts:

    cluster_layout.py      folders, ports, secrets
    cluster_supervisor.py  process start, stop, status and orphans; pid files
    cluster_postgres.py    PostgreSQL
    cluster_redis.py       Redis
    cluster_airflow.py     the Airflow services: settings, environments, commands, readiness
    cluster_init.py        the one-time set-up steps and their stamps
    cluster_host.py        the host name a worker reports (imported by Airflow in the workers)
    cluster_client.py      the REST API as a script uses it (tests, benchmarks)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from importlib import metadata

import cluster_airflow
import cluster_init
import cluster_postgres
import cluster_redis
import cluster_supervisor as supervisor
from cluster_layout import CONTROL_HOST, VENV_BIN, WORKERS, ClusterError, Layout, default_layout, load_or_create_secrets

# The providers are looked up as installed distributions: importing them would import Airflow (seconds).
REQUIRED_DISTRIBUTIONS = ("apache-airflow-providers-celery", "apache-airflow-providers-fab")
REQUIRED_MODULES = ("psycopg2", "redis")


def check_prerequisites() -> None:
    missing = [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    for name in REQUIRED_DISTRIBUTIONS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise ClusterError(
            f"not installed in {VENV_BIN.parent}: {', '.join(missing)}; "
            "run `make cluster` (it installs the .[cluster] extra)"
        )


def start(layout: Layout) -> None:
    started = time.monotonic()
    check_prerequisites()
    settings = cluster_airflow.load_settings()
    secret = load_or_create_secrets(layout)
    for path in (layout.logs, layout.shared, layout.locks, layout.airflow_home):
        path.mkdir(parents=True, exist_ok=True)
    for host in (CONTROL_HOST, *WORKERS):
        layout.host(host).mkdir(parents=True, exist_ok=True)

    print("PostgreSQL")
    database = cluster_postgres.start(layout, secret)
    print("Redis")
    cluster_redis.start(layout, secret, cluster_airflow.base_env())
    print("airflow-init (scripts/cluster/airflow-init.sh)")
    cluster_init.airflow_init(layout, secret, settings, database)
    print("Brightway project on each worker host (lca-ml setup-brightway)")
    cluster_init.setup_brightway(layout, secret, settings)
    print("Airflow")
    cluster_airflow.start(layout, secret, settings)

    print(f"\nCluster ready in {time.monotonic() - started:.0f} s")
    print(f"  UI and REST API: {cluster_airflow.api_url()}/")
    print(f"  user: {secret['admin_user']}   password: {secret['admin_password']}   (also in {layout.secrets_file})")
    print("  stop with: make cluster-stop")


def _spawned(layout: Layout) -> list[str]:
    """What the supervisor started, in stopping order: the Airflow services, anything else, the broker."""
    recorded = [n for n in supervisor.recorded(layout) if n != cluster_postgres.NAME]
    ordered = [n for n in cluster_airflow.STOP_ORDER if n in recorded]
    rest = sorted(n for n in recorded if n not in ordered and n != cluster_redis.NAME)
    return ordered + rest + [n for n in (cluster_redis.NAME,) if n in recorded]


def stop(layout: Layout, grace: float = 30) -> None:
    for name, ended in supervisor.stop(layout, _spawned(layout), grace).items():
        print(f"  {name}: " + (f"stopped ({ended} process(es))" if ended else "not running"))
    cluster_postgres.stop(layout)  # the database last


def heal(layout: Layout, grace: float = 5) -> None:
    healed = supervisor.heal(layout, _spawned(layout), grace)
    for name, ended in healed.items():
        print(f"  {name}: leader gone, ended {ended} process(es) it left behind")
    if not healed:
        print("  every recorded leader runs: nothing left behind")
    else:
        print("  `make cluster` starts them again")


def status(layout: Layout) -> dict[str, list[int]]:
    """Each recorded process's live members (for a gone leader: its orphans, until healed)."""
    result = {name: supervisor.members(supervisor.read_leader(layout, name)) for name in _spawned(layout)}
    if cluster_postgres.NAME in supervisor.recorded(layout):
        result[cluster_postgres.NAME] = cluster_postgres.status(layout)
    return dict(sorted(result.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status", "heal", "airflow"))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="for `airflow`: the airflow CLI's arguments")
    args = parser.parse_args(argv)
    layout = default_layout()
    try:
        if args.command == "start":
            start(layout)
        elif args.command == "stop":
            stop(layout)
        elif args.command == "heal":
            heal(layout)
        elif args.command == "airflow":
            return cluster_airflow.airflow_cli(layout, args.args)
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
