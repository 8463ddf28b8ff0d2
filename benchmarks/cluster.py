"""Wall time of studies on the two-worker cluster against the embedded `make demo`.

Writes benchmarks/cluster_results.md.

Measured in one run, on one machine:

1. ``lca-ml demo <study>`` for digits, fraud_screening and grid_load, one after another:
   the embedded path (``dag.test()`` on SQLite, one process), after an untimed
   ``lca-ml setup``;
2. the digits study on a fresh two-worker cluster (scripts/cluster/cluster.py, under a
   throw-away folder and on free ports), from the REST trigger to the run's end;
3. the same three studies triggered together on that cluster, until the last one ends,
   against the three embedded runs in a row.

The cluster's start-up (about a minute) is timed apart: it is paid once per deployment,
not per run. Energy is attributed to each task's own processes (issue 18), so no task
holds the host for itself: the two workers measure at the same time. The benchmark
counts the energy windows of the two workers that overlapped, and sets digits' attributed
energy per item on the cluster (alone and beside the two other studies) beside the
embedded run's, each with its interval: a figure that no longer depends on its
neighbours should agree across the three.

    make benchmark-cluster      (or .venv/bin/python benchmarks/cluster.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lca.records import VariantBenchmark
from lca.settings import safe_name

REPO = Path(__file__).resolve().parent.parent
CLUSTER_PY = REPO / "scripts" / "cluster" / "cluster.py"
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "cluster_results.md"
sys.path.insert(0, str(CLUSTER_PY.parent))
from cluster_client import AirflowClient, free_port_base, remove_cluster_dir  # noqa: E402  (scripts/cluster is not a package)

STUDIES = ("digits", "fraud_screening", "grid_load")
CAVEATS = (
    "What the ratios do and do not show:",
    "",
    "- Both workers run on this one 2-core machine. No task holds the host for itself any more (energy is",
    "  attributed to each task's own processes), so measured tasks overlap too; but two cores are two cores:",
    "  a second machine, not a second worker on the same one, is what shortens a study.",
    "- Every Celery task pays a process start and a DAG parse, which `dag.test()` pays once; the cluster's",
    "  tasks also hand their inputs and outputs through the artefact store rather than one process's memory.",
    "- Absolute times depend on the machine's load (shared with other work); the embedded and cluster",
    "  figures above were measured in the same run, one after the other.",
)


def time_embedded(home: Path, studies=STUDIES) -> dict[str, float]:
    """Wall time of ``lca-ml demo`` for each study, one after another, in one fresh LCA_HOME."""
    env = {**os.environ, "LCA_HOME": str(home)}
    for key in ("AIRFLOW_HOME", "BRIGHTWAY2_DIR", "LCA_REPORTS_DIR", "LCA_ARTIFACT_ROOT"):
        env.pop(key, None)
    subprocess.run([str(BIN / "lca-ml"), "setup"], env=env, check=True, capture_output=True)
    times = {}
    for study in studies:
        started = time.monotonic()
        subprocess.run([str(BIN / "lca-ml"), "demo", study], env=env, check=True, capture_output=True)
        times[study] = time.monotonic() - started
        print(f"embedded lca-ml demo {study}: {times[study]:.0f} s")
    return times


def digits_energy(root: Path, run_id: str | None = None) -> dict[str, VariantBenchmark]:
    """digits' scored benchmark records under ``root`` (of one run, when named), by variant."""
    found = {}
    for path in sorted(root.glob("**/runs/digits/*/benchmarks/scored/*.json")):
        if run_id is None or path.parts[-4] == safe_name(run_id):
            record = VariantBenchmark.load(path)
            found[record.variant] = record
    return found


def windows_overlapping_across_hosts(root: Path) -> tuple[int, int]:
    """(pairs of energy windows on different workers that overlapped in time, windows in all)."""
    spans = []
    for path in root.glob("**/runs/*/*/**/*.json"):
        try:
            record = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        for r in (record, record.get("energy"), record.get("idle_energy")) if isinstance(record, dict) else ():
            if isinstance(r, dict) and isinstance(r.get("window"), dict) and "stage" in r:
                w = r["window"]
                spans.append((r["host"], w["started_at"], w["ended_at"]))
    spans = sorted(set(spans))
    pairs = sum(1 for i, a in enumerate(spans) for b in spans[i + 1 :] if a[0] != b[0] and a[1] < b[2] and b[1] < a[2])
    return pairs, len(spans)


