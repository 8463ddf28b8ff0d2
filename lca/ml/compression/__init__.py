"""Compression methods. Each returns a new model and a sentence saying what was done.

A method that cannot apply to the architecture raises :class:`CompressionError`
rather than handing back the unchanged model, which would be reported as a
"compressed" variant with the baseline's numbers. Every method is seeded (the
stage seeds torch; data order and calibration samples come from the study's
seed), so the same study gives the same variant.

Methods: dynamic and static int8 quantization (:mod:`.quantization`),
unstructured magnitude pruning (:mod:`.pruning`), structured pruning that
physically removes channels and neurons (:mod:`.structured`), truncated-SVD
low-rank factorisation (:mod:`.low_rank`), knowledge distillation into a
smaller student (:mod:`.distillation`) and combinations of them in order.
"""

from __future__ import annotations

import copy

from torch import nn

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext
from lca.study.compression import (
    ArchitectureVariant,
    Combination,
    CompressionSpec,
    Distillation,
    DynamicQuantization,
    LowRankFactorization,
    MagnitudePruning,
    StaticQuantization,
    StructuredPruning,
)


def compress(spec: CompressionSpec, baseline: nn.Module, ctx: CompressionContext) -> tuple[nn.Module, str]:
    """Apply ``spec`` to a copy of ``baseline`` (which is left untouched)."""
    model = copy.deepcopy(baseline)
    model.eval()
    if isinstance(spec, Combination):
        sentences = []
        for i, step in enumerate(spec.steps, start=1):
            model, sentence = _apply(step, model, ctx)
            sentences.append(f"Step {i}: {sentence}")
        return model, " ".join(sentences)
    return _apply(spec, model, ctx)


def _apply(spec: CompressionSpec, model: nn.Module, ctx: CompressionContext) -> tuple[nn.Module, str]:
    if isinstance(spec, DynamicQuantization):
        from lca.ml.compression.quantization import dynamic_quantization

        return dynamic_quantization(model.cpu())
    if isinstance(spec, StaticQuantization):
        from lca.ml.compression.quantization import static_quantization

        return static_quantization(model.cpu(), spec, ctx)
    if isinstance(spec, MagnitudePruning):
        from lca.ml.compression.pruning import magnitude_pruning

        return magnitude_pruning(model, spec, ctx)
    if isinstance(spec, StructuredPruning):
        from lca.ml.compression.structured import structured_pruning

        return structured_pruning(model, spec, ctx)
    if isinstance(spec, LowRankFactorization):
        from lca.ml.compression.low_rank import low_rank_factorization

        return low_rank_factorization(model, spec, ctx)
    if isinstance(spec, Distillation):
        from lca.ml.compression.distillation import distill

        return distill(model, spec, ctx)
    if isinstance(spec, ArchitectureVariant):
        from lca.ml.architectures import train_from_scratch

        return train_from_scratch(spec, model, ctx)
    raise CompressionError(f"compression method {spec.method!r} is not implemented")
