"""Measure, in one run on this machine, what the ML stage's numbers rest on; write benchmarks/ml_results.md.

1. CodeCarbon's own overhead: a fixed CPU workload timed with and without the
   tracker (start and stop included), alternating, in pairs. Target: at most 1.05,
   judged by a paired sign-flip test of tracked / untracked against 1.05 at a declared
   alpha (lca.ml.significance.paired_test); the number of pairs is chosen so that the
   test can reach that alpha. PASS: significantly below the target; FAIL:
   significantly above it; otherwise not resolved (and the ratio of medians says nothing).
2. Every compression method and architecture variant of the digits study
   (include/studies/digits.yaml) on the digits CNN: latency at batch 1 and a
   large batch, energy per item against the baseline (same tracker, idle measured
   in the same run, several windows) and the accuracy change on the same held-out
   digits. A speed-up or an energy saving counts only when a paired sign-flip test over
   calls (and energy windows) of the variant and the baseline run in alternation rejects
   "no difference" at the stated alpha (lca.ml.benchmark_verdicts); otherwise the table
   says "no significant difference". Target for int8 dynamic quantization:
   a significant speed-up at some batch size with at most 1 point of accuracy lost.

Speed targets are checked here, not in unit tests: timings depend on the machine
and its load. Usage:  make benchmark   (or .venv/bin/python benchmarks/ml_benchmarks.py [--quick])
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("LCA_HOME", tempfile.mkdtemp(prefix="lca-bench-"))
warnings.filterwarnings("ignore")

OUT = REPO / "benchmarks" / "ml_results.md"
RUNTIME_RESULTS = REPO / "benchmarks" / "runtime_results.md"  # written by runtime_benchmarks.py
OVERHEAD_TARGET = 1.05
ACCURACY_POINTS_TARGET = 1.0


def workload(iterations: int) -> None:
    """A fixed amount of CPU work (not a fixed time): products of a seeded matrix."""
    import torch

    torch.manual_seed(0)
    a = torch.randn(384, 384)
    for _ in range(iterations):
        a = torch.tanh(a @ a / 20.0)


def codecarbon_overhead(seconds: float, pairs: int, threads: int) -> dict:
    """Tracked vs untracked wall time of the same work; the tracker's first use in a process is timed apart."""
    import torch

    from lca.ml.energy import track_energy

    torch.set_num_threads(threads)
    start = time.perf_counter()
    workload(200)
    iterations = max(1, int(200 * seconds / (time.perf_counter() - start)))  # about ``seconds`` of work
    start = time.perf_counter()
    with track_energy("overhead-first-use", "FRA"):
        pass
    first_use = time.perf_counter() - start
    plain, tracked = [], []
    for _ in range(pairs):
        start = time.perf_counter()
        workload(iterations)
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        with track_energy("overhead", "FRA"):
            workload(iterations)
        tracked.append(time.perf_counter() - start)
    from lca.ml.significance import paired_test

    return {
        "plain": plain,
        "tracked": tracked,
        "first_use": first_use,
        "ratio": statistics.median(tracked) / statistics.median(plain),
        "against_target": paired_test(tracked, plain, margin=OVERHEAD_TARGET),
        "against_none": paired_test(tracked, plain),
    }


def overhead_verdict(against_target) -> str:
    """PASS or FAIL only when the paired test separates the overhead from the target at its alpha."""
    from lca.ml.significance import HIGHER, LOWER

    word = {LOWER: "PASS", HIGHER: "FAIL"}.get(against_target.verdict, "NOT RESOLVED")
    return f"**{word}**: tracked / untracked against {OVERHEAD_TARGET}: {against_target.statement()}"


