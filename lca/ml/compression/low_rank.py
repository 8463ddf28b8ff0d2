"""Low-rank factorisation: each weight matrix W (out x in) becomes two thinner layers, U_r S_r^1/2 and S_r^1/2 V_r^T.

A convolution's kernel is read as a matrix (out, in*k...) and split into a
convolution with ``r`` filters of the original size and a 1x1 convolution. A
layer is replaced only where rank ``r`` saves parameters, r*(in+out) < in*out;
the rank is either given or the smallest keeping ``energy`` of the squared
singular values. If no layer gains, the method refuses instead of pretending.
"""

from __future__ import annotations

import torch
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext, refuse_quantized
from lca.study.compression import LowRankFactorization

_KINDS = {"linear": (nn.Linear,), "conv": (nn.Conv1d, nn.Conv2d), "all": (nn.Linear, nn.Conv1d, nn.Conv2d)}


def choose_rank(singular_values: torch.Tensor, spec: LowRankFactorization) -> int:
    if spec.rank is not None:
        return min(spec.rank, len(singular_values))
    energy = torch.cumsum(singular_values**2, dim=0) / (singular_values**2).sum()
    return int(torch.searchsorted(energy, torch.tensor(spec.energy - 1e-9, dtype=energy.dtype)).item()) + 1


def low_rank_factorization(
    model: nn.Module, spec: LowRankFactorization, ctx: CompressionContext
) -> tuple[nn.Module, str]:
    refuse_quantized(model, "low-rank factorisation")
    label = type(model).__name__
    kinds = _KINDS[spec.layers]
    candidates = [(n, m) for n, m in model.named_modules() if isinstance(m, kinds) and getattr(m, "groups", 1) == 1]
    if not candidates:
        raise CompressionError(
            f"low-rank factorisation applies to {spec.layers} layers ({', '.join(k.__name__ for k in kinds)}); "
            f"{label} has none"
        )
    replaced, skipped = [], []
    for name, layer in candidates:
        matrix = layer.weight.detach().reshape(layer.weight.shape[0], -1)
        out_dim, in_dim = matrix.shape
        u, s, vh = torch.linalg.svd(matrix, full_matrices=False)
        rank = choose_rank(s, spec)
        if rank * (out_dim + in_dim) >= out_dim * in_dim:
            skipped.append(f"{name} (rank {rank} of {min(out_dim, in_dim)} saves nothing)")
            continue
        root = s[:rank].sqrt()
        first = root[:, None] * vh[:rank]  # rank x in
        second = u[:, :rank] * root[None, :]  # out x rank
        _set(model, name, _factorized(layer, first, second, rank))
        replaced.append(f"{name} {out_dim}x{in_dim}->rank {rank}")
    if not replaced:
        raise CompressionError(f"low-rank factorisation reduces no layer of {label}: {'; '.join(skipped)}")
    ctx.finetune(model, spec.finetune_epochs)
    choice = (
        f"rank {spec.rank}"
        if spec.rank is not None
        else f"smallest rank keeping {spec.energy:.0%} of the spectral energy"
    )
    return model, (
        f"Truncated-SVD low-rank factorisation ({choice}) of {len(replaced)} layer(s): {', '.join(replaced)}"
        + (f"; left as is: {', '.join(skipped)}" if skipped else "")
        + f"; each split into two thinner layers, then {spec.finetune_epochs} epoch(s) of fine-tuning."
    )


def _factorized(layer: nn.Module, first: torch.Tensor, second: torch.Tensor, rank: int) -> nn.Sequential:
    has_bias = layer.bias is not None
    if isinstance(layer, nn.Linear):
        a, b = nn.Linear(layer.in_features, rank, bias=False), nn.Linear(rank, layer.out_features, bias=has_bias)
        shapes = (first.shape, second.shape)
    else:
        conv = type(layer)
        a = conv(
            layer.in_channels,
            rank,
            layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
            bias=False,
            padding_mode=layer.padding_mode,
        )
        b = conv(rank, layer.out_channels, 1, bias=has_bias)
        shapes = (a.weight.shape, b.weight.shape)
    with torch.no_grad():
        a.weight.copy_(first.reshape(shapes[0]))
        b.weight.copy_(second.reshape(shapes[1]))
        if has_bias:
            b.bias.copy_(layer.bias.detach())
    return nn.Sequential(a, b)


def _set(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, attr = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, attr, module)
