"""Compression methods change the model for real, or refuse with a clear error.

Each method has a test of its real effect (layer types, sparsity, parameter
count, rank) and a test that it refuses an architecture it cannot handle.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from torch import nn

from lca.errors import CompressionError
from lca.ml.compression import compress
from lca.ml.compression.context import CompressionContext
from lca.ml.models import MLP, SmallCNN, count_parameters, load_model, save_model, serialized_size
from lca.ml.tasks import task_for
from lca.study.compression import (
    Combination,
    Distillation,
    DynamicQuantization,
    LowRankFactorization,
    MagnitudePruning,
    StaticQuantization,
    StructuredPruning,
)
from lca.study.machine_learning import TrainingSpec

TRAINING = TrainingSpec(epochs=1, batch_size=32, learning_rate=1e-3, seed=0)


@pytest.fixture
def ctx() -> CompressionContext:
    rng = np.random.default_rng(0)
    return CompressionContext(rng.random((64, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 64), TRAINING)


@pytest.fixture
def tabular() -> CompressionContext:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 12)).astype(np.float32)
    return CompressionContext(x, (x[:, 0] > 0.5).astype(np.int64), TRAINING, task_for("binary"), n_outputs=1)


@pytest.fixture
def model() -> nn.Module:
    torch.manual_seed(0)
    return SmallCNN(channels=4, hidden=16)


class Residual(nn.Module):
    """y = x + f(x): a branch no chain-rewiring method may cut through."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(12, 12)
        self.head = nn.Linear(12, 1)

    def forward(self, x):
        return self.head(x + torch.relu(self.inner(x)))


def weights(model):
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def outputs(model, x) -> torch.Tensor:
    with torch.no_grad():
        return model(torch.from_numpy(x[:8]))


# --- dynamic quantization --------------------------------------------------------