def compression_table(window: float, repeats: int, epochs: int | None, threads: int, windows: int) -> dict:
    import torch

    from lca.ml.benchmarking import benchmark_variant, score_against_baseline
    from lca.ml.compression import compress
    from lca.ml.compression.context import CompressionContext
    from lca.ml.data import load_card, load_split, prepare_dataset
    from lca.ml.energy import measure_idle
    from lca.ml.models import build_model
    from lca.ml.routing import DeliveredQuality
    from lca.ml.significance import ALPHA, pairs_needed
    from lca.ml.tasks import task_for
    from lca.ml.training import fit, seed_everything
    from lca.study.loading import load_study

    load_start = os.getloadavg()[0]
    study = load_study(REPO / "include" / "studies" / "digits.yaml")
    bench_spec = study.benchmark.model_copy(
        update={
            "energy_window_seconds": window,
            "latency_repeats": repeats,
            "latency_batch_sizes": [1, 512],
            "threads": threads,
            "energy_windows": windows,
            # the baseline's windows interleaved with each variant's, for the energy verdict, when they can reach alpha
            "energy_pairs": windows if windows >= pairs_needed(ALPHA) else 0,
            "alpha": ALPHA,
        }
    )
    training = study.training if epochs is None else study.training.model_copy(update={"epochs": epochs})
    data = prepare_dataset(study.dataset, Path(os.environ["LCA_HOME"]) / "digits.csv", task_kind="multiclass")
    card = load_card(data)
    train, test = load_split(data, "train", card), load_split(data, "test", card)
    # the confidence routing rule chooses its threshold on the validation split, as the pipeline does
    validation = load_split(data, "validation", card) if study.routing.needs_validation else None
    task = task_for("multiclass")
    seed_everything(training.seed)
    baseline = build_model(study.model, card.input_shape, 10)
    fit(
        baseline,
        train.x,
        train.y,
        epochs=training.epochs,
        batch_size=training.batch_size,
        learning_rate=training.learning_rate,
        seed=training.seed,
        loss=task.loss,
    )
    ctx = CompressionContext(train.x, train.y, training, task, 10, model_spec=study.model)
    variants = {"baseline": (baseline, "uncompressed")}
    for spec in study.compression:
        torch.manual_seed(training.seed)
        variants[spec.name] = compress(spec, baseline, ctx)
    idle = measure_idle(study.benchmark.idle_window_seconds, study.deployment.country)
    results = [
        benchmark_variant(
            variant=name,
            description=desc,
            model=model,
            test=test,
            task_spec=study.task,
            spec=bench_spec,
            routing=study.routing,
            country_iso3=study.deployment.country,
            idle=idle,
            train_y=train.y_true,
            validation=validation,
            delivered=DeliveredQuality.of(study),
            reference=None if name == "baseline" else baseline,
        )
        for name, (model, desc) in variants.items()
    ]
    return {
        "results": score_against_baseline(results, ALPHA),
        "idle": idle,
        "window": window,
        "repeats": repeats,
        "windows": windows,
        "epochs": training.epochs,
        "load": (load_start, os.getloadavg()[0]),
        "methods": {s.name: s.method for s in study.compression},
    }


