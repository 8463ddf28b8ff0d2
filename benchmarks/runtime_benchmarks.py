"""Every digits variant in every runtime, on this machine; writes benchmarks/runtime_results.md.

The digits CNN of include/studies/digits.yaml is trained as the study trains it, and
the variants that build in seconds (float baseline, torchao dynamic int8, PT2E static
int8, 50 % magnitude pruning, rank-8 factorisation) are each run in eager PyTorch,
``torch.compile`` (Inductor) and ONNX Runtime, plus ONNX Runtime's own dynamic int8
quantization of the float graphs (lca.ml.runtimes). For each: the one-off preparation
(compile, export, quantize) wall time, the check of its predictions against eager on
the held-out digits, and the median latency with its 5th-95th percentile over the
repeats, at batch 1 and 512, with 1 thread and all cores.

Targets, each a verdict that can fail, at a stated error rate (alpha = ALPHA):
- compiled float at least 2x faster than eager float at batch 512: a paired sign-flip
  test (lca.ml.significance.paired_test) on the calls of one sweep, which alternates
  the runtimes round by round, puts compiled below 0.5 x eager;
- int8 compiled (PT2E static) no slower than float eager: the two are different
  variants, timed in different sweeps, so no pairing holds; a one-sided Mann-Whitney U
  test must not find int8 compiled slower. Unpaired, it assumes the machine did not
  drift between the two sweeps, and the file says so. The dense-pruning comparison is
  made the same way.

Each variant compiles once (one graph per batch size) and exports once; the artefacts
go to a scratch folder of this run. Usage:  make benchmark-runtimes
(or .venv/bin/python benchmarks/runtime_benchmarks.py [--quick]).
"""

from __future__ import annotations

import argparse
import os
import platform
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

OUT = REPO / "benchmarks" / "runtime_results.md"
VARIANTS = ("int8_dynamic", "int8_static", "pruned_50", "low_rank_8")
RUNTIMES = ["eager", "compiled", "onnxruntime", "onnxruntime_int8"]
BATCHES = [1, 512]
COMPILED_SPEEDUP_TARGET = 2.0
ALPHA = 0.05  # the error rate every verdict of this file is drawn at
UNPAIRED = "one-sided Mann-Whitney U, unpaired (different sweeps)"


def build_variants(epochs: int | None):
    import torch

    from lca.ml.compression import compress
    from lca.ml.compression.context import CompressionContext
    from lca.ml.data import load_card, load_split, prepare_dataset
    from lca.ml.models import build_model
    from lca.ml.tasks import task_for
    from lca.ml.training import fit, seed_everything
    from lca.study.loading import load_study

    study = load_study(REPO / "include" / "studies" / "digits.yaml")
    training = study.training if epochs is None else study.training.model_copy(update={"epochs": epochs})
    data = prepare_dataset(study.dataset, Path(os.environ["LCA_HOME"]) / "digits.csv", task_kind="multiclass")
    card = load_card(data)
    train, test = load_split(data, "train", card), load_split(data, "test", card)
    task = task_for("multiclass")
    seed_everything(training.seed)
    baseline = build_model(study.model, card.input_shape, 10)
    fit(baseline, train.x, train.y, epochs=training.epochs, batch_size=training.batch_size,
        learning_rate=training.learning_rate, seed=training.seed, loss=task.loss)  # fmt: skip
    ctx = CompressionContext(train.x, train.y, training, task, 10, model_spec=study.model)
    variants = {"baseline": (baseline.eval(), "uncompressed float model")}
    for spec in study.compression:
        if spec.name in VARIANTS:
            torch.manual_seed(training.seed)
            variants[spec.name] = compress(spec, baseline, ctx)
    return study, test, variants, training.epochs


def measure(args) -> dict:
    from lca.ml.runtimes.selection import choose_runtime
    from lca.ml.runtimes.sweep import all_cores, sweep_variant

    load_before = os.getloadavg()
    started = time.perf_counter()
    study, test, variants, epochs = build_variants(args.epochs)
    built = time.perf_counter() - started
    cores = all_cores()
    threads = [1] if cores == 1 else [1, cores]
    scratch = Path(tempfile.mkdtemp(prefix="lca-runtimes-"))
    rows, choices = {}, {}
    for name, (model, _) in variants.items():
        print(f"{name}: {len(RUNTIMES)} runtimes", flush=True)
        rows[name] = sweep_variant(
            name, model, test.x, test.y_true, study.task, runtimes=RUNTIMES, batch_sizes=BATCHES,
            threads=threads, repeats=args.repeats, warmup=args.warmup, cache_dir=scratch, decode=test.decode,
        )  # fmt: skip
        choices[name] = choose_runtime(rows[name], "fastest", 512, 1)
    return {
        "rows": rows,
        "choices": choices,
        "descriptions": {name: description for name, (_, description) in variants.items()},
        "threads": threads,
        "epochs": epochs,
        "built_s": built,
        "elapsed_s": time.perf_counter() - started,
        "load": (load_before, os.getloadavg()),
        "n_test": len(test.x),
        "repeats": args.repeats,
    }


