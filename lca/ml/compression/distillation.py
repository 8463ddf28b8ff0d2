"""Knowledge distillation: a smaller student architecture learns from the baseline (the teacher).

The student trains on the task's distillation loss: softened teacher
probabilities (Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural
Network", 2015) for classification, the teacher's predictions for regression,
mixed with the true targets by ``alpha``. A student that is not smaller than its
teacher is refused: it would not be a compression.
"""

from __future__ import annotations

import torch
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext, refuse_quantized
from lca.ml.training import fit, predict
from lca.study.compression import Distillation


def distill(teacher: nn.Module, spec: Distillation, ctx: CompressionContext) -> tuple[nn.Module, str]:
    from lca.ml.models import build_model, make_importable

    refuse_quantized(teacher, "distillation (as teacher)")
    teacher_outputs = predict(teacher, ctx.x).astype("float32")
    n_outputs = ctx.n_outputs or teacher_outputs.reshape(len(teacher_outputs), -1).shape[1]
    make_importable(spec.student)
    torch.manual_seed(ctx.training.seed + 2)
    student = build_model(spec.student, ctx.input_shape, n_outputs)
    t_params, s_params = (sum(p.numel() for p in m.parameters()) for m in (teacher, student))
    if s_params >= t_params:
        raise CompressionError(
            f"distillation needs a smaller student: {spec.student.architecture} has {s_params:,} parameters, "
            f"the teacher {type(teacher).__name__} {t_params:,}"
        )
    with torch.no_grad():
        probe = student(torch.from_numpy(ctx.x[:2]))
    if probe.shape[1:] != torch.Size(teacher_outputs.shape[1:]):
        raise CompressionError(
            f"the student's output shape {list(probe.shape[1:])} differs from the teacher's "
            f"{list(teacher_outputs.shape[1:])}"
        )

    def loss(student_out, teacher_out, targets):
        return ctx.task.distillation_loss(student_out, teacher_out, targets, spec.temperature, spec.alpha)

    learning_rate = spec.learning_rate or ctx.training.learning_rate
    fit(
        student,
        ctx.x,
        ctx.y,
        epochs=spec.epochs,
        batch_size=ctx.training.batch_size,
        learning_rate=learning_rate,
        seed=ctx.training.seed + 2,
        loss=ctx.task.loss,
        teacher_outputs=teacher_outputs,
        distillation_loss=loss,
        device=ctx.device,
    )
    return student, (
        f"Knowledge distillation into a {spec.student.architecture} student "
        f"({s_params:,} parameters vs the teacher's {t_params:,}, {s_params / t_params:.0%}), "
        f"trained {spec.epochs} epoch(s) on the teacher's outputs (temperature {spec.temperature:g}, "
        f"weight {spec.alpha:g}) and the true targets (weight {1 - spec.alpha:g}), lr {learning_rate:g}."
    )