def render(overhead: dict, table: dict, started: str, elapsed: float) -> str:
    import torch

    results = {b.variant: b for b in table["results"]}
    base = results["baseline"]
    sizes = [s.batch_size for s in base.latency]
    small, large = sizes[0], sizes[-1]
    lines = [
        "# ML benchmarks: CodeCarbon overhead and compression methods on the digits CNN",
        "",
        f"Measured {started} on `{platform.node()}`: {base.energy.cpu_model}, {os.cpu_count()} logical CPUs, "
        f"torch {torch.__version__} ({base.threads} threads), CodeCarbon {base.energy.codecarbon_version}, "
        f"quantized engine `{torch.backends.quantized.engine}`. Whole run: {elapsed:.0f} s.",
        f"Energy method: **{base.energy.method}** ({base.energy.method_detail}); uncertainty of each energy figure: "
        f"lognormal GSD {base.energy.uncertainty.gsd}. {_energy_caveat(base.energy.method)}",
        f"Load average (1 min) of the machine: {table['load'][0]:.1f} at the start of the compression table, "
        f"{table['load'][1]:.1f} at its end, on {os.cpu_count()} logical CPUs. {_load_caveat(base.energy.method)}",
        "Regenerate with `make benchmark`. Timings depend on the machine and on anything else running on it.",
        "",
        "## CodeCarbon overhead",
        "",
        f"Fixed workload (seeded 384x384 matrix products, about {statistics.median(overhead['plain']):.0f} s), run "
        f"untracked and tracked alternately, {len(overhead['plain'])} pairs; tracked time includes starting and "
        f"stopping the tracker. The tracker's first use in a process (imports, hardware detection) took "
        f"{overhead['first_use']:.2f} s once and is not in the ratio; each pipeline stage pays it once.",
        "",
        "| | median wall time [s] | runs [s] |",
        "|---|---:|---|",
        f"| untracked | {statistics.median(overhead['plain']):.3f} | "
        f"{', '.join(f'{t:.2f}' for t in overhead['plain'])} |",
        f"| tracked | {statistics.median(overhead['tracked']):.3f} | "
        f"{', '.join(f'{t:.2f}' for t in overhead['tracked'])} |",
        "",
        f"Ratio of medians tracked / untracked: {overhead['ratio']:.3f}; geometric mean of the paired ratios: "
        f"{overhead['against_none'].ratio:.3f}. Any overhead at all: {overhead['against_none'].statement()}.",
        "",
        f"**Target tracked / untracked <= {OVERHEAD_TARGET}**: {overhead_verdict(overhead['against_target'])}. "
        "Paired sign-flip test over the pairs' log ratios (each untracked run next to its tracked run, so the "
        "machine's drift cancels out); PASS and FAIL are verdicts at the stated alpha, NOT RESOLVED means the "
        "pairs do not separate the overhead from the target.",
        "",
        "## Compression methods on the digits CNN",
        "",
        f"Baseline: `small_cnn` from include/studies/digits.yaml, {table['epochs']} epochs, {base.n_test_items} "
        "held-out "
        f"digits. Latency: median of {table['repeats']} timed runs after {base.latency[0].warmup} warm-up runs, "
        "with the "
        f"interval of the runs (5th-95th percentile). "
        f"Energy per item: inference at batch {base.batch_size} for {table['window']:g} s, split into "
        f"{table['windows']} consecutive tracked windows (sampling every {base.energy.sampling_interval_s:g} s); the "
        f"interval is the 5th-95th percentile of the per-window energy per item. {_idle_sentence(table['idle'])}",
        "",
        "**Verdicts.** Each variant is also timed (and, with enough windows, measured for energy) in alternation "
        "with the baseline, the order within a pair alternating; a verdict is a paired sign-flip test over those "
        "pairs at the stated alpha, with its p-value (lca.ml.benchmark_verdicts), so the machine's drift between "
        "variants cancels out. *faster* (*less energy*) and *slower* (*more*) are called only at p <= alpha; "
        "otherwise **no significant difference**, whatever the ratio of medians says. Speed-up and energy ratio "
        "columns are baseline / variant and variant / baseline medians of each variant's own series, and the "
        "intervals (5th-95th percentile) the spread of those runs: given for scale only.",
        "*Better than trivial*: the variant's accuracy minus the majority-class floor's on the same held-out digits, "
        "with its paired bootstrap 95 % interval over the items; *yes* only when the interval lies above 0 "
        "(two-sided alpha = 0.05), **NO** otherwise.",
        "",
        f"| variant | method | accuracy | change [points] | params (non-zero) | latency b{small} [ms] (p5-p95) | "
        f"speed-up b{small} | verdict b{small} | latency b{large} [ms] (p5-p95) | speed-up b{large} | verdict "
        f"b{large} | "
        f"energy/item [kWh] (p5-p95) | energy ratio | energy verdict | better than trivial |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---|---|",
    ]
    for name, b in results.items():
        lat = {s.batch_size: s for s in b.latency}
        base_lat = {s.batch_size: s for s in base.latency}
        ci = b.energy_interval_kwh_per_item
        trivial = "-" if b.trivial is None else _trivial(b.trivial)
        lines.append(
            f"| {name} | {table['methods'].get(name, '-')} | {b.primary_value:.4f} | {-100 * b.quality_loss:+.2f} | "
            f"{b.n_parameters:,} ({b.n_nonzero_parameters:,}) | "
            f"{lat[small].median_ms:.3f} ({_ci(lat[small].interval, 3)}) | "
            f"{base_lat[small].median_ms / lat[small].median_ms:.2f} | "
            f"{_verdict(name, b.speed_tests.get(str(small)))} | "
            f"{lat[large].median_ms:.2f} ({_ci(lat[large].interval, 2)}) | "
            f"{base_lat[large].median_ms / lat[large].median_ms:.2f} | "
            f"{_verdict(name, b.speed_tests.get(str(large)))} | "
            f"{b.energy_per_item_kwh:.3g} ({_ci(ci, None)}) | "
            f"{b.energy_per_item_kwh / base.energy_per_item_kwh:.2f} | {_verdict(name, b.energy_test)} | "
            f"{trivial} |"
        )
    q = results.get("int8_dynamic")
    if q is not None:
        lat = {s.batch_size: s for s in q.latency}
        base_lat = {s.batch_size: s for s in base.latency}
        verdict = {int(k): v for k, v in q.speed_verdicts.items()}
        faster_at = [size for size in sizes if verdict.get(size) == "faster"]
        points = 100 * q.quality_loss
        met = bool(faster_at) and points <= ACCURACY_POINTS_TARGET
        described = "; ".join(
            f"batch {size}: {lat[size].median_ms:.3f} ms ({_ci(lat[size].interval, 3)}) vs baseline "
            f"{base_lat[size].median_ms:.3f} ms ({_ci(base_lat[size].interval, 3)}), "
            f"{q.speed_tests[str(size)].statement if str(size) in q.speed_tests else verdict.get(size)}"
            for size in sizes
        )
        lines += [
            "",
            f"**int8 dynamic quantization target** (a significant speed-up at some batch size, with at most "
            f"{ACCURACY_POINTS_TARGET:g} point of accuracy lost): {described}; accuracy change {-points:+.2f} points: "
            f"**{'PASS' if met else 'FAIL'}**.",
        ]
        if not met:
            lines.append(
                "Why: torchao's dynamic int8 (`Int8DynamicActivationInt8WeightConfig`) quantizes only the two linear "
                "layers and, on CPU, runs them through reference kernels that quantize each activation row at run "
                "time, multiply in int8 and dequantize; for layers this small (512x64 and 64x10) that per-call "
                "overhead outweighs the cheaper matrix product, and the convolutions, which do most of the work, stay "
                "float. Eager `torch.ao.quantization.quantize_dynamic` (fbgemm kernels) was faster at batch 512 in "
                "a separate "
                "measurement on this machine, but it is deprecated in torch 2.13 and no longer used (see "
                "lca/ml/compression/quantization.py)."
            )
    lines += runtime_section(RUNTIME_RESULTS.read_text() if RUNTIME_RESULTS.is_file() else "")
    lines += ["", "## What each variant is", ""]
    lines += [f"- **{b.variant}**: {b.description}" for b in results.values()]
    return "\n".join(lines) + "\n"


