"""Drive a running cluster as a script would: free ports to start one on, and its REST API.

Shared by the cluster integration test (tests/cluster/test_cluster_run.py) and the cluster
benchmark (benchmarks/cluster.py), which both start a throw-away cluster beside anyone's
default one and then talk to it only through what a user has: the REST API with a JWT
from ``/auth/token``. Standard library only, so it runs in any Python that can reach the
api-server.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

# cluster_layout.py places the services at LCA_CLUSTER_PORT_BASE, +1, +2, ... (postgres, redis, api, ...).
PORTS_PER_CLUSTER = 7
API_OFFSET = 2
FINISHED = ("success", "failed")


def free_port_base(count: int = PORTS_PER_CLUSTER, low: int = 20000, high: int = 40000) -> int:
    """A base port N such that N .. N+count-1 are all free on loopback right now."""
    for _ in range(200):
        base = random.randrange(low, high - count)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no run of {count} free ports between {low} and {high}")


def remove_cluster_dir(cluster_dir: Path) -> None:
    """Delete a stopped throw-away cluster: its folder, and PostgreSQL's if cluster.py put it elsewhere (pg.path)."""
    location = cluster_dir / "pg.path"
    if location.is_file():
        shutil.rmtree(location.read_text().strip(), ignore_errors=True)
    shutil.rmtree(cluster_dir, ignore_errors=True)


def read_secrets(cluster_dir: Path) -> dict[str, str]:
    """The admin user and password ``cluster.py start`` generated (``secrets.env``)."""
    text = (cluster_dir / "secrets.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


class AirflowClient:
    """The Airflow 3 REST API (``/api/v2``) with a bearer token fetched on first use."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url, self.user, self.password = url.rstrip("/"), user, password
        self._token: str | None = None

    @classmethod
    def for_cluster(cls, cluster_dir: Path, port_base: int) -> AirflowClient:
        secret = read_secrets(cluster_dir)
        return cls(f"http://127.0.0.1:{port_base + API_OFFSET}", secret["admin_user"], secret["admin_password"])

    def _request(self, method: str, path: str, body=None, token: str | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def _token_for_calls(self) -> str:
        if self._token is None:
            credentials = {"username": self.user, "password": self.password}
            self._token = json.loads(self._request("POST", "/auth/token", credentials))["access_token"]
        return self._token

    def call(self, method: str, path: str, body=None):
        return json.loads(self._request(method, path, body, self._token_for_calls()) or b"null")

    def get_text(self, path: str) -> str:
        """A page, as the UI's plugin views serve it (e.g. ``/lca-reports/files/<study>/<run>/report.html``)."""
        return self._request("GET", path, None, self._token_for_calls()).decode("utf-8")

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body):
        return self.call("POST", path, body)

    def patch(self, path: str, body):
        return self.call("PATCH", path, body)

    def trigger(self, dag_id: str, wait_for_parse_s: float = 300) -> str:
        """Unpause and trigger a DAG; returns the run id.

        Right after start-up the dag-processor may not have parsed the studies yet (404):
        wait for it rather than fail.
        """
        deadline = time.monotonic() + wait_for_parse_s
        while True:
            try:
                self.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})
                break
            except urllib.error.HTTPError as exc:
                if exc.code != 404 or time.monotonic() > deadline:
                    raise
                time.sleep(3)
        return self.post(f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=300")["task_instances"]

    def wait(self, runs: dict[str, str], timeout: float, poll_s: float = 3) -> dict[str, tuple[str, float]]:
        """Each run's final state and its wall time from this call, or ``("timed out", t)``."""
        started, done = time.monotonic(), {}
        while len(done) < len(runs) and time.monotonic() - started < timeout:
            for dag, run in runs.items():
                if dag not in done:
                    state = self.run_state(dag, run)
                    if state in FINISHED:
                        done[dag] = (state, time.monotonic() - started)
            if len(done) < len(runs):
                time.sleep(poll_s)
        return {dag: done.get(dag, ("timed out", time.monotonic() - started)) for dag in runs}

    def hosts(self, dag_id: str, run_id: str) -> dict[str, int]:
        """How many of the run's task instances each host ran (``-`` for none yet)."""
        counts: dict[str, int] = {}
        for ti in self.task_instances(dag_id, run_id):
            counts[ti["hostname"] or "-"] = counts.get(ti["hostname"] or "-", 0) + 1
        return counts
