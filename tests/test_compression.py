"""Compression methods change the model for real, or refuse with a clear error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lca.compression import compress
from lca.errors import CompressionError
from lca.models import SmallCNN, count_parameters, serialized_size
from lca.study import DynamicQuantization, MagnitudePruning, TrainingSpec

TRAINING = TrainingSpec(epochs=1, batch_size=32, learning_rate=1e-3, seed=0)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.random((64, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 64)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return SmallCNN(channels=4, hidden=16)


def weights(model):
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def test_dynamic_quantization_swaps_linear_layers_for_int8_ones_and_shrinks_the_file(model, data):
    quantized, description = compress(DynamicQuantization(method="dynamic_quantization", name="q"), model, *data, TRAINING)
    kinds = {type(m).__module__ + "." + type(m).__name__ for m in quantized.modules()}
    assert any("quantized" in k and k.endswith("Linear") for k in kinds)
    assert not any(isinstance(m, nn.Linear) for m in quantized.modules())
    assert serialized_size(quantized) < serialized_size(model)
    assert "int8" in description
    assert isinstance(model.classifier[1], nn.Linear), "the baseline passed in must stay untouched"


def test_dynamic_quantization_refuses_a_model_without_linear_layers(data):
    conv_only = nn.Sequential(nn.Conv2d(1, 2, 3))
    with pytest.raises(CompressionError, match="nn.Linear"):
        compress(DynamicQuantization(method="dynamic_quantization", name="q"), conv_only, *data, TRAINING)


def test_magnitude_pruning_zeroes_the_requested_share_of_weights_and_keeps_it_after_fine_tuning(model, data):
    spec = MagnitudePruning(method="magnitude_pruning", name="p", sparsity=0.6, finetune_epochs=1)
    pruned, description = compress(spec, model, *data, TRAINING)
    total = sum(w.numel() for w in weights(pruned))
    zeros = sum(int((w == 0).sum()) for w in weights(pruned))
    assert zeros / total == pytest.approx(0.6, abs=0.01)
    assert not any(hasattr(m, "weight_mask") for m in pruned.modules()), "masks are made permanent"
    assert count_parameters(pruned)[1] < count_parameters(model)[1]
    assert "60%" in description


def test_magnitude_pruning_refuses_a_model_without_prunable_layers(data):
    with pytest.raises(CompressionError, match="Conv2d and Linear"):
        compress(
            MagnitudePruning(method="magnitude_pruning", name="p", sparsity=0.5), nn.Sequential(nn.ReLU()), *data, TRAINING
        )
