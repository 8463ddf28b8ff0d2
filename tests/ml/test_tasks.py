"""Each task kind judges quality with metrics that fit it and routes the right items to people."""

from __future__ import annotations

import numpy as np
import pytest

from lca.ml.tasks import task_for
from lca.study.machine_learning import TaskSpec
from lca.study.metrics import quality_loss
from lca.study.routing import RoutingSpec

BINARY = TaskSpec(kind="binary", target_precision=0.75)
PERFECT_DETECTOR = RoutingSpec(rule="expected_errors")


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))[:, None]


def test_multiclass_metrics_and_expected_errors():
    outputs = np.array([[3.0, 0, 0], [0, 3.0, 0], [0, 3.0, 0], [0, 0, 3.0]])
    y = np.array([0, 1, 2, 2])
    task = task_for("multiclass")
    quality = task.evaluate(outputs, y, TaskSpec(kind="multiclass"))
    assert quality["accuracy"] == 0.75
    assert task.routed_fraction(PERFECT_DETECTOR, outputs, y, TaskSpec(kind="multiclass")) == 0.25


def test_binary_metrics_on_an_imbalanced_set_use_the_operating_point_at_the_target_precision():
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05, 0.01]
    y = np.array([1, 1, 0, 1, 0, 1, 0, 0, 0, 0])
    quality = task_for("binary").evaluate(logit(scores), y, BINARY)
    # lowest threshold with precision >= 0.75: flag the top 4 (3 frauds of 4 flagged), 3 of 4 frauds caught
    assert quality["recall_at_precision"] == pytest.approx(0.75)
    assert quality["flagged_share"] == pytest.approx(0.4)
    assert quality["error_rate"] == pytest.approx(0.2)
    assert 0 < quality["pr_auc"] <= 1 and 0 < quality["roc_auc"] <= 1


def test_binary_flagged_routing_sends_every_flagged_item_to_an_analyst():
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05, 0.01]
    y = np.array([1, 1, 0, 1, 0, 1, 0, 0, 0, 0])
    routed = task_for("binary").routed_fraction(RoutingSpec(rule="flagged"), logit(scores), y, BINARY)
    assert routed == pytest.approx(0.4)


def test_binary_metrics_refuse_a_test_split_without_positives():
    with pytest.raises(ValueError, match="no positive item"):
        task_for("binary").evaluate(logit([0.2, 0.7]), np.array([0, 0]), BINARY)


def test_regression_metrics_and_forecasts_beyond_tolerance_are_redone():
    truth = np.array([[10.0, 10.0], [20.0, 20.0], [5.0, 5.0]])
    predicted = np.array([[11.0, 9.0], [20.0, 20.0], [7.0, 7.0]])  # daily relative errors 10 %, 0 %, 40 %
    task = task_for("regression")
    quality = task.evaluate(predicted, truth, TaskSpec(kind="regression"))
    assert quality["mae"] == pytest.approx(1.0)
    assert quality["mape"] == pytest.approx((0.1 + 0 + 0.4) / 3)
    routing = RoutingSpec(rule="expected_errors", error_tolerance=0.15)
    assert task.routed_fraction(routing, predicted, truth, TaskSpec(kind="regression")) == pytest.approx(1 / 3)


def test_quality_loss_is_positive_when_the_variant_is_worse_whatever_the_metric_direction():
    assert quality_loss("multiclass", "accuracy", 0.98, 0.96) == pytest.approx(0.02)
    assert quality_loss("regression", "mape", 0.04, 0.05) == pytest.approx(0.01)
    assert quality_loss("regression", "mape", 0.04, 0.03) == pytest.approx(-0.01)


def test_a_primary_metric_must_belong_to_the_task():
    with pytest.raises(ValueError, match="not a regression metric"):
        TaskSpec(kind="regression", primary_metric="accuracy")