def runtime_section(runtime_results: str) -> list[str]:
    """The runtime dimension (issue 24): the targets and the variant x runtime table of runtime_results.md, included
    as they were measured there (a separate run, `make benchmark-runtimes`), not measured again here."""
    lines = ["", "## Runtimes: every variant in eager, torch.compile and ONNX Runtime", ""]
    if not runtime_results:
        return lines + ["Not measured yet: run `make benchmark-runtimes` (benchmarks/runtime_benchmarks.py)."]
    body = runtime_results.split("\n", 1)[1].strip()  # without its title
    lines.append(
        "Included from [runtime_results.md](runtime_results.md) (`make benchmark-runtimes`), measured in its own run: "
        "its dates and load are its own."
    )
    lines += ["", RUNTIME_VERDICTS_CAVEAT]
    return lines + ["", *("#" + line if line.startswith("## ") else line for line in body.splitlines())]


def _energy_caveat(method: str) -> str:
    """What an energy ratio means under the method that measured it (lca.records.energy)."""
    from lca.records.energy import ATTRIBUTED_METHODS

    if method in ATTRIBUTED_METHODS and method.startswith("cpu_power_model"):
        return (
            "No power meter here: each figure is the task's own CPU time times a per-thread power, so energy "
            "ratios follow CPU time; treat them as such."
        )
    if method in ATTRIBUTED_METHODS:
        return "Each figure is attributed to the benchmark's own process tree (lca.ml.energy)."
    return (
        "On a machine without RAPL this is CodeCarbon's load x TDP estimate, so energy ratios mostly follow CPU time; "
        "treat them as such."
    )


