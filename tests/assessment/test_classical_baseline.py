"""The report names the classical method as the option to consider exactly when no ML option beats it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lca.assessment.classical_baseline import classical_sentence, floor_sentences
from lca.ml.benchmarking import benchmark_variant
from lca.ml.classical import ClassicalData, fit_classical
from lca.ml.classical_comparison import against_classical
from lca.ml.data import Split
from lca.ml.tasks import task_for
from lca.study.machine_learning import BenchmarkSpec, TaskSpec
from lca.study.routing import RoutingSpec

MULTICLASS = TaskSpec(kind="multiclass")
SPEC = BenchmarkSpec(
    energy_window_seconds=1.0,
    energy_windows=2,
    sampling_interval_seconds=0.1,
    batch_size=64,
    latency_batch_sizes=[64],
    warmup=1,
    latency_repeats=6,
    threads=1,
)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).reshape(-1, 64).astype(np.float32)
    return x[:600], d.target[:600], Split(x[600:900], d.target[600:900], d.target[600:900])


def _logistic(x, y):
    return fit_classical("logistic_regression", ClassicalData(x, y, 10, [f"p{i}" for i in range(64)], ["digit"]))[0]


def _measured(name, model, test, tmp_path):
    return benchmark_variant(
        variant=name,
        description=name,
        model=model,
        test=test,
        task_spec=MULTICLASS,
        spec=SPEC,
        routing=RoutingSpec(rule="expected_errors"),
        country_iso3="FRA",
        per_item_path=tmp_path / f"{name}.npz",
        train_y=test.y_true,
    )


def _compared(models, test, tmp_path):
    from lca.ml.benchmarking import read_per_item

    benchmarks = [_measured(name, model, test, tmp_path) for name, model in models.items()]
    items = {b.variant: read_per_item(tmp_path / b.per_item_file) for b in benchmarks}
    return against_classical(benchmarks, items, task_for("multiclass"), MULTICLASS, "logistic regression")


def test_a_model_worse_than_logistic_regression_makes_the_classical_method_the_option_to_consider(digits, tmp_path):
    x, y, test = digits
    torch.manual_seed(0)
    weak = torch.nn.Linear(64, 10)  # untrained: far below logistic regression
    benchmarks = _compared({"baseline": weak, "classical": _logistic(x, y)}, test, tmp_path)
    baseline = next(b for b in benchmarks if b.variant == "baseline")
    assert baseline.versus_classical is not None and not baseline.versus_classical.significantly_better
    assert baseline.versus_classical.quality["accuracy"] > 0.85  # the classical method's own figures
    sentence = classical_sentence(benchmarks)
    assert "no ML option is significantly better than logistic regression" in sentence
    assert "the classical method is the option to consider" in sentence


def test_a_model_that_beats_the_classical_baseline_is_named_and_the_other_is_not(digits, tmp_path):
    x, y, test = digits
    strong, starved = _logistic(x, y), _logistic(x[:30], y[:30])  # the "classical" one saw 30 items only
    benchmarks = _compared(
        {"baseline": strong, "twin": _logistic(x[:30], y[:30]), "classical": starved}, test, tmp_path
    )
    sentence = classical_sentence(benchmarks)
    assert sentence.startswith("Classical baseline: 'baseline' is significantly better")
    assert "'twin' is not" in sentence  # identical answers to the classical baseline's: no difference
    assert "option to consider" not in sentence


def test_no_classical_scenario_no_sentence(digits, tmp_path):
    x, y, test = digits
    benchmarks = [_measured("baseline", _logistic(x, y), test, tmp_path)]
    assert floor_sentences(benchmarks) == []
