"""Model architectures a study can name, and helpers to size them."""

from __future__ import annotations

import io

import torch
from torch import nn

from lca.study import ModelSpec


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
        flat = 2 * channels * (image_size // 2) ** 2
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def build_model(spec: ModelSpec) -> nn.Module:
    if spec.architecture == "small_cnn":
        return SmallCNN(channels=spec.channels, hidden=spec.hidden)
    raise ValueError(f"unknown architecture {spec.architecture!r}")


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(all, non-zero) parameters, counting packed quantized weights too."""
    total = nonzero = 0
    for tensor in _weight_tensors(model):
        total += tensor.numel()
        nonzero += int(torch.count_nonzero(tensor).item())
    return total, nonzero


def _weight_tensors(model: nn.Module):
    for name, value in model.state_dict().items():
        if name.endswith((".scale", ".zero_point")):  # quantization metadata, not weights
            continue
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            yield value
        elif isinstance(value, torch.Tensor) and value.is_quantized:
            yield value.dequantize()
        elif isinstance(value, tuple) and name.endswith("_packed_params"):
            for item in value:
                if isinstance(item, torch.Tensor) and item.is_quantized:
                    yield item.dequantize()
                elif isinstance(item, torch.Tensor) and item.is_floating_point():
                    yield item


def save_model(model: nn.Module, path) -> None:
    """Whole-module pickle: quantized and pruned variants cannot be rebuilt from a state_dict alone."""
    torch.save(model, path)


def load_model(path) -> nn.Module:
    # Only files this project wrote in the same run are loaded, hence weights_only=False.
    model = torch.load(path, weights_only=False)
    model.eval()
    return model


def serialized_size(model: nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes
