"""Scale benchmark: a study linked to an ecoinvent-sized SYNTHETIC background; writes benchmarks/lca_background_results.md.

The background is generated from a seed by :mod:`lca.assessment.brightway.synthetic`
(SYNTHETIC, ecoinvent-shaped: 5,000 and 20,000 activities, about 10 technosphere
inputs each, lognormal uncertainty on every exchange, about 300 real biosphere3
flows that IPCC 2021 and EF v3.1 characterise). The digits study (9 model
variants + the reference = 10 scenarios, 4 impact categories) links its grid
electricity, its four devices and its office heating to it. Measured in one run,
for each size:

* the one-off background sampling: Brightway's deterministic scores of the linked
  activities and one paired ``MultiLCA`` Monte Carlo over all of them
  (``--draws``, 10,000 by default, the study's iterations), cached;
* a further run: the cache lookup (database fingerprint) and the engine's 10,000
  paired iterations x 10 scenarios x 4 categories, statistics and break-even included;
* Brightway's paired ``MultiLCA`` on the same model (the run's foreground written
  on top of the synthetic background), over ``--bw-iterations`` (200) and
  extrapolated linearly to the same 10,000 (one matrix draw and solve each);
* memory: tracemalloc's peak during the engine run, and the process's peak RSS.

Targets: the one-off cost is at most Brightway's own cost for the same number of
draws; each further run is at least 100x faster than Brightway's.

bw2calc uses pypardiso when it is installed, SciPy's SuperLU otherwise. ``--scipy``
hides pypardiso from this run (product and comparison alike); ``--compare-solvers``
also times Brightway's paired MultiLCA with the other solver, in a child process, on
the same databases. On this machine SciPy was the faster of the two on this
background (see the results), so the project does not depend on pypardiso.

    make benchmark-background   (or .venv/bin/python benchmarks/lca_background_scale.py [--sizes 5000 20000])
    .venv/bin/python benchmarks/lca_background_scale.py --smoke   (seconds; what the test suite runs)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
warnings.filterwarnings("ignore")

OUT = REPO / "benchmarks" / "lca_background_results.md"
STUDY = REPO / "include" / "studies" / "digits.yaml"
PROJECT = "bench-synthetic-background"
SEED = 20261201


def _hide_pypardiso() -> None:
    sys.modules["pypardiso"] = None  # type: ignore[assignment]  # bw2calc then falls back to SciPy


def database_name(size: int) -> str:
    return f"SYNTHETIC ecoinvent-shaped {size} activities (seed {SEED})"


def links(size: int) -> dict:
    db = database_name(size)
    return {
        "electricity": {"database": db, "name": "market for electricity, low voltage", "location": "FR"},
        "devices": {
            "server_2s_r740": {"database": db, "code": "server"},
            "desktop_pro": {"database": db, "code": "desktop"},
            "monitor": {"database": db, "code": "monitor"},
            "laptop_pro": {"database": db, "code": "laptop"},
        },
        "office_heat": {"database": db, "code": "heat-gas"},
    }


def linked_study(size: int, draws: int, iterations: int = 10_000):
    from lca.study.loading import load_study

    study = load_study(STUDY)
    spec = study.lca.model_copy(
        update={
            "background": study.lca.model_validate({"background": links(size)}).background,
            "monte_carlo_iterations": iterations,
            "background_draws": draws,
            "sensitivity_iterations": min(iterations, 1000),
        }
    )
    return study.model_copy(update={"lca": spec})


def inventory(study, links_, draws_path: str, size: int):
    """The digits study's inventory from fixed, plausible energy records (the timing does not depend on them)."""
    import benchmarks.lca_monte_carlo as base
    from lca.assessment.inventory import build_inventory

    records = base.synthetic_records(study)  # the same records as benchmarks/lca_monte_carlo.py
    return build_inventory(study, f"benchmark-{size}", **records, links=links_, background_draws=draws_path)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(size: int, draws: int, bw_iterations: int, engine_iterations: int) -> dict:
    import numpy as np

    from lca.assessment.brightway import synthetic
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.linking import linked_background
    from lca.assessment.brightway.montecarlo import paired_draws
    from lca.assessment.brightway.project import activate
    from lca.assessment.characterization import method_unit
    from lca.assessment.interpretation import monte_carlo

    study = linked_study(size, draws, engine_iterations)
    methods = study.impact_methods
    units = {m: method_unit(m) for m in methods}
    bd = activate(PROJECT)
    row: dict = {"size": size, "draws": draws, "engine_iterations": engine_iterations}

    t0 = time.perf_counter()
    row["exchanges"] = synthetic.write(
        bd, database_name(size), size, methods, seed=SEED, inputs_per_activity=10, flows=300
    )
    row["generate_s"] = time.perf_counter() - t0
    print(f"[{size}] synthetic database written in {row['generate_s']:.1f} s", flush=True)

    t0 = time.perf_counter()
    links_, draws_path = linked_background(study, PROJECT)
    row["oneoff_s"] = time.perf_counter() - t0
    meta = json.loads(Path(draws_path).with_suffix(".json").read_text())
    row["oneoff_draws_s"] = meta["seconds"]
    row["linked_activities"] = len(meta["activities"])
    row["rss_after_oneoff_mb"] = rss_mb()
    print(
        f"[{size}] one-off: {row['oneoff_s']:.1f} s ({draws:,} paired draws of {len(meta['activities'])} "
        f"linked activities in {meta['seconds']:.1f} s)",
        flush=True,
    )

    # A further run, as another run or study with the same background pays it.
    t0 = time.perf_counter()
    links_again, draws_again = linked_background(study, PROJECT)
    row["cache_lookup_s"] = time.perf_counter() - t0
    assert draws_again == draws_path
    inv = inventory(study, links_again, draws_again, size)
    monte_carlo(inv, methods, units, 100, 0)  # warm-up (imports), as the pipeline's task pays once
    tracemalloc.start()
    t0 = time.perf_counter()
    results, _ = monte_carlo(inv, methods, units, engine_iterations, seed=1)
    row["engine_s"] = time.perf_counter() - t0
    row["engine_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    row["further_run_s"] = row["cache_lookup_s"] + row["engine_s"]
    row["scenarios"], row["categories"] = len(inv.scenarios), len(methods)
    print(f"[{size}] further run: lookup {row['cache_lookup_s']:.2f} s + engine {row['engine_s']:.2f} s", flush=True)

    database = write_inventory(inv, project=PROJECT)
    t0 = time.perf_counter()
    bw = paired_draws(inv, database, methods, bw_iterations, seed=2, project=PROJECT)
    row["bw_s"] = time.perf_counter() - t0
    row["bw_iterations"] = bw_iterations
    row["bw_extrapolated_s"] = row["bw_s"] * engine_iterations / bw_iterations
    row["bw_same_draws_s"] = row["bw_s"] * draws / bw_iterations
    row["rss_peak_mb"] = rss_mb()
    print(f"[{size}] Brightway paired MultiLCA: {bw_iterations} iterations in {row['bw_s']:.1f} s", flush=True)

    # Agreement of the means (engine: draws x Brightway background draws; Brightway: its own full draws).
    from lca.assessment.engine import compile_model, evaluate, sample, scenario_totals

    model = compile_model(inv, methods)
    mine = scenario_totals(model, evaluate(model, sample(model, engine_iterations, seed=3)))
    se = np.sqrt(bw.var(axis=2, ddof=1) / bw.shape[2] + mine.var(axis=2, ddof=1) / mine.shape[2])
    row["max_z"] = float(np.nanmax(np.abs(bw.mean(axis=2) - mine.mean(axis=2)) / np.where(se > 0, se, np.nan)))
    row["stats"] = len(results.stats)
    return row


def brightway_only(size: int, bw_iterations: int, draws: int) -> dict:
    """Brightway's paired MultiLCA alone (for the solver comparison), on the databases ``measure`` wrote."""
    from lca.assessment.brightway.foreground import database_name as fg_name
    from lca.assessment.brightway.linking import linked_background
    from lca.assessment.brightway.montecarlo import paired_draws

    study = linked_study(size, draws)
    links_, draws_path = linked_background(study, PROJECT)  # cached by the main process
    inv = inventory(study, links_, draws_path, size)
    t0 = time.perf_counter()
    paired_draws(inv, fg_name(inv), study.impact_methods, bw_iterations, seed=2, project=PROJECT)
    return {"size": size, "bw_s": time.perf_counter() - t0, "bw_iterations": bw_iterations}


def solver() -> str:
    import bw2calc

    return "pypardiso" if bw2calc.PYPARDISO else "SciPy (SuperLU)"


def write_results(rows: list[dict], solver_rows: list[dict], out: Path, seconds: float) -> None:
    import bw2calc
    import bw2data

    lines = [
        "# Scale benchmark: a study linked to an ecoinvent-sized SYNTHETIC background",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `benchmarks/lca_background_scale.py` in one run "
        f"({seconds:.0f} s) on {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with "
        f"other jobs; Python {platform.python_version()}, bw2data {bw2data.__version__}, bw2calc {bw2calc.__version__}, "
        f"solver: **{solver()}**.",
        "",
        "The background is **SYNTHETIC** (not ecoinvent, not real data): generated from seed "
        f"{SEED} by `lca.assessment.brightway.synthetic` with about 10 technosphere inputs per activity "
        "(diagonally dominant, so it always solves), lognormal uncertainty (GSD 1.05-1.5) on every exchange, "
        "and emissions of 300 real biosphere3 flows characterised by IPCC 2021 GWP100 and EF v3.1. The digits study "
        "links its grid electricity, its four devices and its office heating to it (the rest of its background "
        "stays the project's).",
        "",
        "| activities (exchanges) | linked | one-off: scores + paired draws (s) | Brightway, same number of draws (s) | "
        "further run: cache lookup + engine (s) | Brightway paired MultiLCA, measured | extrapolated to the engine's "
        "iterations (s) | speed-up of a further run | engine peak memory (MB) | process peak RSS (MB) | means: max z |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for r in rows:
        speedup = r["bw_extrapolated_s"] / r["further_run_s"]
        lines.append(
            f"| {r['size']:,} ({r['exchanges']:,}) | {r['linked_activities']} | {r['oneoff_s']:.1f} ({r['draws']:,} draws) | "
            f"{r['bw_same_draws_s']:.1f} | {r['cache_lookup_s']:.2f} + {r['engine_s']:.2f} = {r['further_run_s']:.2f} "
            f"({r['engine_iterations']:,} it. x {r['scenarios']} scen. x {r['categories']} cat.) | "
            f"{r['bw_iterations']} it. in {r['bw_s']:.1f} s | {r['bw_extrapolated_s']:.0f} | **{speedup:,.0f} x** | "
            f"{r['engine_peak_mb']:.0f} | {r['rss_peak_mb']:.0f} | {r['max_z']:.1f} |"
        )
        one_ok = r["oneoff_s"] <= r["bw_same_draws_s"]
        verdicts.append(
            f"- {r['size']:,} activities: one-off {r['oneoff_s']:.1f} s vs Brightway's {r['bw_same_draws_s']:.1f} s for "
            f"the same {r['draws']:,} draws: **{'met' if one_ok else 'missed'}** "
            f"({r['oneoff_s'] / r['bw_same_draws_s']:.2f} x Brightway's cost); further run {speedup:,.0f} x faster "
            f"than Brightway's paired MultiLCA: **{'met' if speedup >= 100 else 'missed'}** (target 100 x)."
        )
    lines += [
        "",
        "Targets (one-off at most Brightway's own cost for the same draws; each further run at least "
        "100 x faster than Brightway's):",
        "",
        *verdicts,
        "",
    ]
    if solver_rows:
        this, other = solver(), ("pypardiso" if solver() != "pypardiso" else "SciPy (SuperLU)")
        lines += [
            "Solver: Brightway's paired MultiLCA on the same model with each solver (same databases, same run; "
            "the other solver in a child process right after):",
            "",
            f"| activities | iterations ({other}) | {this} (s/it.) | {other} (s/it.) | {other} / {this} |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r, s in zip(rows, solver_rows):
            a, b = r["bw_s"] / r["bw_iterations"], s["bw_s"] / s["bw_iterations"]
            lines.append(f"| {r['size']:,} | {s['bw_iterations']} | {a:.4f} | {b:.4f} | {b / a:.2f} |")
        lines.append("")
    lines += [
        "The engine's iterations reuse the background draws in turn (draw k uses background draw k mod n, "
        "`lca.background_draws`): at this scale one Brightway draw is a full LU factorisation of the technosphere, "
        f"so 10,000 of them at {rows[-1]['size']:,} activities would take about "
        f"{rows[-1]['bw_s'] / rows[-1]['bw_iterations'] * 10_000 / 60:.0f} min on this machine; the one-off column is "
        "measured on the number of draws shown and Brightway's column is its own measured cost per iteration times "
        "the same number. The one-off does the same work per draw as Brightway's own paired MultiLCA (one matrix "
        "draw, one factorisation, fewer demands), plus one deterministic MultiLCA and the cache write: the first "
        "target is a near tie by construction, decided by the machine's noise.",
        "",
        "How to read it: the one-off cost is paid once per (database fingerprint, methods, seed, number of draws) and "
        "cached in the Brightway project's `lca-ml-cache/`; every later run and every other study linking to the same "
        "activities reuses it. Brightway's extrapolation is linear in iterations (one matrix draw and one sparse solve "
        "each). \"means: max z\" compares the engine's means with Brightway's own paired draws of the full model "
        "(|difference| / standard error, over 10 scenarios x 4 categories).",
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument(
        "--draws",
        type=int,
        nargs="+",
        default=[500, 200],
        help="Brightway draws of the linked background sampled once, one per size (reused in turn "
        "by the engine's iterations: lca.background_draws)",
    )
    parser.add_argument("--engine-iterations", type=int, default=10_000)
    parser.add_argument("--bw-iterations", type=int, default=200)
    parser.add_argument("--compare-solvers", action="store_true", help="also time Brightway with SciPy's solver")
    parser.add_argument("--solver-iterations", type=int, default=30, help="iterations of the SciPy comparison")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, written to a temporary file")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--brightway-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scipy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scipy:
        _hide_pypardiso()
    if args.smoke:
        args.sizes, args.draws, args.engine_iterations, args.bw_iterations = [80], [100], 300, 20
        if args.out == OUT:
            args.out = Path(tempfile.mkdtemp(prefix="lca-bg-smoke-")) / "results.md"
    os.environ.setdefault("LCA_HOME", tempfile.mkdtemp(prefix="lca-bg-bench-"))
    os.environ.setdefault("BRIGHTWAY2_DIR", str(Path(os.environ["LCA_HOME"]) / "brightway"))
    Path(os.environ["BRIGHTWAY2_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ.pop("LCA_BRIGHTWAY_PROJECT", None)

    if args.brightway_only:
        print(json.dumps(brightway_only(args.brightway_only, args.bw_iterations, args.draws[0])))
        return

    from lca.assessment.brightway.project import ensure_project
    from lca.study.loading import load_study

    started = time.perf_counter()
    ensure_project(load_study(STUDY).impact_methods, project=PROJECT)
    draws = args.draws + [args.draws[-1]] * (len(args.sizes) - len(args.draws))
    rows = [measure(size, n, args.bw_iterations, args.engine_iterations) for size, n in zip(args.sizes, draws)]
    solver_rows = []
    if args.compare_solvers:
        for size, n in zip(args.sizes, draws):
            other = [] if args.scipy else ["--scipy"]
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    *other,
                    "--brightway-only",
                    str(size),
                    "--bw-iterations",
                    str(args.solver_iterations),
                    "--draws",
                    str(n),
                ],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
                check=True,
            )
            solver_rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"[{size}] other solver: {solver_rows[-1]['bw_s']:.1f} s", flush=True)
    write_results(rows, solver_rows, args.out, time.perf_counter() - started)


if __name__ == "__main__":
    main()
