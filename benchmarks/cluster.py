"""Wall time of studies on the two-worker cluster against the embedded `make demo`; writes benchmarks/cluster_results.md.

Measured in one run, on one machine:

1. ``lca-ml demo digits``: the embedded path (``dag.test()`` on SQLite, one process),
   after an untimed ``lca-ml setup``;
2. the digits study on a fresh two-worker cluster (scripts/cluster/cluster.py, under a
   throw-away folder and on free ports), from the REST trigger to the run's end;
3. the three built-in studies (digits, fraud_screening, grid_load) triggered together on
   the same cluster, until the last one ends.

The cluster's start-up (about a minute) is timed apart: it is paid once per deployment,
not per run. Energy-measured tasks hold the host lock exclusively (lca/ml/host_lock.py),
so on a 2-core machine the cluster cannot overlap measurements; what it can overlap is
everything else (gates, the LCA, the reports) and the per-task overheads.

    make benchmark-cluster      (or .venv/bin/python benchmarks/cluster.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLUSTER_PY = REPO / "scripts" / "cluster" / "cluster.py"
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "cluster_results.md"
STUDIES = ("digits", "fraud_screening", "grid_load")


def free_port_base(count: int = 7) -> int:
    for _ in range(200):
        base = random.randrange(30000, 40000)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free run of ports")


class Rest:
    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.token = self._call("POST", "/auth/token", {"username": user, "password": password}, auth=False)[
            "access_token"
        ]

    def _call(self, method: str, path: str, body=None, auth: bool = True):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode() if body is not None else None, method=method
        )
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def trigger(self, dag_id: str) -> str:
        deadline = time.monotonic() + 300
        while True:
            try:
                self._call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
                break
            except urllib.error.HTTPError as exc:
                if exc.code != 404 or time.monotonic() > deadline:
                    raise
                time.sleep(3)
        return self._call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})["dag_run_id"]

    def wait(self, runs: dict[str, str], timeout: float) -> dict[str, tuple[str, float]]:
        """State and wall time (from the call) of each run."""
        started, done = time.monotonic(), {}
        while len(done) < len(runs) and time.monotonic() - started < timeout:
            for dag, run in runs.items():
                if dag not in done:
                    state = self._call("GET", f"/api/v2/dags/{dag}/dagRuns/{run}")["state"]
                    if state in ("success", "failed"):
                        done[dag] = (state, time.monotonic() - started)
            time.sleep(3)
        return {dag: done.get(dag, ("timed out", time.monotonic() - started)) for dag in runs}

    def hosts(self, dag_id: str, run_id: str) -> dict[str, int]:
        tis = self._call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=300")["task_instances"]
        counts: dict[str, int] = {}
        for ti in tis:
            counts[ti["hostname"] or "-"] = counts.get(ti["hostname"] or "-", 0) + 1
        return counts


def time_embedded(home: Path) -> float:
    env = {**os.environ, "LCA_HOME": str(home)}
    for key in ("AIRFLOW_HOME", "BRIGHTWAY2_DIR", "LCA_REPORTS_DIR"):
        env.pop(key, None)
    subprocess.run([str(BIN / "lca-ml"), "setup"], env=env, check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run([str(BIN / "lca-ml"), "demo", "digits"], env=env, check=True, capture_output=True)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-embedded", action="store_true", help="cluster runs only")
    parser.add_argument("--budget-minutes", type=float, default=120, help="give up on the runs after this long")
    args = parser.parse_args()
    deadline = time.monotonic() + args.budget_minutes * 60
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="lca-cluster-bench-"))
    root = REPO / "var" / f"cluster-bench-{os.getpid()}"
    env = {**os.environ, "LCA_CLUSTER_DIR": str(root), "LCA_CLUSTER_PORT_BASE": str(free_port_base())}
    rows, notes = [], []
    try:
        embedded = None if args.skip_embedded else time_embedded(scratch)
        if embedded:
            print(f"embedded lca-ml demo digits: {embedded:.0f} s")
        started = time.monotonic()
        subprocess.run([sys.executable, str(CLUSTER_PY), "start"], env=env, check=True, capture_output=True)
        startup = time.monotonic() - started
        print(f"cluster start: {startup:.0f} s")
        secrets = dict(line.split("=", 1) for line in (root / "secrets.env").read_text().splitlines() if "=" in line)
        rest = Rest(f"http://127.0.0.1:{int(env['LCA_CLUSTER_PORT_BASE']) + 2}", secrets["admin_user"],
                    secrets["admin_password"])

        run = rest.trigger("digits")
        single = rest.wait({"digits": run}, timeout=max(60.0, deadline - time.monotonic()))["digits"]
        print(f"cluster digits: {single}")
        rows.append(("digits alone, two-worker cluster", single[1], single[0], rest.hosts("digits", run)))

        runs = {dag: rest.trigger(dag) for dag in STUDIES}
        together = rest.wait(runs, timeout=max(60.0, deadline - time.monotonic()))
        last = max(t for _, t in together.values())
        if any(state != "success" for state, _ in together.values()):
            notes.append("Not every run of the three succeeded within the budget: their times are lower bounds.")
        for dag, (state, seconds) in together.items():
            rows.append((f"{dag}, the three triggered together", seconds, state, rest.hosts(dag, runs[dag])))
        print(f"cluster three studies: {together}")
    finally:
        subprocess.run([sys.executable, str(CLUSTER_PY), "stop"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)

    lines = [
        "# The two-worker cluster against the embedded `make demo`",
        "",
        f"Written by `benchmarks/cluster.py` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}; "
        f"1-minute load average {load_before[0]:.1f} when it started (the machine is shared).",
        "",
        "| what | wall time [s] | state | task instances per host |",
        "|---|---|---|---|",
    ]
    if embedded:
        lines.append(f"| `lca-ml demo digits`, embedded (dag.test, SQLite, one process) | {embedded:.0f} | success | one process |")
    for what, seconds, state, hosts in rows:
        lines.append(f"| {what} | {seconds:.0f} | {state} | {', '.join(f'{h}: {n}' for h, n in sorted(hosts.items()))} |")
    lines += ["", f"Cluster start-up, once per deployment: {startup:.0f} s.", ""]
    if embedded:
        lines.append(f"- digits on the cluster / embedded: **{single[1] / embedded:.2f}**")
        lines.append(f"- three studies together on the cluster / three embedded digits-sized runs in a row: "
                     f"**{last / (3 * embedded):.2f}** (last of the three ends after {last:.0f} s)")
    lines += [""] + notes
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
