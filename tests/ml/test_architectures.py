"""Architecture variants are other models, trained from scratch, and the study refuses ones that cannot apply."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lca.errors import StudyError
from lca.ml.compression import compress
from lca.ml.compression.context import CompressionContext
from lca.ml.models import DepthwiseSeparableCNN, SmallCNN, count_parameters
from lca.study.compression import ArchitectureVariant
from lca.study.loading import load_study
from lca.study.machine_learning import MlpSpec, SmallCnnSpec, TrainingSpec
from tests.conftest import DIGITS
from tests.study_files import edited_copy

CNN = SmallCnnSpec(architecture="small_cnn", channels=8, hidden=32)


@pytest.fixture
def ctx():
    rng = np.random.default_rng(0)
    x = rng.random((64, 1, 8, 8), dtype=np.float32)
    return CompressionContext(
        x, rng.integers(0, 10, 64), TrainingSpec(epochs=2, batch_size=16), n_outputs=10, model_spec=CNN
    )


def baseline():
    torch.manual_seed(0)
    return SmallCNN(channels=8, hidden=32)


def test_depthwise_separable_replaces_each_convolution_by_a_depthwise_and_a_pointwise_one(ctx):
    spec = ArchitectureVariant(method="architecture", name="dw", design="depthwise_separable")
    model, description = compress(spec, baseline(), ctx)
    assert isinstance(model, DepthwiseSeparableCNN)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3), (1, 1)] * 2
    assert [c.groups for c in convs] == [1, 1, 8, 1], "the 3x3s are depthwise (one group per input channel)"
    assert count_parameters(model)[0] < count_parameters(baseline())[0]
    with torch.no_grad():
        assert model(torch.from_numpy(ctx.x[:4])).shape == (4, 10)
    assert "trained from scratch for 2 epoch(s)" in description and "its own" in description


def test_tiny_scales_the_widths_and_trains_a_new_model_rather_than_touching_the_baseline(ctx):
    base = baseline()
    before = [p.clone() for p in base.parameters()]
    model, _ = compress(ArchitectureVariant(method="architecture", name="t", design="tiny", width=0.5), base, ctx)
    assert (
        isinstance(model, SmallCNN) and model.features[0].out_channels == 4 and model.classifier[1].out_features == 16
    )
    assert all(torch.equal(a, b) for a, b in zip(before, base.parameters()))
    untrained = SmallCNN(channels=4, hidden=16)
    assert not torch.equal(model.classifier[3].weight, untrained.classifier[3].weight)


def test_tiny_mlp_keeps_the_first_hidden_layers_at_the_scaled_width():
    from lca.ml.architectures import build_architecture

    spec = ArchitectureVariant(method="architecture", name="t", design="tiny", width=0.5, depth=1)
    model = build_architecture(spec, MlpSpec(architecture="mlp", hidden=[64, 32]), (12,), 1)
    assert [m.out_features for m in model.modules() if isinstance(m, nn.Linear)] == [32, 1]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "t", "method": "architecture", "design": "tiny"}, "it is the baseline itself"),
        (
            {"name": "t", "method": "architecture", "design": "tiny", "depth": 1},
            "'depth' applies to a model with a 'hidden' list",
        ),
        ({"name": "t", "method": "architecture", "design": "wide"}, r"field .compression.0.design.: value .wide."),
    ],
)
def test_the_study_refuses_an_architecture_variant_that_cannot_apply(tmp_path, entry, message):
    with pytest.raises(StudyError, match=message):
        load_study(edited_copy(DIGITS, tmp_path, compression=[entry]))


def test_the_digits_study_declares_its_architecture_variants():
    assert load_study(DIGITS).architecture_names() == ["dw_separable", "tiny_cnn"]