@contextmanager
def no_deprecation_from_our_calls():
    """DeprecationWarning raised as an error, except torch's own import-time jit notice (torch._inductor).

    pyproject's pytest filter ignores DeprecationWarning suite-wide (Airflow, GX); this
    scope undoes that for the project's quantization calls, so eager torch.ao would fail here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.filterwarnings(
            "ignore",
            message=r"`torch\.jit\.script_method` is deprecated",
            category=DeprecationWarning,
            module=r"torch\.jit\._script",
        )
        yield


def test_dynamic_quantization_puts_int8_weights_in_the_linear_layers_and_shrinks_the_file(model, ctx, tmp_path):
    with no_deprecation_from_our_calls():
        quantized, description = compress(DynamicQuantization(method="dynamic_quantization", name="q"), model, ctx)
        save_model(quantized, tmp_path / "q.pt")
        reloaded = load_model(tmp_path / "q.pt")
        result, expected = outputs(reloaded, ctx.x), outputs(quantized, ctx.x)
    linear = [m for m in quantized.modules() if isinstance(m, nn.Linear)]
    assert linear and all(type(m.weight).__name__ == "Int8Tensor" for m in linear)
    assert all(type(m.weight) is nn.Parameter for m in quantized.modules() if isinstance(m, nn.Conv2d)), (
        "conv stays float"
    )
    assert serialized_size(quantized) < serialized_size(model)
    assert torch.equal(result, expected), "the benchmark task loads exactly what the compress task saved"
    assert torch.allclose(expected, outputs(model, ctx.x), atol=0.05)
    assert "int8" in description and "torchao" in description
    assert type(model.classifier[1].weight) is nn.Parameter, "the baseline passed in must stay untouched"


def test_dynamic_quantization_refuses_a_model_without_linear_layers(ctx):
    with pytest.raises(CompressionError, match="nn.Linear"):
        compress(DynamicQuantization(method="dynamic_quantization", name="q"), nn.Sequential(nn.Conv2d(1, 2, 3)), ctx)


# --- static quantization ---------------------------------------------------------


def test_static_quantization_runs_conv_and_linear_in_int8_through_pt2e_and_survives_a_save(model, ctx, tmp_path):
    spec = StaticQuantization(method="static_quantization", name="s", calibration_items=32)
    with no_deprecation_from_our_calls():
        quantized, description = compress(spec, model, ctx)
        save_model(quantized, tmp_path / "q.pt")
        reloaded = load_model(tmp_path / "q.pt")
        reloaded.eval()  # an exported graph refuses eval() unless torchao's switch is installed
        result, expected = outputs(reloaded, ctx.x), outputs(quantized, ctx.x)
    state = quantized.state_dict()
    assert sum(1 for v in state.values() if v.dtype == torch.int8) == 4, "2 conv + 2 linear weights folded to int8"
    assert not any(v.dtype == torch.float32 and v.dim() > 1 for v in state.values()), "unused float weights dropped"
    ops = {str(n.target) for n in quantized.graph.nodes if n.op == "call_function"}
    assert "quantized_decomposed.quantize_per_tensor.default" in ops
    assert serialized_size(quantized) < serialized_size(model)
    assert "calibrated on 32 training items" in description
    assert torch.equal(result, expected)
    # int8 is an approximation of the float model, not a different model
    assert torch.allclose(expected, outputs(model, ctx.x), atol=0.1)
    with torch.no_grad():
        assert reloaded(torch.zeros(1, 1, 8, 8)).shape == (1, 10), "the batch axis stays dynamic after a reload"


def test_static_quantization_handles_a_residual_branch_that_eager_mode_could_not(tabular):
    torch.manual_seed(0)
    model = Residual()
    quantized, _ = compress(
        StaticQuantization(method="static_quantization", name="s", calibration_items=16), model, tabular
    )
    assert torch.allclose(outputs(quantized, tabular.x), outputs(model, tabular.x), atol=0.1)


def test_static_quantization_refuses_another_backend_than_x86(model, ctx):
    with pytest.raises(CompressionError, match="backend 'qnnpack'.*X86InductorQuantizer"):
        compress(StaticQuantization(method="static_quantization", name="s", backend="qnnpack"), model, ctx)


def test_static_quantization_refuses_a_model_without_conv_or_linear_layers(ctx):
    with pytest.raises(CompressionError, match="Conv and Linear layers"):
        compress(StaticQuantization(method="static_quantization", name="s"), nn.Sequential(nn.ReLU()), ctx)


# --- unstructured magnitude pruning ------------------------------------------------


def test_magnitude_pruning_zeroes_the_requested_share_of_weights_and_keeps_it_after_fine_tuning(model, ctx):
    spec = MagnitudePruning(method="magnitude_pruning", name="p", sparsity=0.6, finetune_epochs=1)
    pruned, description = compress(spec, model, ctx)
    total = sum(w.numel() for w in weights(pruned))
    zeros = sum(int((w == 0).sum()) for w in weights(pruned))
    assert zeros / total == pytest.approx(0.6, abs=0.01)
    assert not any(hasattr(m, "weight_mask") for m in pruned.modules()), "masks are made permanent"
    assert count_parameters(pruned)[1] < count_parameters(model)[1]
    assert "60%" in description


def test_magnitude_pruning_refuses_a_model_without_prunable_layers(ctx):
    with pytest.raises(CompressionError, match="Conv2d and Linear"):
        compress(MagnitudePruning(method="magnitude_pruning", name="p", sparsity=0.5), nn.Sequential(nn.ReLU()), ctx)


# --- structured pruning ------------------------------------------------------------


def test_structured_pruning_physically_removes_channels_and_neurons(model, ctx):
    spec = StructuredPruning(method="structured_pruning", name="s", amount=0.5, finetune_epochs=1)
    slim, description = compress(spec, model, ctx)
    assert slim.features[0].out_channels == 2 and slim.features[2].in_channels == 2
    assert slim.features[2].out_channels == 4
    assert slim.classifier[1].in_features == 4 * 16 and slim.classifier[1].out_features == 8
    assert slim.classifier[3].out_features == 10, "the output layer keeps one unit per class"
    before, after = count_parameters(model)[0], count_parameters(slim)[0]
    assert after < 0.35 * before
    assert outputs(slim, ctx.x).shape == (8, 10)
    assert f"{before:,} -> {after:,} parameters" in description


def test_structured_pruning_keeps_the_strongest_units_before_fine_tuning(ctx):
    torch.manual_seed(0)
    mlp = MLP(12, [4], 1)
    with torch.no_grad():
        mlp.net[1].weight.copy_(torch.tensor([[0.1] * 12, [5.0] * 12, [0.2] * 12, [3.0] * 12]))
    spec = StructuredPruning(method="structured_pruning", name="s", amount=0.5, finetune_epochs=0)
    slim, _ = compress(spec, mlp, ctx)
    assert torch.equal(slim.net[1].weight, torch.tensor([[5.0] * 12, [3.0] * 12]))
    assert torch.equal(slim.net[3].weight, mlp.net[3].weight[:, [1, 3]])


def test_structured_pruning_refuses_a_residual_branch(tabular):
    with pytest.raises(CompressionError, match="single chain of layers.*branches or merges"):
        compress(StructuredPruning(method="structured_pruning", name="s", amount=0.5), Residual(), tabular)


def test_structured_pruning_refuses_a_model_with_only_an_output_layer(tabular):
    with pytest.raises(CompressionError, match="1 Conv/Linear layer"):
        compress(
            StructuredPruning(method="structured_pruning", name="s", amount=0.5),
            nn.Sequential(nn.Linear(12, 1)),
            tabular,
        )


# --- low-rank factorisation ---------------------------------------------------------


def test_low_rank_factorisation_replaces_layers_by_two_factors_of_the_requested_rank(ctx):
    torch.manual_seed(0)
    model = SmallCNN(channels=8, hidden=32)
    spec = LowRankFactorization(method="low_rank", name="r", rank=3, finetune_epochs=0)
    low, description = compress(spec, model, ctx)
    first, second = low.classifier[1]
    assert (first.in_features, first.out_features, second.out_features) == (256, 3, 32)
    assert torch.linalg.matrix_rank(second.weight @ first.weight).item() == 3
    conv_a, conv_b = low.features[2]
    assert conv_a.out_channels == 3 and conv_b.kernel_size == (1, 1)
    assert count_parameters(low)[0] < count_parameters(model)[0]
    assert outputs(low, ctx.x).shape == (8, 10)
    # with no fine-tuning, the factorised model is the truncated SVD of the original
    w = model.classifier[1].weight.detach()
    u, s, vh = torch.linalg.svd(w, full_matrices=False)
    assert torch.allclose(second.weight @ first.weight, (u[:, :3] * s[:3]) @ vh[:3], atol=1e-5)
    assert "rank 3" in description


def test_low_rank_energy_ratio_picks_the_smallest_rank_that_keeps_that_energy(ctx):
    mlp = MLP(12, [64], 1)
    with torch.no_grad():  # singular values 8, 4, 2, 1, 0...: 90 % of the energy (64+16) needs rank 2
        u = torch.linalg.qr(torch.randn(64, 64))[0][:, :4]
        v = torch.linalg.qr(torch.randn(12, 12))[0][:, :4]
        mlp.net[1].weight.copy_(u @ torch.diag(torch.tensor([8.0, 4.0, 2.0, 1.0])) @ v.T)
    spec = LowRankFactorization(method="low_rank", name="r", energy=0.9, layers="linear", finetune_epochs=0)
    low, _ = compress(spec, mlp, ctx)
    assert low.net[1][0].out_features == 2


def test_low_rank_refuses_when_no_layer_would_get_smaller(ctx):
    spec = LowRankFactorization(method="low_rank", name="r", rank=50)
    with pytest.raises(CompressionError, match="reduces no layer"):
        compress(spec, MLP(12, [4], 1), ctx)


def test_low_rank_refuses_a_model_without_linear_or_conv_layers(ctx):
    with pytest.raises(CompressionError, match="has none"):
        compress(LowRankFactorization(method="low_rank", name="r", rank=2), nn.Sequential(nn.ReLU()), ctx)


# --- distillation -----------------------------------------------------------------


def test_distillation_trains_a_smaller_student_of_the_declared_architecture(model, ctx):
    spec = Distillation(
        method="distillation", name="d", student={"architecture": "small_cnn", "channels": 2, "hidden": 8}, epochs=1
    )
    student, description = compress(spec, model, ctx)
    assert isinstance(student, SmallCNN) and student.features[0].out_channels == 2
    assert count_parameters(student)[0] < count_parameters(model)[0]
    assert outputs(student, ctx.x).shape == (8, 10)
    assert "student" in description and "temperature 4" in description


def test_distillation_refuses_a_student_that_is_not_smaller(model, ctx):
    spec = Distillation(
        method="distillation", name="d", student={"architecture": "small_cnn", "channels": 8, "hidden": 64}, epochs=1
    )
    with pytest.raises(CompressionError, match="needs a smaller student"):
        compress(spec, model, ctx)


# --- combinations and reproducibility ------------------------------------------------


def test_a_combination_applies_its_steps_in_order(model, ctx):
    spec = Combination(
        method="combined",
        name="c",
        steps=[
            {"method": "distillation", "student": {"architecture": "mlp", "hidden": [16]}, "epochs": 1},
            {"method": "dynamic_quantization"},
        ],
    )
    result, description = compress(spec, model, ctx)
    assert isinstance(result, MLP)
    assert all(type(m.weight).__name__ == "Int8Tensor" for m in result.modules() if isinstance(m, nn.Linear))
    assert description.startswith("Step 1: Knowledge distillation") and "Step 2: Post-training dynamic" in description


def test_a_combination_that_quantizes_before_pruning_is_refused_by_the_schema():
    with pytest.raises(ValueError, match="quantization can only be the last step"):
        Combination(
            method="combined",
            name="c",
            steps=[{"method": "dynamic_quantization"}, {"method": "magnitude_pruning", "sparsity": 0.5}],
        )


def test_pruning_an_already_quantized_model_is_refused(model, ctx):
    quantized, _ = compress(DynamicQuantization(method="dynamic_quantization", name="q"), model, ctx)
    with pytest.raises(CompressionError, match="already quantized"):
        compress(StructuredPruning(method="structured_pruning", name="s", amount=0.5), quantized, ctx)


@pytest.mark.parametrize(
    "spec",
    [
        StructuredPruning(method="structured_pruning", name="s", amount=0.5, finetune_epochs=1),
        Distillation(method="distillation", name="d", student={"architecture": "mlp", "hidden": [8]}, epochs=1),
    ],
    ids=["structured_pruning", "distillation"],
)
def test_the_same_study_seed_gives_the_same_compressed_model(spec, model, ctx):
    def run():
        torch.manual_seed(0)  # what the compress stage does
        return outputs(compress(spec, model, ctx)[0], ctx.x)

    assert torch.equal(run(), run())
