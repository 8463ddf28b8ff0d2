"""Seeded training loop shared by training, fine-tuning and distillation, on the study's device.

The data sets here fit in memory many times over, so the whole split moves to
the device once and batches are sliced there; the shuffling generator stays on
the CPU, so the batch order depends only on the seed, not on the device.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def fit(  # noqa: PLR0913  # keyword-only training hyperparameters
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    teacher_outputs: np.ndarray | None = None,
    distillation_loss: Callable[..., torch.Tensor] | None = None,
    device: torch.device | str | None = None,
) -> nn.Module:
    """Adam on the task's loss (cross-entropy by default); the order of batches depends only on ``seed``.

    With ``teacher_outputs`` and ``distillation_loss`` (a function of student
    outputs, teacher outputs and targets) the model learns from a teacher too.
    """
    generator = torch.Generator().manual_seed(seed)
    device = torch.device(device) if device is not None else model_device(model)
    model.to(device)
    features, labels = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    teacher = torch.from_numpy(teacher_outputs).to(device) if teacher_outputs is not None else None
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_fn = loss or nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), batch_size):
            batch = order[start : start + batch_size].to(device)
            optimiser.zero_grad()
            outputs = model(features[batch])
            if teacher is not None and distillation_loss is not None:
                value = distillation_loss(outputs, teacher[batch], labels[batch])
            else:
                value = loss_fn(outputs, labels[batch])
            value.backward()
            optimiser.step()
    model.eval()
    if hasattr(model, "after_fit"):  # e.g. k-means on an autoencoder's codes (lca.ml.ecommerce_models)
        model.after_fit(features, seed)
    return model


def model_device(model: nn.Module) -> torch.device:
    """Where the model's weights are (the CPU for a model without any)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Raw model outputs (logits or scaled predictions) for every item, as float64, computed where the model is."""
    model.eval()
    device = model_device(model)
    features = torch.from_numpy(x)
    parts = [
        model(features[start : start + batch_size].to(device)).float().cpu().numpy()
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts).astype(np.float64)


@torch.no_grad()
def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    model.eval()
    features = torch.from_numpy(x)
    correct = 0
    for start in range(0, len(y), batch_size):
        predicted = model(features[start : start + batch_size]).argmax(dim=1).numpy()
        correct += int((predicted == y[start : start + batch_size]).sum())
    return correct / len(y)


@torch.no_grad()
def max_probabilities(model: nn.Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Top softmax probability per item: the model's confidence in its answer."""
    model.eval()
    features = torch.from_numpy(x)
    parts = [
        torch.softmax(model(features[start : start + batch_size]), dim=1).max(dim=1).values.numpy()
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts)
