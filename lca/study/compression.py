"""The ``compression`` section of a study: the variants compared against the baseline model.

Each entry names a variant and the method that makes it from the baseline
(quantization, pruning, low-rank factorization, distillation, a combination of
them) or an efficient architecture trained from scratch. Implemented by
lca.ml.compression and lca.ml.architectures; only declared and checked here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from lca import limits as L
from lca.study.machine_learning import ModelSpec
from lca.study.strict_model import StrictModel


class _Method(StrictModel):
    # Required for a study's compression entries (it names the variant); the steps
    # of a ``combined`` entry leave it out.
    name: str = Field(default="", pattern=r"^([a-z][a-z0-9_]{0,62})?$")


class DynamicQuantization(_Method):
    """Post-training dynamic int8 quantization of the linear layers."""

    method: Literal["dynamic_quantization"]


class StaticQuantization(_Method):
    """Post-training static int8 quantization (eager mode): fused, calibrated on training items."""

    method: Literal["static_quantization"]
    calibration_items: StrictInt = Field(default=512, gt=0, le=L.MAX_CALIBRATION_ITEMS)
    backend: Literal["x86", "fbgemm", "qnnpack", "onednn"] = "x86"


class MagnitudePruning(_Method):
    """Unstructured L1 magnitude pruning of conv and linear weights, then fine-tuning."""

    method: Literal["magnitude_pruning"]
    sparsity: StrictFloat = Field(gt=0.0, lt=1.0)
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)


class StructuredPruning(_Method):
    """Removes the weakest channels/neurons (L1 norm) of every hidden layer, then fine-tunes."""

    method: Literal["structured_pruning"]
    amount: StrictFloat = Field(gt=0.0, lt=1.0, description="share of units removed from each hidden layer")
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)


class LowRankFactorization(_Method):
    """Truncated SVD of linear and convolution weights, then fine-tuning."""

    method: Literal["low_rank"]
    rank: StrictInt | None = Field(default=None, gt=0, le=L.MAX_RANK)
    energy: StrictFloat | None = Field(
        default=None, gt=0.0, le=1.0, description="share of squared singular values kept"
    )
    layers: Literal["all", "linear", "conv"] = "all"
    finetune_epochs: StrictInt = Field(default=1, ge=0, le=L.MAX_EPOCHS)

    @model_validator(mode="after")
    def _rank_or_energy(self) -> LowRankFactorization:
        if (self.rank is None) == (self.energy is None):
            raise ValueError("give exactly one of 'rank' or 'energy'")
        return self


class Distillation(_Method):
    """Knowledge distillation: a smaller student learns the baseline's outputs and the labels."""

    method: Literal["distillation"]
    student: ModelSpec
    temperature: StrictFloat = Field(default=4.0, gt=0.0, le=L.MAX_TEMPERATURE)
    alpha: StrictFloat = Field(default=0.7, ge=0.0, le=1.0, description="weight of the teacher's soft targets")
    epochs: StrictInt = Field(default=10, gt=0, le=L.MAX_EPOCHS)
    learning_rate: StrictFloat | None = Field(default=None, gt=0.0, lt=1.0)


class ArchitectureVariant(_Method):
    """An efficient architecture trained from scratch with the study's training settings, not compressed.

    ``depthwise_separable``: the ``small_cnn`` with each 3x3 convolution replaced by a
    depthwise 3x3 and a pointwise 1x1 convolution. ``tiny``: the study's model with its
    widths (channels, hidden units, embeddings) scaled by ``width`` and, for the models
    with a ``hidden`` list (mlp, two_tower, autoencoder_kmeans), only the first ``depth``
    hidden layers. Its training is its own: the inventory charges it instead of
    the baseline's.
    """

    method: Literal["architecture"]
    design: Literal["depthwise_separable", "tiny"]
    width: StrictFloat = Field(default=1.0, gt=0.0, le=1.0, description="width multiplier (1: the baseline's widths)")
    depth: StrictInt | None = Field(
        default=None, gt=0, le=L.MAX_MLP_LAYERS, description="models with a 'hidden' list: hidden layers kept"
    )


StepSpec = Annotated[
    DynamicQuantization
    | StaticQuantization
    | MagnitudePruning
    | StructuredPruning
    | LowRankFactorization
    | Distillation,
    Field(discriminator="method"),
]
_QUANTIZATION = ("dynamic_quantization", "static_quantization")


class Combination(_Method):
    """Several methods in order, e.g. distil then quantize; its energy covers every step."""

    method: Literal["combined"]
    steps: list[StepSpec] = Field(min_length=2, max_length=L.MAX_COMBINED_STEPS)

    @model_validator(mode="after")
    def _sensible_order(self) -> Combination:
        methods = [step.method for step in self.steps]
        quantized = [i for i, m in enumerate(methods) if m in _QUANTIZATION]
        if len(quantized) > 1 or (quantized and quantized[0] != len(methods) - 1):
            raise ValueError(f"quantization can only be the last step, and only once (steps: {methods})")
        if "distillation" in methods[1:]:
            raise ValueError(
                f"distillation learns from the baseline, so it can only be the first step (steps: {methods})"
            )
        return self


CompressionSpec = Annotated[
    DynamicQuantization
    | StaticQuantization
    | MagnitudePruning
    | StructuredPruning
    | LowRankFactorization
    | Distillation
    | Combination
    | ArchitectureVariant,
    Field(discriminator="method"),
]


def check_architecture(spec: ArchitectureVariant, model: Any) -> None:
    """An architecture variant must fit the study's model (checked by the study, which knows both)."""
    where = f"architecture variant {spec.name!r}"
    if spec.design == "depthwise_separable" and model.architecture != "small_cnn":
        raise ValueError(
            f"{where}: 'depthwise_separable' replaces the convolutions of a small_cnn; the model is "
            f"{model.architecture!r}"
        )
    if spec.design == "tiny" and model.architecture == "custom":
        raise ValueError(f"{where}: 'tiny' scales a small_cnn or an mlp; a custom model's widths are unknown")
    if spec.design == "tiny" and spec.width == 1.0 and spec.depth is None:
        raise ValueError(f"{where}: 'tiny' needs width < 1 or depth: as given it is the baseline itself")
    if spec.depth is not None and model.architecture not in ("mlp", "two_tower", "autoencoder_kmeans"):
        raise ValueError(
            f"{where}: 'depth' applies to a model with a 'hidden' list (mlp, two_tower, autoencoder_kmeans)"
        )
    if spec.depth is not None and spec.depth > len(model.hidden):
        raise ValueError(f"{where}: depth {spec.depth} exceeds the mlp's {len(model.hidden)} hidden layer(s)")


def all_steps(specs: list) -> list:
    """Every method of the compression entries, a combination's steps in its place."""
    return [step for spec in specs for step in (spec.steps if isinstance(spec, Combination) else [spec])]
