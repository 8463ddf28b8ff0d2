"""Post-training int8 quantization, dynamic and static (eager mode, torch.ao.quantization).

torch.ao.quantization's eager mode is deprecated in favour of torchao, which is
not a dependency here; on torch 2.13 CPU it still works (x86/fbgemm, onednn and
qnnpack engines) and prints deprecation warnings. Static quantization fuses
Conv/Linear with a following ReLU (and BatchNorm), wraps the model between
QuantStub and DeQuantStub (``QuantWrapper``), calibrates the activation
observers on training items and converts. Ops without a quantized kernel (a
functional ``x + y``, ``torch.cat``) make it fail: that is reported, not hidden.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression import CompressionContext, is_quantized
from lca.study.schema import StaticQuantization

_FUSABLE = (
    (nn.Conv2d, nn.BatchNorm2d, nn.ReLU),
    (nn.Conv1d, nn.BatchNorm1d, nn.ReLU),
    (nn.Conv2d, nn.BatchNorm2d),
    (nn.Conv1d, nn.BatchNorm1d),
    (nn.Conv2d, nn.ReLU),
    (nn.Conv1d, nn.ReLU),
    (nn.Linear, nn.ReLU),
    (nn.Linear, nn.BatchNorm1d),
)


def dynamic_quantization(model: nn.Module) -> tuple[nn.Module, str]:
    if is_quantized(model):
        raise CompressionError(f"dynamic quantization needs float weights; {type(model).__name__} is already quantized")
    linear = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    if not linear:
        raise CompressionError(f"dynamic quantization applies to nn.Linear layers; {type(model).__name__} has none")
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    return quantized, (
        f"Post-training dynamic int8 quantization of {len(linear)} linear layer(s) "
        f"({', '.join(linear)}); weights stored as int8, activations quantized at run time; no retraining."
    )


def fusable_groups(model: nn.Module) -> list[list[str]]:
    """Names of consecutive (Conv|Linear)[+BN][+ReLU] children of every ``nn.Sequential``."""
    groups = []
    for prefix, container in model.named_modules():
        if not isinstance(container, nn.Sequential):
            continue
        children = list(container.named_children())
        i = 0
        while i < len(children):
            for pattern in _FUSABLE:
                window = children[i : i + len(pattern)]
                if len(window) == len(pattern) and all(type(m) is t for (_, m), t in zip(window, pattern)):
                    groups.append([f"{prefix}.{name}" if prefix else name for name, _ in window])
                    i += len(pattern) - 1
                    break
            i += 1
    return groups


def static_quantization(model: nn.Module, spec: StaticQuantization, ctx: CompressionContext) -> tuple[nn.Module, str]:
    name = type(model).__name__
    if is_quantized(model):
        raise CompressionError(f"static quantization needs float weights; {name} is already quantized")
    if spec.backend not in torch.backends.quantized.supported_engines:
        raise CompressionError(
            f"quantization engine {spec.backend!r} is not available in this torch build "
            f"(available: {torch.backends.quantized.supported_engines})"
        )
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))]
    if not layers:
        raise CompressionError(f"static quantization applies to Conv and Linear layers; {name} has none")
    tq = torch.ao.quantization
    torch.backends.quantized.engine = spec.backend
    model.eval()
    groups = fusable_groups(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eager-mode deprecation notices, see module docstring
        if groups:
            tq.fuse_modules(model, groups, inplace=True)
        wrapped = tq.QuantWrapper(model)
        wrapped.qconfig = tq.get_default_qconfig(spec.backend)
        tq.prepare(wrapped, inplace=True)
        calibration = torch.from_numpy(ctx.sample(spec.calibration_items))
        try:
            with torch.no_grad():
                for start in range(0, len(calibration), 128):
                    wrapped(calibration[start : start + 128])
            tq.convert(wrapped, inplace=True)
            with torch.no_grad():
                wrapped(calibration[:2])
        except (RuntimeError, NotImplementedError) as exc:
            first = str(exc).strip().splitlines()[0]
            raise CompressionError(
                f"static quantization cannot run {name}: {first}. Eager-mode static quantization needs every "
                "operation in forward() to have a quantized kernel (Conv, Linear, ReLU, pooling, Flatten); "
                "functional ops such as x + y or torch.cat need torch.ao.nn.quantized.FloatFunctional."
            ) from None
    quantized = [n for n, m in wrapped.named_modules() if "quantized" in type(m).__module__ and hasattr(m, "weight")]
    if not quantized:
        raise CompressionError(f"static quantization converted no layer of {name}")
    wrapped.lca_quantized_engine = spec.backend
    return wrapped, (
        f"Post-training static int8 quantization ({spec.backend} engine, eager mode): "
        f"{len(groups)} layer group(s) fused ({'; '.join('+'.join(g) for g in groups) or 'none'}), "
        f"activation ranges calibrated on {len(calibration)} training items, {len(quantized)} layer(s) "
        "run int8 end to end between a quantize and a dequantize step; no retraining."
    )
