"""PyTorch eager mode: the model called as it is, the reference every other runtime is checked against."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import nn

from lca.ml.compression.quantization import STATIC_FORMAT, quantized_format
from lca.ml.runtimes.base import Prepared, RuntimeBase


class Eager(RuntimeBase):
    name = "eager"

    def supports(self, model: nn.Module) -> tuple[bool, str]:
        return True, "runs every model this product builds"

    def _prepare(
        self,
        model: nn.Module,
        example_batch: torch.Tensor,
        sizes: tuple[int, ...],
        threads: int | None,
        cache_dir: Path | None,
    ) -> Prepared:
        start = time.perf_counter()
        if threads:
            torch.set_num_threads(threads)
        model.eval()

        @torch.no_grad()
        def run(batch: torch.Tensor) -> torch.Tensor:
            return model(batch)

        note = (
            "PT2E int8 graph run eagerly: reference kernels quantize and dequantize around every layer, which is "
            "not how it is meant to run (the 'compiled' runtime lowers it through Inductor)"
            if quantized_format(model) == STATIC_FORMAT
            else ""
        )
        return Prepared(
            runtime=self.name,
            runner=run,
            preparation_s=time.perf_counter() - start,
            note=note,
            int8=quantized_format(model) is not None,
        )
