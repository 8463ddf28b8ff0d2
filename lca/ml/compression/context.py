"""What every compression method works with: the training data and settings, and the quantized-model checks.

Apart from :mod:`lca.ml.compression` (which dispatches a study's method to its module) so
that the method modules import this and the dispatcher imports them, never both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from torch import nn

from lca.errors import CompressionError
from lca.ml.tasks import task_for
from lca.ml.tasks.base import Task
from lca.ml.training import fit
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
