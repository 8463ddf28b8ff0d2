"""Efficient architectures as variants: built from the study's model and trained from scratch.

Compression starts from the trained baseline and so inherits its training; an
architecture variant is a different model, trained with the study's own training
settings (epochs, batch size, learning rate, seed), and its training energy is its
own (the compress stage measures it; the inventory charges it in place of the
baseline's training).
"""

from __future__ import annotations

from torch import nn

from lca.errors import CompressionError
from lca.ml.models import DepthwiseSeparableCNN, build_model, count_parameters
from lca.study.compression import ArchitectureVariant
from lca.study.machine_learning import AutoencoderKMeansSpec, MlpSpec, ModelSpec, SmallCnnSpec, TwoTowerSpec


def scaled(width: int, factor: float) -> int:
    return max(1, round(width * factor))


def build_architecture(
    spec: ArchitectureVariant, model: ModelSpec, input_shape: tuple[int, ...], n_outputs: int
) -> nn.Module:
    if spec.design == "depthwise_separable":
        if not isinstance(model, SmallCnnSpec):
            raise CompressionError(f"'depthwise_separable' needs a small_cnn, not {model.architecture!r}")
        return DepthwiseSeparableCNN(
            channels=scaled(model.channels, spec.width),
            hidden=scaled(model.hidden, spec.width),
            n_classes=n_outputs,
            image_size=input_shape[1],
        )
    if isinstance(model, SmallCnnSpec):
        tiny = model.model_copy(
            update={"channels": scaled(model.channels, spec.width), "hidden": scaled(model.hidden, spec.width)}
        )
    elif isinstance(model, (MlpSpec, TwoTowerSpec, AutoencoderKMeansSpec)):
        hidden = model.hidden[: spec.depth] if spec.depth else model.hidden
        tiny = model.model_copy(update={"hidden": [scaled(h, spec.width) for h in hidden]})
        if isinstance(model, TwoTowerSpec):
            tiny = tiny.model_copy(update={"embedding_dim": scaled(model.embedding_dim, spec.width)})
    else:
        raise CompressionError(f"'tiny' scales a built-in architecture, not {model.architecture!r}")
    return build_model(tiny, input_shape, n_outputs)


def train_from_scratch(spec: ArchitectureVariant, baseline: nn.Module, ctx) -> tuple[nn.Module, str]:
    """The variant, trained like the baseline was; ``baseline`` only sizes the comparison."""
    import torch

    if ctx.model_spec is None:
        raise CompressionError(f"architecture variant {spec.name!r} needs the study's model spec")
    torch.manual_seed(ctx.training.seed)
    model = build_architecture(spec, ctx.model_spec, ctx.input_shape, ctx.n_outputs or _outputs(baseline))
    ctx.finetune(model, ctx.training.epochs, seed_offset=0, learning_rate=ctx.training.learning_rate)
    ours, theirs = count_parameters(model)[0], count_parameters(baseline)[0]
    what = (
        "each 3x3 convolution replaced by a depthwise 3x3 + pointwise 1x1 convolution"
        if spec.design == "depthwise_separable"
        else f"widths x{spec.width:g}" + (f", first {spec.depth} hidden layer(s)" if spec.depth else "")
    )
    return model, (
        f"Architecture variant '{spec.design}' ({type(model).__name__}: {what}; {ours:,} parameters vs the "
        f"baseline's {theirs:,}), trained from scratch for {ctx.training.epochs} epoch(s) with the study's training "
        "settings; its training energy is its own, not the baseline's."
    )


def _outputs(baseline: nn.Module) -> int:
    last = [m for m in baseline.modules() if isinstance(m, nn.Linear)][-1]
    return last.out_features
