"""One variant in every runtime a study names: prepare, check against eager, time at each batch size and thread count.

Timing is interleaved across runtimes (:func:`interleaved_latency`), so the machine's
drift is shared by all of them rather than booked as a difference between them.

Eager runs first: its outputs on the held-out items are the reference for every other
runtime's check. A runtime that cannot run the variant gives a row with
``supported=False`` and the reason. The preparation (compile, export, quantize) is timed
and, when the caller passes ``track`` (a stage passes
``lambda stage: track_energy(stage, country, ...)``), booked as energy under the stage
name ``prepare:<variant>:<runtime>``, one-off like a compression.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lca.ml import significance
from lca.ml.latency import latency_ms, tile
from lca.ml.runtimes import runtime_for
from lca.ml.runtimes.base import NotSupported, Prepared
from lca.ml.runtimes.correctness import check_against_eager
from lca.records import RuntimeLatency, RuntimeResult
from lca.study.machine_learning import TaskSpec


def all_cores() -> int:
    """The cores this process may run on (its CPU affinity), which is what 'all_cores' means."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def sweep_variant(  # noqa: PLR0913 - one sweep, every setting named at the call (most keyword-only)
    variant: str,
    model: nn.Module,
    x: np.ndarray,
    y_true: np.ndarray,
    task_spec: TaskSpec,
    *,
    runtimes: list[str],
    batch_sizes: list[int],
    threads: list[int | None],
    repeats: int,
    warmup: int,
    cache_dir: Path | None = None,
    decode: Callable[[np.ndarray], np.ndarray] = lambda outputs: outputs,
    track: Callable[[str], AbstractContextManager] | None = None,
) -> list[RuntimeResult]:
    """Rows in the order of ``runtimes`` (eager is required: it is the reference)."""
    if "eager" not in runtimes:
        raise ValueError(f"runtimes {runtimes} must include 'eager', the reference of every check")
    previous_threads = torch.get_num_threads()
    threads = [n or previous_threads for n in threads]  # None (study without 'threads'): torch's own choice
    features = torch.from_numpy(np.ascontiguousarray(x))
    example = features[: min(len(features), 8)]
    predict_batch = max(batch_sizes)
    reference = None
    rows: dict[str, RuntimeResult] = {}
    ready = {}
    try:
        for name in ["eager", *(r for r in runtimes if r != "eager")]:
            runtime = runtime_for(name)
            ok, reason = runtime.supports(model)
            if not ok:
                rows[name] = RuntimeResult(variant=variant, runtime=name, supported=False, reason=reason)
                continue
            torch.set_num_threads(threads[0])
            stage = f"prepare:{variant}:{name}"
            with track(stage) if track is not None and name != "eager" else nullcontext() as measurement:
                try:
                    prepared = runtime.prepare(
                        model, example, batch_sizes=tuple(batch_sizes), threads=threads[0], cache_dir=cache_dir
                    )
                except NotSupported as exc:
                    prepared, reason = None, str(exc)
            if prepared is None:
                rows[name] = RuntimeResult(variant=variant, runtime=name, supported=False, reason=reason)
                continue
            outputs = decode(prepared.predict(x, batch_size=predict_batch))
            check = None
            if name == "eager":
                reference = outputs
            else:
                check = check_against_eager(reference, outputs, y_true, task_spec, int8=prepared.int8, x=x)
            ready[name] = prepared
            rows[name] = RuntimeResult(
                variant=variant,
                runtime=name,
                supported=True,
                reason=reason,
                note=prepared.note,
                preparation_s=prepared.preparation_s,
                preparation_energy=getattr(measurement, "record", None),
                from_cache=prepared.from_cache,
                artefact=str(prepared.artefact) if prepared.artefact else None,
                check=check,
            )
        for name, stats in interleaved_latency(ready, features, batch_sizes, threads, repeats, warmup).items():
            rows[name] = rows[name].model_copy(update={"latency": stats})
    finally:
        torch.set_num_threads(previous_threads)
    return [rows[name] for name in runtimes]


def interleaved_latency(
    ready: dict[str, Prepared],
    features: torch.Tensor,
    batch_sizes: list[int],
    threads: list[int],
    repeats: int,
    warmup: int,
) -> dict[str, list[RuntimeLatency]]:
    """Each timed call of one runtime is followed by one of every other (rounds), per batch size and threads.

    On a shared machine the load drifts within seconds; timing one runtime's whole
    series after another's would put that drift between runtimes and call it a speed
    difference. Interleaved, every runtime meets the same drift, and call ``i`` of each
    runtime was made in round ``i``: the per-call CPU times (``cpu_ms``) pair up for the
    paired test the deployed runtime is chosen by (:mod:`lca.ml.runtimes.selection`). The
    order within a round alternates (forward in even rounds, reversed in odd ones), as in
    :func:`lca.ml.benchmark_verdicts.interleaved_latency_ms`, so what the first call of a
    round pays (a cache the others evicted) is not always the same runtime's.
    """
    stats: dict[str, list[RuntimeLatency]] = {name: [] for name in ready}
    for n in threads:
        torch.set_num_threads(n)
        for prepared in ready.values():
            prepared.set_threads(n)
        for size in batch_sizes:
            batch = tile(features, size)
            for prepared in ready.values():
                latency_ms(prepared, batch, 0, warmup)
            timings: dict[str, list[float]] = {name: [] for name in ready}
            cpu: dict[str, list[float]] = {name: [] for name in ready}
            order = list(ready.items())
            for i in range(repeats):
                for name, prepared in order if i % 2 == 0 else order[::-1]:
                    started = time.process_time()
                    timings[name] += latency_ms(prepared, batch, 1, 0)
                    cpu[name].append((time.process_time() - started) * 1000.0)
            for name, series in timings.items():
                interval = significance.run_interval(series)
                cpu_interval = significance.run_interval(cpu[name])
                stats[name].append(
                    RuntimeLatency(
                        batch_size=size,
                        threads=n,
                        repeats=repeats,
                        median_ms=float(np.median(series)),
                        interval_low_ms=interval[0] if interval else None,
                        interval_high_ms=interval[1] if interval else None,
                        cpu_median_ms=float(np.median(cpu[name])),
                        cpu_interval_low_ms=cpu_interval[0] if cpu_interval else None,
                        cpu_interval_high_ms=cpu_interval[1] if cpu_interval else None,
                        cpu_ms=[float(t) for t in cpu[name]],
                        wall_ms=[float(t) for t in series],
                    )
                )
    return stats
