"""Structured pruning: removes whole channels and neurons, so the model is physically smaller and faster.

Unlike magnitude pruning (zeros kept in dense tensors), each hidden Conv/Linear
layer is rebuilt with fewer output units (those with the largest L1 norm are
kept) and the next layer with matching fewer inputs. That rewiring is only safe
when the forward pass is a single chain of layers; the chain is read with
``torch.fx``, and anything else (a residual branch, a concatenation, an
unknown module between two layers) is refused with the node that breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext, refuse_quantized
from lca.study.compression import StructuredPruning

PRODUCERS = (nn.Linear, nn.Conv1d, nn.Conv2d)
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
# Element-wise or per-channel modules: channel c in, channel c out.
PASSTHROUGH = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.GELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.SiLU,
    nn.ELU,
    nn.Identity,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
)
_PASSTHROUGH_FUNCTIONS = {torch.relu, F.relu, torch.tanh, torch.sigmoid, F.gelu, F.leaky_relu, F.silu}


@dataclass
class Step:
    kind: str  # producer | norm | flatten | pass
    name: str
    module: nn.Module | None = None


def layer_chain(model: nn.Module) -> list[Step]:
    """The forward pass as an ordered list of steps, or CompressionError if it is not a single chain."""
    label = type(model).__name__
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as exc:  # noqa: BLE001 - fx raises many types on untraceable code
        raise CompressionError(f"structured pruning cannot trace {label}'s forward(): {exc}") from None
    nodes = list(graph.nodes)
    prev = nodes[0]
    steps: list[Step] = []
    for node in nodes[1:]:
        if node.op == "output":
            break
        if node.all_input_nodes != [prev] or len(prev.users) != 1:
            raise CompressionError(
                f"structured pruning needs forward() to be a single chain of layers; {label} branches or merges "
                f"at node '{node.name}' ({node.op} {node.target}), e.g. a residual connection"
            )
        steps.append(_step(model, node, label))
        prev = node
    return steps


def _step(model: nn.Module, node, label: str) -> Step:
    if node.op == "call_module":
        module = model.get_submodule(node.target)
        if isinstance(module, PRODUCERS):
            if getattr(module, "groups", 1) != 1:
                raise CompressionError(f"structured pruning does not handle grouped convolution '{node.target}'")
            return Step("producer", node.target, module)
        if isinstance(module, NORMS):
            return Step("norm", node.target, module)
        if isinstance(module, nn.Flatten):
            return Step("flatten", node.target, module)
        if isinstance(module, PASSTHROUGH):
            return Step("pass", node.target, module)
        raise CompressionError(
            f"structured pruning cannot carry channels through '{node.target}' ({type(module).__name__}) in {label}"
        )
    if (
        node.op == "call_function"
        and node.target is torch.flatten
        or node.op == "call_method"
        and node.target == "flatten"
    ):
        return Step("flatten", node.name)
    if node.op == "call_function" and node.target in _PASSTHROUGH_FUNCTIONS:
        return Step("pass", node.name)
    raise CompressionError(
        f"structured pruning cannot carry channels through operation '{node.name}' ({node.op} {node.target}) in {label}"
    )


def structured_pruning(model: nn.Module, spec: StructuredPruning, ctx: CompressionContext) -> tuple[nn.Module, str]:
    refuse_quantized(model, "structured pruning")
    label = type(model).__name__
    steps = layer_chain(model)
    producers = [i for i, s in enumerate(steps) if s.kind == "producer"]
    if len(producers) < 2:
        raise CompressionError(
            f"structured pruning removes units of hidden layers; {label} has {len(producers)} Conv/Linear layer(s), "
            "and the output layer's units are the task's outputs"
        )
    before = sum(p.numel() for p in model.parameters())
    current = {steps[i].name: steps[i].module for i in producers}
    changes = []
    for a, b in zip(producers, producers[1:]):
        name_a, name_b = steps[a].name, steps[b].name
        layer_a, layer_b = current[name_a], current[name_b]
        between = steps[a + 1 : b]
        units = layer_a.weight.shape[0]
        keep_n = max(1, round(units * (1 - spec.amount)))
        norms = layer_a.weight.detach().abs().reshape(units, -1).sum(dim=1)
        keep = torch.sort(torch.topk(norms, keep_n).indices).values
        current[name_a] = _shrink(layer_a, out_idx=keep)
        for step in between:
            if step.kind == "norm":
                _set(model, step.name, _shrink_norm(step.module, keep))
        flattened = any(step.kind == "flatten" for step in between)
        current[name_b] = _shrink(layer_b, in_idx=_input_index(layer_a, layer_b, keep, units, flattened, name_b))
        changes.append(f"{name_a} {units}->{keep_n}")
    for name, module in current.items():
        _set(model, name, module)
    after = sum(p.numel() for p in model.parameters())
    ctx.finetune(model, spec.finetune_epochs)
    return model, (
        f"Structured L1-norm pruning removed {spec.amount:.0%} of the units of each hidden layer "
        f"({', '.join(changes)} channels/neurons) and the matching inputs of the next layer: "
        f"{before:,} -> {after:,} parameters, physically smaller dense layers; "
        f"then {spec.finetune_epochs} epoch(s) of fine-tuning."
    )


def _input_index(layer_a, layer_b, keep, units, flattened, name_b) -> torch.Tensor:
    conv_a = isinstance(layer_a, (nn.Conv1d, nn.Conv2d))
    if isinstance(layer_b, nn.Linear) and conv_a:
        if not flattened:
            raise CompressionError(f"structured pruning expects a Flatten between a convolution and '{name_b}'")
        if layer_b.in_features % units:
            raise CompressionError(f"'{name_b}' has {layer_b.in_features} inputs, not a multiple of {units} channels")
        spatial = layer_b.in_features // units
        return (keep[:, None] * spatial + torch.arange(spatial)[None, :]).reshape(-1)
    if isinstance(layer_b, nn.Linear) or (conv_a and isinstance(layer_b, (nn.Conv1d, nn.Conv2d))):
        return keep
    raise CompressionError(f"structured pruning cannot feed {type(layer_a).__name__} outputs into '{name_b}'")


def _shrink(layer: nn.Module, out_idx: torch.Tensor | None = None, in_idx: torch.Tensor | None = None) -> nn.Module:
    weight = layer.weight.detach()
    bias = layer.bias.detach() if layer.bias is not None else None
    if out_idx is not None:
        weight = weight[out_idx]
        bias = bias[out_idx] if bias is not None else None
    if in_idx is not None:
        weight = weight[:, in_idx]
    if isinstance(layer, nn.Linear):
        new = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    else:
        new = type(layer)(
            weight.shape[1],
            weight.shape[0],
            layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
            bias=bias is not None,
            padding_mode=layer.padding_mode,
        )
    with torch.no_grad():
        new.weight.copy_(weight)
        if bias is not None:
            new.bias.copy_(bias)
    return new


def _shrink_norm(norm: nn.Module, keep: torch.Tensor) -> nn.Module:
    new = type(norm)(
        len(keep),
        eps=norm.eps,
        momentum=norm.momentum,
        affine=norm.affine,
        track_running_stats=norm.track_running_stats,
    )
    with torch.no_grad():
        if norm.affine:
            new.weight.copy_(norm.weight[keep])
            new.bias.copy_(norm.bias[keep])
        if norm.track_running_stats:
            new.running_mean.copy_(norm.running_mean[keep])
            new.running_var.copy_(norm.running_var[keep])
    return new


def _set(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, attr = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, attr, module)
