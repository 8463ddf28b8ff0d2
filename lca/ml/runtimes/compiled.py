"""``torch.compile`` with Inductor on the CPU: the intended path for the PT2E int8 graph.

- **Static shapes, one graph per batch size** (``dynamic=False``): a service runs at a
  fixed batch size, and a static shape gives Inductor its fastest kernels. ``prepare``
  compiles every batch size it is given by calling the runner on it, so the compile
  time is in the preparation cost, not in the first timed call; predictions pad the
  last chunk to the batch size (:meth:`lca.ml.runtimes.Prepared.predict`), so no other
  shape is ever compiled.
- **Freezing** (``freezing=True``) for float models: weights become constants and are
  prepacked for oneDNN. Not for the PT2E int8 graph: with freezing, Inductor's x86
  int8 patterns (the fusion into oneDNN int8 Conv/Linear that X86InductorQuantizer is
  designed for) insert ``onednn.qconv_prepack``, which has no fake-tensor kernel in
  torch 2.13 + torchao 0.18, and compilation fails with ``UnsupportedOperatorException:
  onednn.qconv_prepack.default``: the prepack meets fake-tensor propagation instead of
  being constant-folded, the failure mode of pytorch/pytorch#126093, whose workaround
  (``inline_inbuilt_nn_modules=False``) is a no-op in 2.13; torchao's own
  ``lower_pt2e_quantized_to_x86`` fails on the same graph with a view/stride error. Without freezing, Inductor still
  fuses every quantize/dequantize step into its generated C++ loops, which removes the
  reference kernels' cost, but the Conv/Linear run in float: the row's note says so.
- **Threads at run time** (``cpp.dynamic_threads=True``): generated C++ kernels read the
  thread count when called instead of baking in the count at compile time, so one
  compilation serves every setting of ``benchmark.threads_sweep``.
- **Cache**: ``TORCHINDUCTOR_CACHE_DIR`` is pointed at ``cache_dir`` (the run's
  scratch) before the first compilation in the process, so the generated kernels of
  one run are reused by the next task on the same host and never shared between runs.
  It is an environment variable: the process's whole Inductor cache moves there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch
from torch import nn

from lca.ml.benchmarking import tile
from lca.ml.compression.quantization import STATIC_FORMAT, quantized_format
from lca.ml.runtimes.base import NotSupported, Prepared, first_line

INDUCTOR_OPTIONS = {"freezing": True, "cpp.dynamic_threads": True}
PT2E_INT8_OPTIONS = {"freezing": False, "cpp.dynamic_threads": True}  # see "Freezing" above


class Compiled:
    name = "compiled"

    def supports(self, model: nn.Module) -> tuple[bool, str]:
        devices = {p.device.type for p in model.parameters()} | {b.device.type for b in model.buffers()}
        if devices - {"cpu"}:
            return False, f"this runtime compiles for the CPU; the model is on {sorted(devices - {'cpu'})}"
        if quantized_format(model) == STATIC_FORMAT:
            return True, (
                "PT2E int8 graph compiled by Inductor (its intended path); without freezing (see the module "
                "docstring), quantize/dequantize fused into Inductor's loops, Conv/Linear in float"
            )
        return True, "Inductor C++ kernels for the CPU"

    def prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        *,
        batch_sizes: tuple[int, ...] = (),
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> Prepared:
        ok, reason = self.supports(model)
        if not ok:
            raise NotSupported(reason)
        from_cache = False
        if cache_dir is not None:
            inductor_dir = Path(cache_dir) / "inductor"
            from_cache = inductor_dir.is_dir() and any(inductor_dir.iterdir())
            inductor_dir.mkdir(parents=True, exist_ok=True)
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(inductor_dir)
        if threads:
            torch.set_num_threads(threads)
        sizes = tuple(dict.fromkeys(batch_sizes or (len(example_batch),)))
        # One graph per batch size; the default limit (8) would fall back to eager beyond it.
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, len(sizes) + 2)
        start = time.perf_counter()
        model.eval()
        int8_graph = quantized_format(model) == STATIC_FORMAT
        options = PT2E_INT8_OPTIONS if int8_graph else INDUCTOR_OPTIONS
        compiled = torch.compile(model, dynamic=False, options=options)

        @torch.no_grad()
        def run(batch: torch.Tensor) -> torch.Tensor:
            return compiled(batch)

        try:
            for size in sizes:
                batch = tile(example_batch, size)
                run(batch)
                run(batch)  # the second call must not compile again (a guard failure would show here)
        except Exception as exc:  # noqa: BLE001 - Dynamo and Inductor raise many types; all mean "cannot compile"
            raise NotSupported(f"torch.compile (Inductor) failed: {first_line(exc)}") from None
        elapsed = time.perf_counter() - start
        return Prepared(
            runtime=self.name,
            runner=run,
            preparation_s=elapsed,
            note=f"torch.compile, Inductor, {'no ' if int8_graph else ''}freezing, static shapes: compiled for batch "
            f"sizes {list(sizes)}",
            artefact=Path(os.environ["TORCHINDUCTOR_CACHE_DIR"]) if cache_dir is not None else None,
            from_cache=from_cache,
            int8=quantized_format(model) is not None,
        )
