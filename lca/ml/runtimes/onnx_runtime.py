"""ONNX Runtime on the CPU execution provider, on the graph ``torch.onnx.export`` writes.

**Exporter: the dynamo one** (``torch.onnx.export(..., dynamo=True)``), not TorchScript.
In torch 2.13 it is the default and the TorchScript exporter warns that it is
deprecated; it captures the model with ``torch.export``, the capture the PT2E int8
path already uses, so the static int8 graph exports as QuantizeLinear/DequantizeLinear
pairs that ONNX Runtime fuses into int8 kernels. The batch axis is exported dynamic,
so one file serves every batch size. It needs ``onnx`` and ``onnxscript`` (pyproject).

Not exportable: torchao's dynamic int8 model (``quantize_`` swaps weights for int8
tensor subclasses that have no ONNX translation); it is reported as not supported.

``onnxruntime_int8`` is ONNX Runtime's own compression: ``quantize_dynamic`` (int8
weights, uint8 activations quantized per call: ConvInteger / MatMulInteger) applied to
the exported float graph. It applies to float variants only (an int8 variant is
already quantized, by torchao). Its predictions are checked with the int8 tolerance
against the float variant in eager (:mod:`lca.ml.runtimes.correctness`).

Files are cached under ``cache_dir`` as ``<digest>.onnx`` and ``<digest>.int8.onnx``
(:func:`lca.ml.runtimes.model_digest`): one export per variant per run, reused for every
thread count (an ONNX Runtime session fixes its thread count when it is created, so
:meth:`Prepared.set_threads` opens a new session on the same file, which is cheap).

Sessions run with the deployment's thread count and with ONNX Runtime's thread-pool
spinning off (:func:`session_options`), so the CPU time a call is charged is the work
done, not a pool busy-waiting beside it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
import warnings
from pathlib import Path

import torch
from torch import nn

from lca.ml.compression.quantization import DYNAMIC_FORMAT, quantized_format
from lca.ml.latency import tile
from lca.ml.runtimes.base import NotSupported, Prepared, RuntimeBase, devices_off_cpu, first_line, model_digest


class OnnxRuntime(RuntimeBase):
    def __init__(self, int8: bool = False):
        self.int8 = int8
        self.name = "onnxruntime_int8" if int8 else "onnxruntime"

    def supports(self, model: nn.Module) -> tuple[bool, str]:
        if off_cpu := devices_off_cpu(model):
            return False, f"the CPU execution provider runs CPU models; the model is on {off_cpu}"
        fmt = quantized_format(model)
        if fmt == DYNAMIC_FORMAT:
            return False, (
                "torchao dynamic int8 (quantize_) stores weights as int8 tensor subclasses, which torch.onnx.export "
                "cannot translate to ONNX"
            )
        if self.int8 and fmt is not None:
            return False, (
                f"already int8 ({fmt}); ONNX Runtime's dynamic quantization applies to float graphs "
                "(the variant's int8 graph runs in 'onnxruntime')"
            )
        if self.int8:
            return True, "float graph exported, then ONNX Runtime quantize_dynamic (int8 weights, uint8 activations)"
        return True, "exported with torch.onnx (dynamo), CPU execution provider"

    def _prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        sizes: tuple[int, ...],
        threads: int | None,
        cache_dir: Path | None,
    ) -> Prepared:
        folder = Path(cache_dir) if cache_dir is not None else Path(tempfile.mkdtemp(prefix="lca-onnx-"))
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        digest = model_digest(model, example_batch)
        float_path = folder / f"{digest}.onnx"
        path = folder / f"{digest}.int8.onnx" if self.int8 else float_path
        from_cache = path.is_file()  # the int8 file alone is enough: the float graph is only its source
        if not from_cache:
            if not float_path.is_file():
                export(model, example_batch, float_path)
            if self.int8:
                quantize_dynamic_int8(float_path, path)
        holder = {"session": open_session(path, threads)}
        input_name = holder["session"].get_inputs()[0].name

        def run(batch: torch.Tensor) -> torch.Tensor:
            return torch.from_numpy(holder["session"].run(None, {input_name: batch.numpy()})[0])

        def set_threads(n: int) -> None:
            holder["session"] = open_session(path, n)

        for size in sizes:
            run(tile(example_batch, size))  # the first run of a session allocates its buffers
        what = "ONNX Runtime int8 (quantize_dynamic)" if self.int8 else "ONNX Runtime"
        return Prepared(
            runtime=self.name,
            runner=run,
            preparation_s=time.perf_counter() - start,
            note=f"{what}, CPU execution provider, {path.name}{' (cached)' if from_cache else ''}",
            artefact=path,
            from_cache=from_cache,
            int8=self.int8 or quantized_format(model) is not None,
            set_threads=set_threads,
        )


def export(model: nn.Module, example_batch: torch.Tensor, path: Path) -> None:
    """The model as an ONNX file with a dynamic batch axis (the dynamo exporter; its progress lines are muted)."""
    from torch.export import Dim

    example = tile(example_batch, max(2, len(example_batch)))  # batch 1 would be specialised, not dynamic
    model.eval()
    for name in ("torch.onnx", "torch.export", "onnxscript"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example,), str(path), dynamo=True, dynamic_shapes=({0: Dim.DYNAMIC},), verbose=False
            )
    except Exception as exc:  # noqa: BLE001 - torch.export and the ONNX translation raise many types
        path.unlink(missing_ok=True)
        raise NotSupported(f"torch.onnx.export (dynamo) failed: {first_line(exc)}") from None


def quantize_dynamic_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for name in ("onnxruntime", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    except Exception as exc:  # noqa: BLE001 - the quantizer raises many types; all mean "cannot"
        target.unlink(missing_ok=True)
        raise NotSupported(f"onnxruntime quantize_dynamic failed: {first_line(exc)}") from None


def session_options(threads: int | None):
    """What a session runs with: the deployment's thread count, nodes one after another, and no spinning.

    - **Threads**: ``threads``, or without one the count torch runs eager with in this process
      (``torch.get_num_threads()``, which the sweep and the benchmark set), never ONNX Runtime's own
      default (0: one thread per physical core), so ONNX Runtime and eager are timed and deployed with
      the same number of threads.
    - **No spinning** (``session.intra_op.allow_spinning`` and ``session.inter_op.allow_spinning`` = 0):
      by default ONNX Runtime's pool threads busy-wait for the next piece of work after a parallel section.
      That spin is CPU time the process books without any inference done, and how long it lasts depends
      on whether the core is wanted by something else, so a neighbour on the host would change the CPU
      time per call that the runtime is chosen on (lca.ml.runtimes.selection) and the LCA books. With it
      off, an idle pool thread sleeps.
    - **Sequential** execution with one inter-op thread: the small graphs here have no branches to run in parallel.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return options


def open_session(path: Path, threads: int | None):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), session_options(threads), providers=["CPUExecutionProvider"])
