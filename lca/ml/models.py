"""Model architectures a study can name (or a user brings), and helpers to size, save and load them."""

from __future__ import annotations

import importlib
import inspect
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from lca.errors import StudyError
from lca.study.code_refs import CodeRefError, resolve_factory
from lca.study.machine_learning import (
    AutoencoderKMeansSpec,
    CustomModelSpec,
    MlpSpec,
    ModelSpec,
    SmallCnnSpec,
    TwoTowerSpec,
)


class SmallCNN(nn.Module):
    """Two 3x3 convolutions and two linear layers: enough for 8x8 digits at >95 %."""

    def __init__(self, channels: int = 16, hidden: int = 64, n_classes: int = 10, image_size: int = 8):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = cnn_classifier(channels, hidden, n_classes, image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class DepthwiseSeparableCNN(nn.Module):
    """The SmallCNN with each 3x3 convolution split into a depthwise 3x3 and a pointwise 1x1 (MobileNet, 2017).

    Same widths and same classifier, so the difference from the baseline is the
    convolution alone: about 9x fewer multiply-adds in each conv layer but the first.
    """

    def __init__(self, channels: int = 16, hidden: int = 64, n_classes: int = 10, image_size: int = 8):
        super().__init__()
        self.features = nn.Sequential(
            *separable(1, channels),
            nn.ReLU(),
            *separable(channels, 2 * channels),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = cnn_classifier(channels, hidden, n_classes, image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def cnn_classifier(channels: int, hidden: int, n_classes: int, image_size: int) -> nn.Sequential:
    """The classifier head both CNNs share, after two convolutions and one 2x2 pooling."""
    flat = 2 * channels * (image_size // 2) ** 2
    return nn.Sequential(nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))


def separable(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, in_channels, kernel_size=3, padding=1, groups=in_channels),
        nn.Conv2d(in_channels, out_channels, kernel_size=1),
    ]


class MLP(nn.Module):
    """Flatten, then Linear-ReLU blocks and a linear output, all in one ``nn.Sequential``.

    One flat chain on purpose: structured pruning, low-rank factorisation and
    static quantization (which fuses Linear+ReLU) all work on it as it is.
    """

    def __init__(self, n_inputs: int, hidden: Sequence[int], n_outputs: int, dropout: float = 0.0):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = n_inputs
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def build_model(spec: ModelSpec, input_shape: Sequence[int] = (1, 8, 8), n_outputs: int = 10) -> nn.Module:
    """The study's model for items of ``input_shape`` (without the batch axis) and ``n_outputs`` outputs."""
    if isinstance(spec, SmallCnnSpec):
        if len(input_shape) != 3 or input_shape[0] != 1 or input_shape[1] != input_shape[2]:
            raise StudyError(
                f"field 'model.architecture': 'small_cnn' needs 1xNxN images, the data give {list(input_shape)}"
            )
        return SmallCNN(channels=spec.channels, hidden=spec.hidden, n_classes=n_outputs, image_size=input_shape[1])
    if isinstance(spec, MlpSpec):
        n_inputs = int(torch.tensor(input_shape).prod())
        return MLP(n_inputs, spec.hidden, n_outputs, spec.dropout)
    if isinstance(spec, CustomModelSpec):
        return build_custom(spec, input_shape, n_outputs)
    if isinstance(spec, TwoTowerSpec):
        from lca.ml.ecommerce_models import TwoTower

        return TwoTower(int(input_shape[0]), spec.hidden, spec.embedding_dim)
    if isinstance(spec, AutoencoderKMeansSpec):
        from lca.ml.ecommerce_models import AutoencoderKMeans

        return AutoencoderKMeans(int(input_shape[0]), n_outputs, spec.hidden, spec.code_dim, spec.kmeans_restarts)
    raise ValueError(f"unknown architecture {spec.architecture!r}")


def make_importable(spec: ModelSpec) -> None:
    """Import a custom model's factory module, so that unpickling a saved model finds its classes.

    Pickle imports a class's module by name: once the factory module (and whatever it
    imports from its folder) is in ``sys.modules``, a saved model loads without the folder
    on ``sys.path``, where a file named like an installed package (``xlsxwriter.py``) would
    later be imported in place of that package (:func:`_import_factory_module`).
    """
    if isinstance(spec, CustomModelSpec) and spec.path:
        _import_factory_module(spec, "field 'model.factory'")


def _import_factory_module(spec: CustomModelSpec, field: str):
    """The factory's module, from the study's model folder and nowhere else; imported once per process.

    The study was checked when it loaded (lca.study.code_refs); this checks again
    right before importing. A module of the same name that this process imported
    from another study's folder (``lca-ml demo`` and the tests run several studies in
    one process) is dropped from ``sys.modules`` first, or ``import`` would silently
    return it; the imported file is then checked to be the expected one.
    """
    module_name = spec.factory.split(":")[0]
    try:
        expected = resolve_factory(spec.factory, Path(spec.path))
    except CodeRefError as exc:
        raise StudyError(f"{field}: value {spec.factory!r}: {exc}") from None
    top = module_name.split(".")[0]
    loaded = sys.modules.get(module_name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() != expected:
        if _USER_MODULES.get(top) is None:  # not another study's module: never drop the process's own
            raise StudyError(
                f"{field}: value {spec.factory!r}: this process already imported {module_name!r} from "
                f"{getattr(loaded, '__file__', None)}; rename your module file"
            )
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
    importlib.invalidate_caches()
    # The folder is first on sys.path for this import only (so the module may import its siblings),
    # and first, not merely present: another study's folder may hold a module of the same name.
    sys.path.insert(0, spec.path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StudyError(
            f"{field}: value {spec.factory!r}: cannot import {module_name!r} from {spec.path}: {exc}"
        ) from None
    finally:
        sys.path.remove(spec.path)  # the first occurrence: the one inserted above
    if Path(module.__file__ or "").resolve() != expected:
        raise StudyError(
            f"{field}: value {spec.factory!r}: {module_name!r} was imported from {module.__file__}, not {expected}"
        )
    _USER_MODULES[top] = Path(spec.path)
    return module


# Top-level names this process imported from study model folders (and from which folder).
_USER_MODULES: dict[str, Path] = {}


def build_custom(spec: CustomModelSpec, input_shape: Sequence[int], n_outputs: int) -> nn.Module:
    """Import ``module:function`` from the model folder, call it, and check the output shape of the module it gives."""
    module_name, function_name = spec.factory.split(":")
    field = "field 'model.factory'"
    module = _import_factory_module(spec, field)
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise StudyError(f"{field}: value {spec.factory!r}: {module_name} has no function {function_name!r}")
    kwargs = dict(spec.kwargs)
    params = inspect.signature(factory).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for name, value in (("input_shape", tuple(input_shape)), ("n_outputs", n_outputs)):
        if takes_any or name in params:
            kwargs.setdefault(name, value)
    try:
        model = factory(**kwargs)
    except TypeError as exc:
        raise StudyError(f"{field}: value {spec.factory!r}: calling it with {sorted(kwargs)} failed: {exc}") from None
    if not isinstance(model, nn.Module):
        raise StudyError(f"{field}: value {spec.factory!r} returned {type(model).__name__}, not a torch.nn.Module")
    model.eval()
    with torch.no_grad():
        try:
            out = model(torch.zeros(2, *input_shape))
        except Exception as exc:  # noqa: BLE001 - any failure here is the user's model meeting our data
            raise StudyError(
                f"{field}: value {spec.factory!r}: the model fails on a batch of shape {[2, *input_shape]}: {exc}"
            ) from None
    if tuple(out.shape) != (2, n_outputs):
        raise StudyError(
            f"{field}: value {spec.factory!r}: output shape {list(out.shape[1:])} per item, the task needs "
            f"[{n_outputs}]"
        )
    return model


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(all, non-zero) parameters, counting packed quantized weights too."""
    total = nonzero = 0
    for tensor in _weight_tensors(model):
        total += tensor.numel()
        nonzero += int(torch.count_nonzero(tensor).item())
    return total, nonzero


def _weight_tensors(model: nn.Module):
    for name, value in model.state_dict().items():
        leaf = name.rpartition(".")[2]
        if leaf in ("scale", "zero_point") or leaf.startswith(("_scale_", "_zero_point_")):
            continue  # quantization metadata, not weights
        if not isinstance(value, torch.Tensor):
            continue
        if type(value).__module__.startswith("torchao"):  # torchao int8 weight (a tensor subclass)
            yield value.dequantize()
        elif value.is_floating_point() or value.dtype == torch.int8:  # float, or PT2E's folded int8 weights
            yield value


def save_model(model: nn.Module, path) -> None:
    """One file per variant, whatever the model is, so the benchmark task can load what the compress task wrote.

    - float and torchao dynamic int8 models: the whole module pickled (pruned and
      sliced models cannot be rebuilt from a state_dict alone). torchao sets an
      instance ``extra_repr`` (a bound ``functools.partial``) that pickle refuses;
      it only prints the weight type, so it is dropped.
    - PT2E static int8 models: a ``torch.export`` program (the only form a PT2E
      graph can be saved in), wrapped with its format tag.
    """
    from lca.ml.compression.quantization import STATIC_FORMAT, export_static, quantized_format

    if quantized_format(model) == STATIC_FORMAT:
        buffer = io.BytesIO()
        torch.export.save(export_static(model, torch.zeros(2, *model.lca_input_shape)), buffer)
        torch.save(
            {"lca_format": STATIC_FORMAT, "input_shape": list(model.lca_input_shape), "program": buffer.getvalue()},
            path,
        )
        return
    for module in model.modules():
        module.__dict__.pop("extra_repr", None)
    torch.save(model, path)


def load_model(path) -> nn.Module:
    # Only files this project wrote in the same run are loaded, hence weights_only=False.
    from lca.ml.compression.quantization import STATIC_FORMAT, import_torchao, restore_static

    import_torchao()  # torchao's tensor classes must be importable (and quiet) before unpickling
    obj = torch.load(path, weights_only=False)
    if isinstance(obj, dict) and obj.get("lca_format") == STATIC_FORMAT:
        model = restore_static(torch.export.load(io.BytesIO(obj["program"])).module())
        model.lca_input_shape = tuple(obj["input_shape"])
    else:
        model = obj
    model.eval()
    return model


def serialized_size(model: nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes
