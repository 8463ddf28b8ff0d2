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
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from lca.errors import CompressionError
from lca.ml.tasks import task_for
from lca.ml.tasks.base import Task
from lca.ml.training import fit
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
from lca.study.machine_learning import ModelSpec, TrainingSpec


@dataclass
class CompressionContext:
    """What a method may use besides the model: the training split, the task and the training settings."""

    x: np.ndarray
    y: np.ndarray
    training: TrainingSpec
    task: Task = field(default_factory=lambda: task_for("multiclass"))
    n_outputs: int | None = None
    device: str = "cpu"  # fine-tuning and distillation train here; quantization always runs on the CPU
    model_spec: ModelSpec | None = None  # the study's model, for architecture variants

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    def finetune(
        self, model: nn.Module, epochs: int, seed_offset: int = 1, learning_rate: float | None = None
    ) -> nn.Module:
        """A few epochs at half the training learning rate (unless given), with the task's loss."""
        if epochs:
            fit(
                model,
                self.x,
                self.y,
                epochs=epochs,
                batch_size=self.training.batch_size,
                learning_rate=learning_rate or self.training.learning_rate / 2,
                seed=self.training.seed + seed_offset,
                loss=self.task.loss,
                device=self.device,
            )
        return model

    def sample(self, n: int) -> np.ndarray:
        """``n`` training items drawn with the study's seed (calibration data)."""
        rng = np.random.default_rng(self.training.seed)
        return self.x[np.sort(rng.choice(len(self.x), size=min(n, len(self.x)), replace=False))]


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


def is_quantized(model: nn.Module) -> bool:
    """Quantized by torchao (int8 weight tensors, or a PT2E int8 graph) or by anything with quantized modules."""
    if getattr(model, "lca_quantized_format", None):
        return True
    if any(type(p).__module__.startswith("torchao") for p in model.parameters()):
        return True
    return any("quantized" in type(m).__module__ for m in model.modules())


def refuse_quantized(model: nn.Module, method: str) -> None:
    if is_quantized(model):
        raise CompressionError(f"{method} needs float weights; {type(model).__name__} is already quantized")
