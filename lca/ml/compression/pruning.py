"""Unstructured magnitude pruning: zeroes the smallest weights, fine-tunes with the mask held."""

from __future__ import annotations

from torch import nn
from torch.nn.utils import prune

from lca.errors import CompressionError
from lca.ml.compression import CompressionContext, refuse_quantized
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
        f"then {spec.finetune_epochs} epoch(s) of fine-tuning with the masks held; dense storage "
        "(zeros are kept, so size and speed change only with sparse kernels)."
    )