def _cell(stat) -> str:
    if stat is None:
        return "–"
    low, high = stat.interval or (float("nan"), float("nan"))
    return f"{stat.median_ms:.3g} [{low:.3g}, {high:.3g}]"


def compiled_speedup_verdict(rows, threads: int) -> tuple[str, str]:
    by = {r.runtime: r for r in rows["baseline"]}
    eager, compiled = by["eager"].latency_at(512, threads), by["compiled"].latency_at(512, threads)
    if not by["compiled"].supported or compiled is None:
        return "FAIL", f"compiled float not measured: {by['compiled'].reason}"
    from lca.ml import significance

    ratio = eager.median_ms / compiled.median_ms
    paired = significance.paired_test(compiled.wall_ms, eager.wall_ms, alpha=ALPHA, margin=1 / COMPILED_SPEEDUP_TARGET)
    verdict = "PASS" if paired.verdict == significance.LOWER else "FAIL"
    said = paired.statement(lambda v: {significance.LOWER: "below", significance.HIGHER: "above"}.get(v, v))
    return verdict, (
        f"eager {_cell(eager)} ms, compiled {_cell(compiled)} ms: ratio of medians {ratio:.2f}; compiled against "
        f"0.5 x eager: {said}"
    )


def slower_unpaired(variant: list[float], reference: list[float]) -> tuple[bool | None, str]:
    """(whether ``variant`` is significantly slower than ``reference`` at ALPHA, the statement); None when a
    series is missing. Mann-Whitney U: no pairing holds across sweeps, and timings are skewed."""
    from scipy.stats import mannwhitneyu

    if len(variant) < 2 or len(reference) < 2:
        return None, f"not tested ({UNPAIRED}: a series has fewer than 2 calls)"
    p = float(mannwhitneyu(variant, reference, alternative="greater").pvalue)
    slower = p <= ALPHA
    words = "significantly slower" if slower else "not significantly slower"
    return slower, f"{words} ({UNPAIRED}, {len(variant)} and {len(reference)} calls, p = {p:.3g}, alpha = {ALPHA:g})"


def int8_compiled_verdict(rows, batch: int, threads: int) -> tuple[str, str]:

    eager = next(r for r in rows["baseline"] if r.runtime == "eager").latency_at(batch, threads)
    row = next(r for r in rows["int8_static"] if r.runtime == "compiled")
    if not row.supported:
        return "FAIL", f"int8 compiled not measured: {row.reason}"
    stat = row.latency_at(batch, threads)
    slower, said = slower_unpaired(stat.wall_ms, eager.wall_ms)
    verdict = "FAIL" if slower is not False else "PASS"
    return verdict, f"int8 compiled {_cell(stat)} ms against float eager {_cell(eager)} ms: {said}"


