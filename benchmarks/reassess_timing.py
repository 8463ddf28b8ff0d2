"""Time a what-if reassessment of digits against a full run; write benchmarks/reassess_results.md.

Target: ``lca-ml reassess digits --from <run> --set deployment.country=SE`` takes under
20 % of the wall time of the full run it reuses (``lca-ml demo digits``): it skips
training, compression and benchmarking and redoes the inventory, LCIA, interpretation and
report. Both commands run as a user runs them (the real CLI, in a subprocess, through the
study's Airflow DAG with ``dag.test()``), in a throw-away ``LCA_HOME`` so the checkout's
runs and reports are untouched. The Brightway set-up (``lca-ml setup``) is done first and
not timed: both commands need it.

    make benchmark-reassess      (or .venv/bin/python benchmarks/reassess_timing.py [--repeats N])
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "lca.cli"]
TARGET = 0.20


LOADS: list[str] = []


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run the CLI; remember the machine's load (other work on a shared machine slows both commands)."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    out = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - started
    LOADS.append(f"`lca-ml {' '.join(args[:2])}`: {before:.1f} before, {os.getloadavg()[1]:.1f} (5-min) after")
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return elapsed, out.stdout


def _run_id(stdout: str) -> str:
    match = re.search(r"run (\S+): success", stdout)
    if not match:
        sys.exit(f"no run id in the CLI output:\n{stdout}")
    return match.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="reassessments of the same full run (default 2)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "reassess_results.md")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lca-reassess-bench-"))
    env = {**os.environ, "LCA_HOME": str(home)}
    for key in ("AIRFLOW_HOME", "BRIGHTWAY2_DIR", "LCA_REPORTS_DIR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        env.pop(key, None)
    _run(["setup"], env)
    full_s, full_out = _run(["demo", "digits"], env)
    outputs = [("lca-ml demo digits", full_out)]
    source = _run_id(full_out)
    print(f"full run {source}: {full_s:.1f} s", flush=True)
    reassess = []
    for country in ["SE", "PL", "DE"][: args.repeats]:
        seconds, out = _run(["reassess", "digits", "--from", source, "--set", f"deployment.country={country}"], env)
        reassess.append((country, seconds, _run_id(out)))
        outputs.append((f"lca-ml reassess digits --from {source} --set deployment.country={country}", out))
        print(f"reassess country={country}: {seconds:.1f} s", flush=True)
    trained = [
        p for _, _, run in reassess for p in (home / "var" / "runs" / "digits").glob(f"{_safe(run)}/models/*.pt")
    ]
    median = statistics.median(s for _, s, _ in reassess)
    ratio = median / full_s
    verdict = "meets" if ratio < TARGET else "MISSES"
    lines = [
        "# What-if reassessment against a full run (digits)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M UTC} on {platform.node()} "
        f"({os.cpu_count()} CPUs, {platform.processor() or platform.machine()}), Python {platform.python_version()}, "
        "by `benchmarks/reassess_timing.py`: the real CLI in a subprocess, through the study's Airflow DAG "
        "(`dag.test()`, SQLite), in a throw-away `LCA_HOME`; `lca-ml setup` done first and not timed.",
        "",
        "| command | wall time [s] |",
        "|---|---|",
        "| `lca-ml demo digits` (full run: data, training, 8 compressions, idle, 9 benchmarks, LCA, report) | "
        f"{full_s:.1f} |",
        *(
            f"| `lca-ml reassess digits --from <that run> --set deployment.country={c}` | {s:.1f} |"
            for c, s, _ in reassess
        ),
        "",
        f"Median reassessment / full run: **{ratio:.1%}** (target: under {TARGET:.0%}): {verdict} the target.",
        f"Models written by the reassessments: {len(trained)} (none expected: nothing is trained).",
        "",
        "Load average of the shared 2-core machine around each command (other sessions' work slows both): "
        + "; ".join(LOADS)
        + ".",
        "",
        "The reassessment's time is the Airflow run itself (parsing, one process per task in `dag.test()`), "
        "writing the run's foreground into Brightway, the LCIA, 10,000 paired Monte Carlo draws, the sensitivity "
        "(7 countries, tornado), the Excel export and the report's charts; the full run adds the measured stages, "
        "whose energy windows are fixed by the study (10 s per benchmark, 5 s idle).",
        "",
        "Console output of each command (one line per task: elapsed, status, task, its duration, its key figure):",
        "",
        *(line for command, out in outputs for line in (f"`{command}`:", "", "```", out.strip(), "```", "")),
    ]
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


def _safe(run_id: str) -> str:
    sys.path.insert(0, str(REPO))
    from lca.settings import safe_name

    return safe_name(run_id)


if __name__ == "__main__":
    main()
