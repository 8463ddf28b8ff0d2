"""The cluster's Redis: the Celery broker, Debian's redis-server on loopback with a password."""

from __future__ import annotations

import shutil
from pathlib import Path

import cluster_supervisor as supervisor
from cluster_layout import PORTS, ClusterError, Layout
from cluster_supervisor import Service

NAME = "redis"


def service(layout: Layout, secret: dict[str, str], env: dict[str, str]) -> Service:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ClusterError("redis-server not found: `make cluster` installs Debian's redis-server (apt-get, as root)")
    return Service(
        name=NAME,
        argv=[
            binary,
            *("--bind", "127.0.0.1", "--port", str(PORTS["redis"]), "--protected-mode", "yes"),
            *("--requirepass", secret["redis_password"]),
            *("--dir", str(layout.redis_dir), "--appendonly", "yes", "--save", ""),
            *("--daemonize", "no", "--logfile", ""),
        ],
        env=env,
        cwd=layout.redis_dir,
        ports=(PORTS["redis"],),
    )


def ping(secret: dict[str, str]) -> bool:
    import redis

    return bool(
        redis.Redis(host="127.0.0.1", port=PORTS["redis"], password=secret["redis_password"], socket_timeout=2).ping()
    )


def start(layout: Layout, secret: dict[str, str], env: dict[str, str]) -> None:
    layout.redis_dir.mkdir(parents=True, exist_ok=True)
    pid = supervisor.spawn(layout, service(layout, secret, env))
    supervisor.wait_for("redis", lambda: ping(secret), 30, layout.service_logs / "redis.log", pid)
