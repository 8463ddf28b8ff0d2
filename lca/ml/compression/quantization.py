"""Post-training int8 quantization with torchao: dynamic (``quantize_``) and static (PT2E).

torch 2.13 deprecates eager-mode ``torch.ao.quantization`` (``quantize_dynamic``,
``prepare``/``convert``) in favour of torchao, and ``torch.ao.quantization.quantize_pt2e``
is gone from it; torchao 0.18 installs as one wheel with the pinned torch and runs
on CPU, so both methods use it:

- **dynamic**: ``quantize_(model, Int8DynamicActivationInt8WeightConfig())`` swaps the
  weight of every ``nn.Linear`` for an int8 tensor and quantizes the activations at
  run time, per token (what eager ``quantize_dynamic`` did). Weight-only int8
  (``Int8WeightOnlyConfig``) would be closer to float speed here, but it is a
  different method (activations stay float, the matmul runs in float after
  dequantizing the weights), so it is not what a study asking for *dynamic*
  quantization gets. Convolutions stay float.
- **static**: the model is captured with ``torch.export`` (batch axis dynamic), the
  ``X86InductorQuantizer`` annotates Conv and Linear (with their ReLU), activation
  ranges are calibrated on training items and ``convert_pt2e`` folds int8 weights
  and quantize/dequantize steps into the graph. The result is a ``GraphModule``;
  float weights no graph node reads any more are dropped so the size is honest.

Run eagerly, both use reference (decomposed) int8 kernels on CPU, which on a small CNN
are slower than float: ``benchmarks/ml_results.md`` measures it instead of assuming a
speed-up. That is the runtime, not int8: the static graph is made to be lowered by
Inductor (``torch.compile``, the ``compiled`` runtime of :mod:`lca.ml.runtimes`; the
oneDNN int8 fusion needs freezing, which fails on this torch/torchao pair, so Inductor
fuses the quantize/dequantize steps into its loops and the Conv/Linear run in float,
see :mod:`lca.ml.runtimes.compiled`), and ONNX Runtime runs its exported
QuantizeLinear/DequantizeLinear graph with int8 kernels; ``benchmarks/runtime_results.md``
measures each variant in each runtime.
The dynamic variant's int8 tensor subclasses compile but do not export to ONNX.
Saving and loading: :func:`lca.ml.models.save_model`.

Importing the x86 quantizer imports ``torch._inductor``, which triggers torch's own
``torch.jit.script_method`` DeprecationWarning at import time (inside torch, not
from this project's calls); that one message is filtered, nothing else.
"""

from __future__ import annotations

import logging
import warnings

import torch
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression.context import CompressionContext, is_quantized
from lca.study.compression import StaticQuantization

# Set on the model so the save, the load and the benchmark know what they hold.
DYNAMIC_FORMAT = "torchao_int8_dynamic"
STATIC_FORMAT = "torchao_pt2e_int8_static"
_TORCH_INTERNAL_JIT_WARNING = r"`torch\.jit\.script_method` is deprecated"


def import_torchao():
    """torchao, with its import-time noise silenced: CUDA-only extension libraries it cannot load on CPU."""
    for name in ("torchao", "torch.utils._pytree"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import torchao

    return torchao


def _x86_quantizer():
    import_torchao()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_TORCH_INTERNAL_JIT_WARNING, category=DeprecationWarning)
        from torchao.quantization.pt2e.quantizer.x86_inductor_quantizer import (
            X86InductorQuantizer,
            get_default_x86_inductor_quantization_config,
        )
    quantizer = X86InductorQuantizer()
    quantizer.set_global(get_default_x86_inductor_quantization_config())
    return quantizer


def dynamic_quantization(model: nn.Module) -> tuple[nn.Module, str]:
    if is_quantized(model):
        raise CompressionError(f"dynamic quantization needs float weights; {type(model).__name__} is already quantized")
    linear = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    if not linear:
        raise CompressionError(f"dynamic quantization applies to nn.Linear layers; {type(model).__name__} has none")
    import_torchao()
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    model.eval()
    quantize_(model, Int8DynamicActivationInt8WeightConfig())
    model.lca_quantized_format = DYNAMIC_FORMAT
    return model, (
        f"Post-training dynamic int8 quantization (torchao quantize_, Int8DynamicActivationInt8WeightConfig) of "
        f"{len(linear)} linear layer(s) ({', '.join(linear)}): weights stored as int8, activations quantized per "
        "token at run time; convolutions stay float; no retraining. CPU only: torchao's CPU path runs reference "
        "kernels that quantize the activations at every call, which on small layers can cost more than the int8 "
        "product saves; its int8 tensor subclasses have no ONNX export (not supported in ONNX Runtime)."
    )


