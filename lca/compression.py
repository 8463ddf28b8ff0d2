"""Compression methods. Each returns a new model and a sentence saying what was done.

A method that cannot apply to the architecture raises :class:`CompressionError`
rather than handing back the unchanged model, which would be reported as a
"compressed" variant with the baseline's numbers.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune

from lca.errors import CompressionError
from lca.study import CompressionSpec, DynamicQuantization, MagnitudePruning, TrainingSpec
from lca.training import fit


def compress(
    spec: CompressionSpec,
    baseline: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    training: TrainingSpec,
) -> tuple[nn.Module, str]:
    model = copy.deepcopy(baseline)
    if isinstance(spec, DynamicQuantization):
        return dynamic_quantization(model)
    if isinstance(spec, MagnitudePruning):
        return magnitude_pruning(model, spec, x_train, y_train, training)
    raise CompressionError(f"compression method {spec.method!r} is not implemented")


def dynamic_quantization(model: nn.Module) -> tuple[nn.Module, str]:
    linear = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    if not linear:
        raise CompressionError(
            f"dynamic quantization applies to nn.Linear layers; {type(model).__name__} has none"
        )
    model.eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    return quantized, (
        f"Post-training dynamic int8 quantization of {len(linear)} linear layer(s) "
        f"({', '.join(linear)}); weights stored as int8, activations quantized at run time; no retraining."
    )


def magnitude_pruning(
    model: nn.Module,
    spec: MagnitudePruning,
    x_train: np.ndarray,
    y_train: np.ndarray,
    training: TrainingSpec,
) -> tuple[nn.Module, str]:
    targets = [(module, "weight") for module in model.modules() if isinstance(module, (nn.Conv2d, nn.Linear))]
    if not targets:
        raise CompressionError(
            f"magnitude pruning applies to Conv2d and Linear weights; {type(model).__name__} has none"
        )
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=spec.sparsity)
    if spec.finetune_epochs:
        # The pruning masks stay attached while fine-tuning, so pruned weights stay at zero.
        fit(
            model,
            x_train,
            y_train,
            epochs=spec.finetune_epochs,
            batch_size=training.batch_size,
            learning_rate=training.learning_rate / 2,
            seed=training.seed + 1,
        )
    for module, name in targets:
        prune.remove(module, name)
    return model, (
        f"Global unstructured L1-magnitude pruning of {spec.sparsity:.0%} of the conv and linear weights, "
        f"then {spec.finetune_epochs} epoch(s) of fine-tuning with the masks held; dense storage "
        "(zeros are kept, so size and speed change only with sparse kernels)."
    )
