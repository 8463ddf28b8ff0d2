"""The runtimes stage: each variant in every runtime the study names, and the runtime it is deployed in.

Runs per variant after compression and before the idle window and the benchmarks, so the
benchmark measures each variant in its deployed runtime (:mod:`lca.ml.runtimes`). Each
runtime's one-off preparation (compile, export) is measured as energy under the stage name
``prepare:<variant>:<runtime>``; the deployed runtime's is booked in the LCA once per model
build, like a compression. The prepared artefacts (exported ONNX graphs, the archive of the
variant's Inductor cache) are stored beside the record, so the benchmark task, on any host,
prepares the deployed runtime from them instead of exporting or compiling again, and says
so in its record (``runtime_artefact_reused``, ``runtime_load_s``).

With ``benchmark.runtimes: [eager]`` (the default) there is nothing to sweep: the record
says eager without loading a model, so a study that names no other runtime costs no more time.
"""

from __future__ import annotations

from pathlib import Path

from lca.orchestration.run import Run, stage
from lca.records import RuntimeChoice, RuntimeResult, RuntimeSweep, Variant
from lca.storage import join


@stage
def runtimes(run: Run, dataset_key: str, variant_key: str) -> str:
    name = run.load(Variant, variant_key).name
    if run.source is not None:
        return _reused(run, name)
    study = run.study
    if study.benchmark.runtimes == ["eager"]:
        return run.save(
            eager_only(name, study.deployment.runtime, study.benchmark.batch_size), run.layout.runtimes(name)
        )

    import torch

    from lca.ml.data import load_split
    from lca.ml.energy import track_energy
    from lca.ml.models import load_model, make_importable
    from lca.ml.runtimes.selection import choose_runtime
    from lca.ml.runtimes.sweep import all_cores, sweep_variant

    spec = study.benchmark
    test = load_split(run.fetch_dataset(dataset_key), "test")
    make_importable(study.model)
    model = load_model(run.fetch(run.load(Variant, variant_key).model_path)).cpu()
    torch.manual_seed(study.training.seed)
    threads = [n or torch.get_num_threads() for n in spec.thread_settings(all_cores())]
    cache = run.scratch / "runtimes"
    rows = sweep_variant(
        name,
        model,
        test.x,
        test.y_true,
        study.task,
        runtimes=list(spec.runtimes),
        batch_sizes=spec.all_batch_sizes(),
        threads=threads,
        repeats=spec.latency_repeats,
        warmup=spec.warmup,
        cache_dir=cache,
        decode=test.decode,
        track=lambda label: track_energy(label, study.deployment.country, **run.sampling),
    )
    deployed_threads = spec.threads if spec.threads in threads else threads[0]
    choice = choose_runtime(
        rows, study.deployment.runtime, spec.batch_size, deployed_threads, alpha=spec.alpha, margin=spec.runtime_margin
    )
    rows = [_stored_artefact(run, name, row) for row in rows]
    return run.save(RuntimeSweep(variant=name, rows=rows, choice=choice), run.layout.runtimes(name))


def eager_only(variant: str, requested: str, batch_size: int) -> RuntimeSweep:
    """The record of a study that names eager alone: nothing measured, nothing to choose."""
    reason = "benchmark.runtimes names eager only: no other runtime was benchmarked"
    return RuntimeSweep(
        variant=variant,
        rows=[RuntimeResult(variant=variant, runtime="eager", supported=True, reason=reason)],
        choice=RuntimeChoice(
            variant=variant, requested=requested, runtime="eager", batch_size=batch_size, threads=0, reason=reason
        ),
    )


def _stored_artefact(run: Run, variant: str, row: RuntimeResult) -> RuntimeResult:
    """The exported file stored in the variant's artefact folder; the row names it relative to that folder.

    Files beside it that share its name (the ``.onnx.data`` of weights the exporter keeps outside the graph)
    are stored with it: the graph does not load without them.
    """
    if not row.artefact:
        return row
    path = Path(row.artefact)
    for part in sorted(path.parent.glob(f"{path.name}*")):
        run.store.put(part, join(run.layout.runtime_artefacts(variant), part.name))
    return row.model_copy(update={"artefact": path.name})


def _reused(run: Run, variant: str) -> str:
    """A what-if run deploys each variant as the run it reuses did (a run older than this stage: eager)."""
    key = run.source.runtimes(variant)
    if run.is_stored(key):
        return key
    study = run.study
    return run.save(eager_only(variant, "eager", study.benchmark.batch_size), run.layout.runtimes(variant))


def deployed_runtime(run: Run, variant: str, model, example, batch_sizes: list[int]):
    """The variant's deployed runtime, prepared from the stored artefact; None for eager (the model as it is).

    A run stored before this stage existed has no record: it was benchmarked in eager. The stored artefact
    (an ONNX file and the files named after it, or the Inductor cache archive) is fetched into this task's
    cache folder, where ``prepare`` finds it and loads it rather than exporting or compiling again.
    """
    key = run.measured.runtimes(variant)
    if not run.is_stored(key):
        return None, None
    record = run.load(RuntimeSweep, key)
    if record.choice.runtime == "eager":
        return record, None

    from lca.ml.runtimes import runtime_for

    cache = run.scratch / "runtimes"
    artefact = record.chosen.artefact
    if artefact:  # the graph and the files named after it (lca.orchestration.stages.runtimes._stored_artefact)
        for key in run.stored_files(run.measured.runtime_artefacts(variant), ""):
            name = key.rsplit("/", 1)[-1]
            if name.startswith(artefact):
                run.store.get(key, cache / name)
    threads = record.choice.threads or None
    prepared = runtime_for(record.choice.runtime).prepare(
        model, example, batch_sizes=tuple(batch_sizes), threads=threads, cache_dir=cache
    )
    return record, prepared


def runtime_fields(record: RuntimeSweep, key: str, prepared=None) -> dict:
    """What a benchmark says of its runtime: the deployed one's preparation energy, its effect against eager, and
    whether the benchmark task reused the stored artefact (``prepared``: the runtime it loaded) and how long that took.
    """
    choice, chosen = record.choice, record.chosen
    eager = next(r for r in record.rows if r.runtime == "eager").latency_at(choice.batch_size, choice.threads)
    deployed = chosen.latency_at(choice.batch_size, choice.threads)
    if choice.runtime == "eager" or eager is None or deployed is None:
        effect = f"eager ({choice.reason})"
    else:
        effect = (
            f"eager {eager.median_ms:.3g} ms -> {choice.runtime} {deployed.median_ms:.3g} ms per batch of "
            f"{choice.batch_size} ({eager.median_ms / deployed.median_ms:.2g}x)"
        )
    return {
        "runtime_preparation": chosen.preparation_energy if choice.runtime != "eager" else None,
        "runtime_record": key,
        "runtime_effect": effect,
        "runtime_artefact_reused": prepared.from_cache if prepared is not None else None,
        "runtime_load_s": prepared.preparation_s if prepared is not None else None,
    }