def static_quantization(model: nn.Module, spec: StaticQuantization, ctx: CompressionContext) -> tuple[nn.Module, str]:
    name = type(model).__name__
    if is_quantized(model):
        raise CompressionError(f"static quantization needs float weights; {name} is already quantized")
    if spec.backend != "x86":
        raise CompressionError(
            f"static quantization backend {spec.backend!r}: the torchao PT2E path here uses the x86 quantizer "
            "(X86InductorQuantizer); set backend: x86"
        )
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))]
    if not layers:
        raise CompressionError(f"static quantization applies to Conv and Linear layers; {name} has none")
    from torch.export import Dim, export
    from torchao.quantization.pt2e import allow_exported_model_train_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    quantizer = _x86_quantizer()
    model.eval()
    calibration = torch.from_numpy(ctx.sample(spec.calibration_items))
    example = (calibration[:2],)
    try:
        captured = export(model, example, dynamic_shapes=({0: Dim.DYNAMIC},)).module()
        prepared = prepare_pt2e(captured, quantizer)
        with torch.no_grad():
            for start in range(0, len(calibration), 128):
                prepared(calibration[start : start + 128])
        converted = convert_pt2e(prepared)
        with torch.no_grad():
            converted(calibration[:2])
    except Exception as exc:  # noqa: BLE001 - export and the quantizer raise many types; all mean "cannot"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CompressionError(
            f"static quantization cannot capture or convert {name} with torch.export + PT2E: {first}"
        ) from None
    dropped = drop_unused_weights(converted)
    allow_exported_model_train_eval(converted)
    int8 = count_int8_weights(converted)
    if not int8:
        raise CompressionError(f"static quantization converted no layer of {name}")
    converted.lca_quantized_format = STATIC_FORMAT
    converted.lca_input_shape = tuple(calibration.shape[1:])
    return converted, (
        f"Post-training static int8 quantization (torchao PT2E, X86InductorQuantizer, torch.export graph): "
        f"{int8} Conv/Linear weight(s) stored as int8, activation ranges calibrated on {len(calibration)} training "
        f"items, quantize/dequantize steps around each int8 layer; {dropped} float weight tensor(s) no longer used "
        "were dropped; no retraining. CPU only. Run eagerly it uses reference int8 kernels that quantize and "
        "dequantize around every layer; its intended runtime is torch.compile (Inductor; here without the oneDNN "
        "int8 fusion, which fails on torch 2.13 + torchao 0.18, so the quantize/dequantize steps are fused into "
        "Inductor's loops), or ONNX Runtime on the exported QDQ graph (int8 kernels)."
    )


def drop_unused_weights(graph_module: nn.Module) -> int:
    """Delete parameters and buffers no ``get_attr`` node reads (convert_pt2e keeps the float originals)."""
    used = {node.target for node in graph_module.graph.nodes if node.op == "get_attr"}
    unused = [key for key in graph_module.state_dict() if key not in used]
    for key in unused:
        owner_path, _, attr = key.rpartition(".")
        owner = graph_module.get_submodule(owner_path) if owner_path else graph_module
        delattr(owner, attr)
    return len(unused)


def count_int8_weights(graph_module: nn.Module) -> int:
    return sum(1 for value in graph_module.state_dict().values() if value.dtype == torch.int8)


def quantized_format(model: nn.Module) -> str | None:
    return getattr(model, "lca_quantized_format", None)


def restore_static(program_module: nn.Module) -> nn.Module:
    """A module loaded from ``torch.export.load``: let ``.eval()`` work and mark its format again."""
    from torchao.quantization.pt2e import allow_exported_model_train_eval

    import_torchao()
    allow_exported_model_train_eval(program_module)
    program_module.lca_quantized_format = STATIC_FORMAT
    return program_module


def export_static(model: nn.Module, example: torch.Tensor):
    """The static int8 graph as an ``ExportedProgram`` with a dynamic batch axis, for ``torch.export.save``."""
    from torch.export import Dim, export

    return export(model, (example,), dynamic_shapes=({0: Dim.DYNAMIC},))
