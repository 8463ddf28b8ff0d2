"""Runtimes a variant is benchmarked and deployed in: the software axis of the audit.

A compressed model is only as fast as the runtime that executes it: the static int8
graph of :mod:`lca.ml.compression.quantization` runs reference kernels that quantize
and dequantize around every layer when called eagerly, and is meant to be lowered by
Inductor, which fuses them into int8 kernels. Benchmarking every variant in eager
PyTorch alone measures a runtime nobody deploys. Each runtime here:

- ``supports(model) -> (bool, reason)``: a cheap check before any work; a variant it
  cannot run is reported as not supported with the reason (:class:`NotSupported` is
  raised by ``prepare`` for what only the attempt reveals, e.g. an export failure),
  never dropped;
- ``prepare(model, example_batch, ...) -> Prepared``: the one-off work (compiling,
  exporting, quantizing the exported graph) and its wall time. The stage calling it
  books its energy with :func:`lca.ml.energy.track_energy`, as for compression.
  Artefacts are cached under ``cache_dir`` (the run's scratch), keyed by the model's
  weights and code, so one run compiles or exports each variant once.

Runtimes: ``eager`` (:mod:`.eager`), ``compiled`` (:mod:`.compiled`, ``torch.compile``
with Inductor), ``onnxruntime`` and ``onnxruntime_int8`` (:mod:`.onnx_runtime`). Every
runner takes and returns a ``torch.Tensor`` (zero-copy to and from numpy for ONNX
Runtime), so code that timed ``model(batch)`` times ``prepared(batch)`` unchanged.
Predictions are checked against eager in :mod:`.correctness`; the deployed runtime is
chosen in :mod:`.selection`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from lca.study.machine_learning import RUNTIME_NAMES


class NotSupported(Exception):
    """This runtime cannot run this model; the message is the reason shown in the report."""


@dataclass
class Prepared:
    """A model made ready in one runtime: call it on a batch like the model itself."""

    runtime: str
    runner: Callable[[torch.Tensor], torch.Tensor]
    preparation_s: float  # wall time of the one-off work (compile, export, quantize), warm-up calls included
    note: str = ""
    artefact: Path | None = None
    from_cache: bool = False
    int8: bool = False  # int8 kernels: predictions are checked with the int8 tolerance (lca.ml.runtimes.correctness)
    set_threads: Callable[[int], None] = torch.set_num_threads

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return self.runner(batch)

    @torch.no_grad()
    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Raw outputs for every item as float64, like :func:`lca.ml.training.predict`.

        The last chunk is padded to ``batch_size`` so a compiled runner sees no new batch
        shape (which would compile again) just because the test set is not a multiple of it.
        """
        features = torch.from_numpy(np.ascontiguousarray(x))
        parts = []
        for start in range(0, len(x), batch_size):
            chunk = features[start : start + batch_size]
            n = len(chunk)
            if n < batch_size:
                chunk = torch.cat([chunk, chunk[:1].expand(batch_size - n, *chunk.shape[1:])])
            parts.append(self.runner(chunk.contiguous())[:n].float().numpy())
        return np.concatenate(parts).astype(np.float64)


class Runtime(Protocol):
    name: str

    def supports(self, model: nn.Module) -> tuple[bool, str]: ...

    def prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        *,
        batch_sizes: tuple[int, ...] = (),
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> Prepared: ...


def runtime_for(name: str) -> Runtime:
    """The runtime a study names in ``benchmark.runtimes`` (lca.study.machine_learning.RuntimeName)."""
    from lca.ml.runtimes.compiled import Compiled
    from lca.ml.runtimes.eager import Eager
    from lca.ml.runtimes.onnx_runtime import OnnxRuntime

    runtimes = {
        "eager": Eager(),
        "compiled": Compiled(),
        "onnxruntime": OnnxRuntime(),
        "onnxruntime_int8": OnnxRuntime(int8=True),
    }
    assert set(runtimes) == set(RUNTIME_NAMES), "the study's runtime names and this registry must match"
    if name not in runtimes:
        raise ValueError(f"unknown runtime {name!r}; choose from {list(RUNTIME_NAMES)}")
    return runtimes[name]


def model_digest(model: nn.Module, example_batch: torch.Tensor) -> str:
    """Key of a cached artefact: the model's class, code (a graph's), weights and item shape."""
    digest = hashlib.sha256()
    digest.update(f"{type(model).__module__}.{type(model).__qualname__}".encode())
    digest.update(str(getattr(model, "code", "")).encode())
    digest.update(str(tuple(example_batch.shape[1:])).encode())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    digest.update(buffer.getvalue())
    return digest.hexdigest()[:16]


def first_line(exc: BaseException) -> str:
    """The first line of an exception, which is what a report row has room for."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