def energy_table(columns: dict[str, dict[str, VariantBenchmark]]) -> list[str]:
    """Attributed energy per item (mJ) of each digits variant in each setting, with its stated interval (widened
    by the contention term where a window was contended) and the runtime it was deployed in: figures of different
    runtimes measure different programs, so only like for like counts towards agreement."""

    def cell(b: VariantBenchmark | None) -> str:
        if b is None:
            return "-"
        mj = b.energy_per_item_kwh * 3.6e9
        low, high = (v * 3.6e9 for v in b.energy_interval_kwh_per_item or (b.energy_per_item_kwh,) * 2)
        flag = " (upper bound)" if b.energy_bound else ""
        flag += " (contended)" if b.energy_contended else ""
        return f"{mj:.3f} [{low:.3f}, {high:.3f}]{flag}, {b.runtime}"

    variants = sorted({v for c in columns.values() for v in c}, key=lambda v: (v != "baseline", v))
    lines = ["| variant | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for v in variants:
        lines.append(f"| {v} | " + " | ".join(cell(c.get(v)) for c in columns.values()) + " |")
    agree, unlike = [], []
    for v in variants:
        found = [c[v] for c in columns.values() if v in c]
        intervals = [b.energy_interval_kwh_per_item for b in found]
        if len(found) != len(columns) or not all(intervals):
            continue
        if len({b.runtime for b in found}) > 1:
            unlike.append(v)
            continue
        agree.append(max(i[0] for i in intervals) <= min(i[1] for i in intervals))  # type: ignore[index]
    lines += [
        "",
        f"Variants deployed in the same runtime in all {len(columns)} settings whose intervals overlap in all of "
        f"them: **{sum(agree)} of {len(agree)}**"
        + (f"; not like for like (another runtime in one setting): {', '.join(unlike)}." if unlike else "."),
    ]
    return lines


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
        embedded = {} if args.skip_embedded else time_embedded(scratch)
        energies = {"embedded (demo)": digits_energy(scratch)} if embedded else {}
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
        energies["cluster, digits alone"] = digits_energy(root, run)
        energies["cluster, three studies together"] = digits_energy(root, runs["digits"])
        overlaps, windows = windows_overlapping_across_hosts(root)
    finally:
        subprocess.run([sys.executable, str(CLUSTER_PY), "stop"], env=env, capture_output=True)
        remove_cluster_dir(root)
        shutil.rmtree(scratch, ignore_errors=True)

    lines = [
        "# The two-worker cluster against the embedded `make demo`",
        "",
        f"Written by `benchmarks/cluster.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, Python "
        f"{platform.python_version()}; "
        f"1-minute load average {load_before[0]:.1f} when it started and {os.getloadavg()[0]:.1f} when it ended "
        "(the machine is shared).",
        "",
        "| what | wall time [s] | state | task instances per host |",
        "|---|---|---|---|",
    ]
    for study, seconds in embedded.items():
        lines.append(
            f"| `lca-ml demo {study}`, embedded (dag.test, SQLite, one process) | {seconds:.0f} | success | one "
            "process |"
        )
    for what, seconds, state, hosts in rows:
        lines.append(
            f"| {what} | {seconds:.0f} | {state} | {', '.join(f'{h}: {n}' for h, n in sorted(hosts.items()))} |"
        )
    lines += ["", f"Cluster start-up, once per deployment: {startup:.0f} s.", ""]
    lines += [
        f"Energy windows on the cluster: {windows}; pairs measured at the same time on the two workers: "
        f"**{overlaps}** (no task holds the host lock; a GPU window would).",
        "",
        "## digits: attributed energy per item [mJ] and its 5-95 % interval, by setting",
        "",
        *energy_table(energies),
        "",
    ]
    if embedded:
        in_a_row = sum(embedded.values())
        lines.append(f"- digits on the cluster / embedded: **{single[1] / embedded['digits']:.2f}**")
        lines.append(
            f"- the three studies together on the cluster / the three embedded in a row ({in_a_row:.0f} s): "
            f"**{last / in_a_row:.2f}** (the last of the three ends after {last:.0f} s)"
        )
    lines += ["", *notes, *([""] if notes else []), *CAVEATS]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
