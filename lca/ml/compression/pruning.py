"""Unstructured magnitude pruning: zeroes the smallest weights, fine-tunes with the mask held.

The weights stay dense tensors with zeros in them. No runtime this product benchmarks
(eager PyTorch, torch.compile/Inductor, ONNX Runtime's CPU provider: lca.ml.runtimes)
skips zeros in a dense Conv or Linear, so the pruned model does exactly the baseline's
arithmetic: same size on disk, same speed, same energy per item. What it can show is
how much sparsity the accuracy tolerates. A sparse path would need a runtime whose
kernels skip the zeros of these layers: torch's CPU sparse (CSR) kernels cover matrix
products, not convolutions, and at 50-80 % unstructured sparsity are not faster than
dense ones on layers this small; semi-structured 2:4 sparsity needs a CUDA GPU; ONNX
Runtime turns sparse initializers back into dense tensors when it loads a model. So no
sparse path is offered; the description says so, and so do the runtime verdicts
(benchmarks/runtime_results.md).
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import prune

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext, refuse_quantized
from lca.study.compression import MagnitudePruning


def magnitude_pruning(model: nn.Module, spec: MagnitudePruning, ctx: CompressionContext) -> tuple[nn.Module, str]:
    refuse_quantized(model, "magnitude pruning")
    prunable = (nn.Conv1d, nn.Conv2d, nn.Linear)
    targets = [(module, "weight") for module in model.modules() if isinstance(module, prunable)]
    if not targets:
        raise CompressionError(
            f"magnitude pruning applies to Conv2d and Linear weights; {type(model).__name__} has none"
        )
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=spec.sparsity)
    # The pruning masks stay attached while fine-tuning, so pruned weights stay at zero.
    ctx.finetune(model, spec.finetune_epochs)
    for module, name in targets:
        prune.remove(module, name)
    return model, (
        f"Global unstructured L1-magnitude pruning of {spec.sparsity:.0%} of the conv and linear weights, "
        f"then {spec.finetune_epochs} epoch(s) of fine-tuning with the masks held. Dense weights: the zeros are "
        "stored and multiplied like any other weight, and no runtime benchmarked here (eager, torch.compile, "
        "ONNX Runtime CPU) has sparse kernels for these layers, so size, speed and energy per item are the "
        "baseline's; any difference measured is noise, not a saving."
    )
