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
- **Cache, stored with the run**: ``TORCHINDUCTOR_CACHE_DIR`` is pointed at
  ``cache_dir/inductor`` before compiling, and once compiled, that folder (Inductor's FX
  graph cache and the built C++ kernels) is packed as ``cache_dir/inductor.tar``, the
  row's artefact, which the runtimes stage stores beside its record. The benchmark task
  fetches the archive into its own ``cache_dir``; ``prepare`` unpacks it there, and the
  same compilation then loads every graph from the cache instead of generating and
  building it again (Dynamo still traces the model: that part of torch.compile has no
  on-disk cache). ``from_cache`` is true only when Inductor's own counters say every graph
  was a cache hit and none was compiled. Tried instead: ``torch.compiler.save_cache_artifacts``
  (the portable "mega-cache") also gives FX-graph hits, but holds no built kernels, so
  the C++ is compiled again and the second compile took as long as the first. The cache
  is never shared between runs. It is an environment variable: the process's whole
  Inductor cache moves there (Inductor's in-memory caches are cleared when it moves).
"""

from __future__ import annotations

import os
import tarfile
import time
from pathlib import Path

import torch
from torch import nn

from lca.ml.compression.quantization import STATIC_FORMAT, quantized_format
from lca.ml.latency import tile
from lca.ml.runtimes.base import NotSupported, Prepared, RuntimeBase, devices_off_cpu, first_line

INDUCTOR_OPTIONS = {"freezing": True, "cpp.dynamic_threads": True}
PT2E_INT8_OPTIONS = {"freezing": False, "cpp.dynamic_threads": True}  # see "Freezing" above
CACHE_ARCHIVE = "inductor.tar"  # the run's Inductor cache, stored as the compiled row's artefact


class Compiled(RuntimeBase):
    name = "compiled"

    def supports(self, model: nn.Module) -> tuple[bool, str]:
        if off_cpu := devices_off_cpu(model):
            return False, f"this runtime compiles for the CPU; the model is on {off_cpu}"
        if quantized_format(model) == STATIC_FORMAT:
            return True, (
                "PT2E int8 graph compiled by Inductor (its intended path); without freezing (see the module "
                "docstring), quantize/dequantize fused into Inductor's loops, Conv/Linear in float"
            )
        return True, "Inductor C++ kernels for the CPU"

    def _prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        sizes: tuple[int, ...],
        threads: int | None,
        cache_dir: Path | None,
    ) -> Prepared:
        archive = use_inductor_cache(cache_dir) if cache_dir is not None else None
        if threads:
            torch.set_num_threads(threads)
        # One graph per batch size; the default limit (8) would fall back to eager beyond it.
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, len(sizes) + 2)
        start = time.perf_counter()
        before = graph_cache_counts()
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
        hits, misses = (after - earlier for after, earlier in zip(graph_cache_counts(), before))
        from_cache = hits > 0 and misses == 0
        if archive is not None and not from_cache:
            pack(archive.with_suffix(""), archive)
        cached = f"; {hits} graph(s) loaded from the run's Inductor cache, none compiled" if from_cache else ""
        return Prepared(
            runtime=self.name,
            runner=run,
            preparation_s=elapsed,
            note=f"torch.compile, Inductor, {'no ' if int8_graph else ''}freezing, static shapes: compiled for batch "
            f"sizes {list(sizes)}{cached}",
            artefact=archive,
            from_cache=from_cache,
            int8=quantized_format(model) is not None,
        )


def graph_cache_counts() -> tuple[int, int]:
    """Inductor's FX graph cache hits and misses so far in this process (a miss is a graph compiled)."""
    from torch._dynamo.utils import counters

    return counters["inductor"]["fxgraph_cache_hit"], counters["inductor"]["fxgraph_cache_miss"]


def use_inductor_cache(cache_dir: Path) -> Path:
    """Point Inductor at ``cache_dir/inductor`` (unpacked from the archive, if one was fetched); the archive's path."""
    archive = cache_dir / CACHE_ARCHIVE
    folder = archive.with_suffix("")
    if archive.is_file() and not folder.is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    folder.mkdir(parents=True, exist_ok=True)
    if os.environ.get("TORCHINDUCTOR_CACHE_DIR") != str(folder):
        from torch._inductor.utils import clear_caches

        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(folder)
        clear_caches()  # kernels remembered from another folder would answer instead of this one's
    return archive


def pack(folder: Path, archive: Path) -> None:
    """The Inductor cache folder as one file (written aside, then renamed: a reader never sees half of it)."""
    partial = archive.with_name(f".{archive.name}.partial")
    with tarfile.open(partial, "w") as tar:
        tar.add(folder, arcname=".")
    os.replace(partial, archive)
