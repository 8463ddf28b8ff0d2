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

from lca.ml.runtimes.base import RuntimeBase
from lca.study.machine_learning import RUNTIME_NAMES


def runtime_for(name: str) -> RuntimeBase:
    """The runtime a study names in ``benchmark.runtimes`` (lca.study.machine_learning.RuntimeName)."""
    from lca.ml.runtimes.compiled import Compiled
    from lca.ml.runtimes.eager import Eager
    from lca.ml.runtimes.onnx_runtime import OnnxRuntime

    runtimes: dict[str, RuntimeBase] = {
        "eager": Eager(),
        "compiled": Compiled(),
        "onnxruntime": OnnxRuntime(),
        "onnxruntime_int8": OnnxRuntime(int8=True),
    }
    assert set(runtimes) == set(RUNTIME_NAMES), "the study's runtime names and this registry must match"
    if name not in runtimes:
        raise ValueError(f"unknown runtime {name!r}; choose from {list(RUNTIME_NAMES)}")
    return runtimes[name]