def render(m: dict, when: str) -> str:
    import onnxruntime
    import torch

    rows, threads = m["rows"], m["threads"]
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    (b1, b5, b15), (a1, a5, a15) = m["load"]
    lines = [
        "# Runtimes: every digits variant in eager PyTorch, torch.compile and ONNX Runtime",
        "",
        f"Measured {when} on `{platform.node()}`: {cpu}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, "
        f"onnxruntime {onnxruntime.__version__}. Whole run {m['elapsed_s']:.0f} s (training {m['epochs']} epochs and "
        f"compressing: {m['built_s']:.0f} s). Script: `benchmarks/runtime_benchmarks.py` (`make benchmark-runtimes`).",
        "",
        f"**The machine is shared** (several engineers' jobs run on its {os.cpu_count()} CPUs): load average "
        f"(1/5/15 min) {b1:.1f}/{b5:.1f}/{b15:.1f} before, {a1:.1f}/{a5:.1f}/{a15:.1f} after. Every latency below "
        "includes that contention; the intervals are wide for it, and the 'all cores' columns compete with the other "
        "jobs for the same cores, so read them as an upper bound. The 1-thread columns are what the digits study "
        "benchmarks (`benchmark.threads: 1`).",
        "",
        f"Latency: median [5th, 95th percentile] in ms over {m['repeats']} timed calls per series, after warm-up; "
        "the calls of a variant's runtimes alternate (round robin), so the machine's drift is shared by all of "
        "them instead of showing as a difference between them (across variants it is not). "
        f"Correctness: predictions on the {m['n_test']} held-out digits against the same variant in eager "
        "(`lca.ml.runtimes.correctness`: float outputs within rtol/atol 1e-4; int8 by the paired bootstrap of the "
        "accuracy loss, within the study's `max_quality_loss` 0.01). Preparation: one-off wall time of compiling "
        "(both batch sizes), exporting or quantizing.",
        "",
        "## Targets",
        "",
        "| target | verdict | evidence |",
        "|---|---|---|",
    ]
    for n in threads:
        verdict, why = compiled_speedup_verdict(rows, n)
        lines.append(
            f"| compiled float at least 2x faster than eager at batch 512, {n} thread(s) | {verdict} | {why} |"
        )
    for n in threads:
        for batch in BATCHES:
            verdict, why = int8_compiled_verdict(rows, batch, n)
            lines.append(
                f"| int8 compiled no slower than float eager, batch {batch}, {n} thread(s) | {verdict} | {why} |"
            )
    lines += [
        "",
        "## Every variant in every runtime",
        "",
        "| variant | runtime | preparation (s) | predictions vs eager | "
        + " | ".join(f"batch {b}, {n} thr (ms)" for n in threads for b in BATCHES)
        + " |",
        "|---|---|---|---|" + "---|" * (len(threads) * len(BATCHES)),
    ]
    for name, variant_rows in rows.items():
        for row in variant_rows:
            if not row.supported:
                blank = " | ".join("–" for _ in threads for _ in BATCHES)
                lines.append(f"| {name} | {row.runtime} | – | **not supported**: {row.reason} | {blank} |")
                continue
            check = "reference" if row.check is None else ("OK: " if row.check.passed else "FAIL: ") + row.check.verdict
            if row.check is not None and row.check.changed_predictions:
                check += f" ({row.check.changed_predictions} digit(s) classified differently)"
            cells = " | ".join(_cell(row.latency_at(b, n)) for n in threads for b in BATCHES)
            lines.append(f"| {name} | {row.runtime} | {row.preparation_s:.1f} | {check} | {cells} |")
    lines += [
        "",
        "## Deployed runtime ('fastest', batch 512, 1 thread) and what each variant is",
        "",
        "| variant | runtime chosen | why | variant description |",
        "|---|---|---|---|",
    ]
    for name, choice in m["choices"].items():
        lines.append(f"| {name} | {choice.runtime} | {choice.reason} | {m['descriptions'][name]} |")
    lines += ["", "## Dense pruning", "", pruning_verdict(rows, threads), ""]
    return "\n".join(lines)


def pruning_verdict(rows, threads) -> str:
    parts = []
    for runtime in ("eager", "compiled", "onnxruntime"):
        base = next(r for r in rows["baseline"] if r.runtime == runtime)
        pruned = next(r for r in rows["pruned_50"] if r.runtime == runtime)
        if not (base.supported and pruned.supported):
            continue
        p_stat, b_stat = pruned.latency_at(512, 1), base.latency_at(512, 1)
        _, slower = slower_unpaired(p_stat.wall_ms, b_stat.wall_ms)
        _, faster = slower_unpaired(b_stat.wall_ms, p_stat.wall_ms)
        parts.append(f"{runtime}: pruned_50 {slower}; the baseline {faster}")
    return (
        "`pruned_50` keeps dense weights (half of them zero): no runtime here has sparse kernels for these Conv and "
        "Linear layers (lca.ml.compression.pruning says why none is offered), so it does the baseline's arithmetic "
        "in every runtime. The two are timed in different sweeps, one after the other, so the test below is unpaired: "
        "the machine's drift between the sweeps explains a difference it finds as well as the model does. Against the "
        "baseline at batch 512, 1 thread: " + "; ".join(parts) + "."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 epochs, 8 repeats: a smoke run, not for the table")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: the study's)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.repeats = args.epochs or 5, 8
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    result = measure(args)
    args.out.write_text(render(result, when))
    print(f"wrote {args.out} in {result['elapsed_s']:.0f} s")


if __name__ == "__main__":
    main()
