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
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLUSTER_PY = REPO / "scripts" / "cluster" / "cluster.py"
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "cluster_results.md"
sys.path.insert(0, str(CLUSTER_PY.parent))
from cluster_client import AirflowClient, free_port_base  # noqa: E402  (scripts/cluster is not a package)

STUDIES = ("digits", "fraud_screening", "grid_load")


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
        rest = AirflowClient.for_cluster(root, int(env["LCA_CLUSTER_PORT_BASE"]))

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