def _load_caveat(method: str) -> str:
    """Other processes always slow the timed calls; they enter the energy windows only under a machine-wide method."""
    from lca.records.energy import ATTRIBUTED_METHODS

    where = (
        "every latency series (and, through contention, the task's own CPU time in every energy window)"
        if method in ATTRIBUTED_METHODS
        else "every latency series and every energy window (CodeCarbon tracks the whole machine)"
    )
    return (
        f"Other processes count in {where}: a verdict between two variants that do the same arithmetic (dense "
        "magnitude-pruned models) measures that noise, not the variant."
    )


def _idle_sentence(idle) -> str:
    if idle.mean_power_w > 0:
        return f"Idle power measured in the same run: {idle.mean_power_w:.1f} W."
    return (
        f"Idle power: 0 W under method {idle.method}, which counts the task's own CPU time only (no machine-wide "
        "draw to subtract)."
    )


RUNTIME_VERDICTS_CAVEAT = (
    "**Every verdict states its alpha.** Within a variant (compiled against eager, the deployed runtime against "
    "eager) the runtimes are timed in alternating rounds, so the verdicts are paired sign-flip tests. Across variants "
    "(int8 compiled against float eager, pruned_50 against the baseline) the series come from different sweeps and no "
    "pairing holds: those are one-sided Mann-Whitney U tests, which assume the machine did not drift between the "
    "sweeps, and say so."
)


def _ci(interval, digits: int | None) -> str:
    if interval is None:
        return "no interval"
    if digits is None:
        return f"{interval[0]:.3g}-{interval[1]:.3g}"
    return f"{interval[0]:.{digits}f}-{interval[1]:.{digits}f}"


def _trivial(trivial) -> str:
    """Better than the trivial floor: yes only when the paired bootstrap 95 % interval of the difference is above 0."""
    word = "yes" if trivial.significantly_better else "**NO**"
    return f"{word} ({trivial.difference:+.3f}, 95 % interval {trivial.ci_low:+.3f} to {trivial.ci_high:+.3f})"


def _verdict(name: str, test) -> str:
    """A verdict with its test, p and alpha (lca.records.VerdictTest); PASS and FAIL mark the significant ones."""
    if name == "baseline" or test is None:
        return "-"
    mark = {
        "faster": "**PASS** ",
        "significantly lower": "**PASS** ",
        "slower": "**FAIL** ",
        "significantly higher": "**FAIL** ",
    }
    return mark.get(test.verdict, "") + test.statement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="short windows and training: checks the script, not the machine"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on a 2-vCPU VM two threads make latencies swing several-fold run to run)",
    )
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.perf_counter()
    from lca.ml.significance import ALPHA, pairs_needed

    overhead = codecarbon_overhead(
        seconds=1.0 if args.quick else 10.0,
        pairs=2 if args.quick else pairs_needed(ALPHA) + 2,  # 8 at 5 %: the exact test can reach alpha, with room
        threads=args.threads,
    )
    table = compression_table(
        window=2.0 if args.quick else 15.0,
        repeats=5 if args.quick else 50,
        epochs=2 if args.quick else None,
        threads=args.threads,
        windows=2 if args.quick else pairs_needed(ALPHA),  # enough windows for a paired test to reach alpha
    )
    text = render(overhead, table, started, time.perf_counter() - t0)
    args.out.write_text(text)
    print(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
