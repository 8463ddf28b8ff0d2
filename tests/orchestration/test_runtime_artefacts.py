"""The benchmark task reuses what the runtimes task prepared: it loads the stored artefact, it does not compile again.

Each task below runs as a stage (its own scratch folder, removed when it returns), so the
only way from one to the other is the run's store, as between two Airflow tasks on two
hosts. Dynamo is reset between them, as a new task process would start without it.
"""

from __future__ import annotations

import shutil

import torch
from torch import nn

from lca.ml.runtimes import runtime_for
from lca.ml.runtimes.compiled import CACHE_ARCHIVE, graph_cache_counts
from lca.orchestration import stages
from lca.orchestration.run import Run, stage
from lca.orchestration.stages.runtimes import _stored_artefact, deployed_runtime, runtime_fields
from lca.records import RuntimeChoice, RuntimeLatency, RuntimeResult, RuntimeSweep
from tests.conftest import REPO

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"
SIZES = (4,)


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)).eval()


def _timed() -> RuntimeLatency:
    return RuntimeLatency(batch_size=4, threads=1, repeats=3, median_ms=1.0, interval_low_ms=0.9, interval_high_ms=1.1)


def _run(tmp_path, run_id: str) -> Run:
    study_path = tmp_path / "tiny_digits.yaml"
    shutil.copy(TINY, study_path)
    run = Run(study_path, "tiny_digits", run_id)
    stages.settings.write_settings(run, None)
    return run


def _runtimes_task(run: Run, runtime: str, model: nn.Module, example: torch.Tensor):
    """What the runtimes stage does for the deployed runtime: prepare it, store its artefact and the record."""

    @stage
    def runtimes():
        prepared = runtime_for(runtime).prepare(
            model, example, batch_sizes=SIZES, threads=1, cache_dir=run.scratch / "runtimes"
        )
        rows = [
            RuntimeResult(variant="baseline", runtime="eager", supported=True, reason="", latency=[_timed()]),
            RuntimeResult(
                variant="baseline",
                runtime=runtime,
                supported=True,
                reason="",
                preparation_s=prepared.preparation_s,
                from_cache=prepared.from_cache,
                artefact=str(prepared.artefact),
                latency=[_timed()],
            ),
        ]
        rows = [_stored_artefact(run, "baseline", row) for row in rows]
        choice = RuntimeChoice(
            variant="baseline", requested=runtime, runtime=runtime, batch_size=4, threads=1, reason="named"
        )
        run.save(RuntimeSweep(variant="baseline", rows=rows, choice=choice), run.layout.runtimes("baseline"))
        return prepared, prepared(example[:4])

    return runtimes()


def _benchmark_task(run: Run, model: nn.Module, example: torch.Tensor):
    """What the benchmark stage does: the deployed runtime from the stored record and artefact."""

    @stage
    def benchmark():
        torch._dynamo.reset()  # a new task process has no Dynamo state
        hits, misses = graph_cache_counts()
        record, prepared = deployed_runtime(run, "baseline", model, example, list(SIZES))
        after = graph_cache_counts()
        fields = runtime_fields(record, run.layout.runtimes("baseline"), prepared)
        return prepared, prepared(example[:4]), (after[0] - hits, after[1] - misses), fields

    return benchmark()


def test_the_benchmark_task_loads_the_compiled_variant_from_the_runs_inductor_cache_without_compiling(tmp_path):
    run = _run(tmp_path, "manual__compiled_artefact")
    model, example = _model(), torch.rand(8, 1, 8, 8)
    first, first_out = _runtimes_task(run, "compiled", model, example)
    assert not first.from_cache and first.artefact.name == CACHE_ARCHIVE  # compiled for real, then packed
    stored = run.store.path(f"{run.layout.runtime_artefacts('baseline')}/{CACHE_ARCHIVE}")
    assert stored.is_file()
    stored_mtime = stored.stat().st_mtime_ns

    again, out, (hits, misses), fields = _benchmark_task(run, model, example)

    assert misses == 0 and hits >= 1  # Inductor's counters: every graph loaded from the cache, none compiled
    assert again.from_cache and "loaded from the run's Inductor cache" in again.note
    assert fields["runtime_artefact_reused"] is True and fields["runtime_load_s"] == again.preparation_s
    assert stored.stat().st_mtime_ns == stored_mtime  # the stored archive is read, not written again
    torch.testing.assert_close(out, first_out)


def test_the_benchmark_task_loads_the_exported_onnx_file_without_exporting_again(tmp_path, monkeypatch):
    run = _run(tmp_path, "manual__onnx_artefact")
    model, example = _model(), torch.rand(8, 1, 8, 8)
    first, first_out = _runtimes_task(run, "onnxruntime_int8", model, example)
    assert not first.from_cache and first.artefact.name.endswith(".int8.onnx")

    def no_export(*args, **kwargs):
        raise AssertionError("the benchmark task exported the model again")

    monkeypatch.setattr("lca.ml.runtimes.onnx_runtime.export", no_export)
    monkeypatch.setattr("lca.ml.runtimes.onnx_runtime.quantize_dynamic_int8", no_export)
    again, out, _, fields = _benchmark_task(run, model, example)

    assert again.from_cache and again.artefact.name == first.artefact.name
    assert fields["runtime_artefact_reused"] is True and fields["runtime_load_s"] > 0
    torch.testing.assert_close(out, first_out)


def test_without_a_stored_artefact_the_runtime_is_prepared_afresh_and_says_so(tmp_path):
    model, example = _model(), torch.rand(8, 1, 8, 8)
    prepared = runtime_for("onnxruntime").prepare(model, example, batch_sizes=SIZES, cache_dir=tmp_path)
    assert not prepared.from_cache
    assert runtime_for("onnxruntime").prepare(model, example, batch_sizes=SIZES, cache_dir=tmp_path).from_cache
