"""The cluster's PostgreSQL: the metadata database, from the machine's PostgreSQL 15 binaries.

pg_ctl starts and stops it (it detaches the postmaster itself), so it is recorded in
``pids/postgres.pid`` for ``status`` only, and never signalled by the supervisor.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import cluster_supervisor as supervisor
from cluster_layout import PORTS, ClusterError, Layout

# PostgreSQL refuses to run as root: when we are root it runs as this system user.
PG_USER = "lcaml"
PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
# Where PostgreSQL's folder goes when its unprivileged user cannot reach the cluster folder
# (a checkout under a private directory, such as a `mktemp -d` clone): one folder per cluster.
PG_FALLBACK_BASE = Path("/var/tmp/lca-ml-pg")
NAME = "postgres"


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
        supervisor.run(
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
            f"  postgres: {user} cannot enter {layout.root}; its folder is {chosen} (recorded in "
            f"{layout.pg_location_file})"
        )
    return chosen


def _initdb(layout: Layout, pg_dir: Path, user: str | None, password: str) -> None:
    if layout.pg_data.exists():  # an initdb that did not finish: ours, under var/cluster
        shutil.rmtree(layout.pg_data)
    pwfile = pg_dir / "pwfile"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    _chown(pg_dir, user)
    try:
        supervisor.run(
            [
                pg_binary("initdb"),
                *("-D", str(layout.pg_data), "-U", "airflow", "--pwfile", str(pwfile)),
                *("--auth=scram-sha-256", "-E", "UTF8", "--locale=C"),
            ],
            what="initdb",
            user=user,
            cwd=pg_dir,
        )
    finally:
        pwfile.unlink()
    print(f"  postgres: new cluster in {layout.pg_data}")


def start(layout: Layout, secret: dict[str, str]) -> str:
    """Start PostgreSQL unless it runs, and create the ``airflow`` database if missing.

    Returns the identity of that database: the PostgreSQL cluster's system identifier (new
    at every initdb) and the database's oid (new when it is dropped and created again). A
    set-up step done for one identity is not done for another (cluster_init.py).
    """
    user = pg_run_as()
    pg_dir = choose_pg_dir(layout, user)
    pg_dir.mkdir(parents=True, exist_ok=True)
    layout.pg_socket_dir.mkdir(parents=True, exist_ok=True)
    if not (layout.pg_data / "PG_VERSION").exists():
        _initdb(layout, pg_dir, user, secret["pg_password"])
    as_user = ["runuser", "-u", user, "--"] if user else []
    status = subprocess.run(
        [*as_user, pg_binary("pg_ctl"), "-D", str(layout.pg_data), "status"], capture_output=True, cwd=pg_dir
    )
    if status.returncode == 0:
        print("  postgres: already running")
    elif supervisor.listening(PORTS["postgres"]):
        raise ClusterError(f"postgres: port {PORTS['postgres']} is already taken by a process we did not start")
    else:
        _chown(pg_dir, user)
        options = (
            f"-p {PORTS['postgres']} -c listen_addresses=127.0.0.1 -c unix_socket_directories={layout.pg_socket_dir}"
        )
        supervisor.run(
            [pg_binary("pg_ctl"), "-D", str(layout.pg_data), "-l", str(layout.pg_log), "-w", "-t", "60"]
            + ["-o", options, "start"],
            what="pg_ctl start",
            user=user,
            cwd=pg_dir,
        )
        print(f"  postgres: started on 127.0.0.1:{PORTS['postgres']}, log {layout.pg_log}")
    supervisor.record(layout, NAME, int((layout.pg_data / "postmaster.pid").read_text().splitlines()[0]))
    supervisor.wait_for(
        "postgres",
        lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORTS["postgres"])]).returncode == 0,
        30,
        layout.pg_log,
    )
    return _ensure_database(secret["pg_password"])


def _ensure_database(password: str) -> str:
    import psycopg2

    conn = psycopg2.connect(
        host="127.0.0.1", port=PORTS["postgres"], user="airflow", password=password, dbname="postgres"
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'")
            if cur.fetchone() is None:
                cur.execute("CREATE DATABASE airflow")
            cur.execute(
                "SELECT (SELECT system_identifier FROM pg_control_system()), oid FROM pg_database WHERE datname = "
                "'airflow'"
            )
            system_identifier, oid = cur.fetchone()
    finally:
        conn.close()
    return f"{system_identifier}/{oid}"


def stop(layout: Layout) -> None:
    if not (layout.pg_data / "postmaster.pid").exists():
        supervisor.forget(layout, NAME)
        return
    supervisor.run(
        [pg_binary("pg_ctl"), "-D", str(layout.pg_data), "-m", "fast", "-w", "-t", "60", "stop"],
        what="pg_ctl stop",
        user=pg_run_as(),
        cwd=layout.pg_dir,
    )
    supervisor.forget(layout, NAME)
    print("  postgres: stopped")


def status(layout: Layout) -> list[int]:
    """The postmaster, if it runs."""
    pid = supervisor.running(layout, NAME)
    return [pid] if pid else []
