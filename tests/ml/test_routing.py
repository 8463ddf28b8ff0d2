"""Routing a deployment can do: a threshold chosen on validation meets the reference's quality, or routes everything."""

from __future__ import annotations

import numpy as np
import pytest

from lca.assessment.interpretation.monte_carlo import break_even_items
from lca.ml.routing import DeliveredQuality, Held, choose_threshold, conformal_error_bound, route_items
from lca.ml.tasks import task_for
from lca.study.machine_learning import TaskSpec
from lca.study.routing import RoutingSpec

MULTICLASS = TaskSpec(kind="multiclass")
CONFIDENCE = RoutingSpec(rule="confidence")
HUMAN = DeliveredQuality(target_error_rate=0.01, human_error_rate=0.01)  # both sides deliver 1 % wrong


def chance_level(n: int, seed: int) -> Held:
    """A ten-class model that knows nothing: random scores, random truths (accuracy about 0.10)."""
    rng = np.random.default_rng(seed)
    return Held(outputs=rng.normal(size=(n, 10)), y_true=rng.integers(0, 10, size=n))


def good_model(n: int, seed: int, accuracy: float = 0.97) -> Held:
    """Confident where right: wrong items get a flat score, right ones a clear winner."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=n)
    outputs = rng.normal(scale=0.1, size=(n, 10))
    right = rng.random(n) < accuracy
    outputs[np.arange(n), np.where(right, y, (y + 1) % 10)] += np.where(right, 6.0, 0.3)
    return Held(outputs=outputs, y_true=y)


def test_a_chance_level_model_routes_everything_and_never_pays_back():
    """The issue's case: accuracy 0.10 came out at 0.988x the reference.

    At the reference's error rate it keeps nothing.
    """
    routed = route_items(
        task_for("multiclass"), CONFIDENCE, MULTICLASS, chance_level(2000, 1), HUMAN, validation=chance_level(500, 2)
    )
    assert routed.outcome.routed_fraction == 1.0 and routed.outcome.threshold is None
    # so the ML scenario carries the whole human effort per item plus its own inference: no saving, no break-even
    human_per_item, inference_per_item, development = 4.4e-4, 1e-9, 10.0  # kg CO2e, any positive figures
    ml_per_item = routed.outcome.routed_fraction * human_per_item + inference_per_item
    assert ml_per_item >= human_per_item
    assert np.isinf(break_even_items(development, ml_per_item, 0.0, human_per_item))


def test_luck_on_a_few_validation_items_does_not_let_a_useless_model_keep_them():
    """Without the pseudo-error, keeping the single most confident item (right by chance) would 'meet' 1 %."""
    risk = np.array([0.1, 0.2, 0.3, 0.4])
    wrong = np.array([False, True, True, True])
    assert choose_threshold(risk, wrong, target=0.01, human=0.01) == -np.inf
    # with 300 confident right items the same rule keeps them: (0 + 1 + 0.01 x 100) / 401 <= 0.01
    risk = np.r_[np.zeros(300), np.ones(100)]
    wrong = np.r_[np.zeros(300, bool), np.ones(100, bool)]
    assert choose_threshold(risk, wrong, target=0.01, human=0.01) == 0.0


def test_a_good_model_keeps_its_confident_items_and_delivers_about_the_target():
    routed = route_items(
        task_for("multiclass"), CONFIDENCE, MULTICLASS, good_model(4000, 3), HUMAN, validation=good_model(1000, 4)
    )
    out = routed.outcome
    assert 0.9 < 1 - out.routed_fraction < 0.99, "keeps the confident 97 %, hands the flat-scored ones to people"
    assert out.delivered_error_interval[0] <= 0.01 and out.meets_target
    assert out.n_validation == 1000 and out.validation_delivered_error_rate <= 0.01
    assert not out.perfect_detector and "validation" in out.basis


def test_the_threshold_is_chosen_on_validation_never_on_the_test_labels():
    """Two test sets with the same outputs and opposite truths are routed identically: the labels never enter."""
    validation = good_model(1000, 5)
    test = good_model(2000, 6)
    other_truth = Held(outputs=test.outputs, y_true=(test.y_true + 5) % 10)  # every kept item now wrong
    task = task_for("multiclass")
    a = route_items(task, CONFIDENCE, MULTICLASS, test, HUMAN, validation=validation)
    b = route_items(task, CONFIDENCE, MULTICLASS, other_truth, HUMAN, validation=validation)
    assert np.array_equal(a.items, b.items) and a.outcome.threshold == b.outcome.threshold
    assert b.outcome.delivered_error_rate > 0.5 and not b.outcome.meets_target, "the test set measures, honestly"
    # and the threshold is the one the validation items alone give
    risk = -task.confidence(validation.outputs)
    expected = -choose_threshold(
        risk, task.wrong_items(CONFIDENCE, validation.outputs, validation.y_true, MULTICLASS), 0.01, 0.01
    )
    assert a.outcome.threshold == pytest.approx(expected)


def test_routing_by_confidence_without_a_validation_split_is_refused():
    with pytest.raises(ValueError, match="validation split"):
        route_items(task_for("multiclass"), CONFIDENCE, MULTICLASS, good_model(100, 7), HUMAN)


def test_expected_errors_results_carry_the_perfect_detector_flag():
    test = chance_level(500, 8)
    routed = route_items(task_for("multiclass"), RoutingSpec(rule="expected_errors"), MULTICLASS, test, HUMAN)
    out = routed.outcome
    assert out.perfect_detector and out.basis.startswith("PERFECT DETECTOR")
    assert out.kept_error_rate == 0.0, "it keeps exactly the right items, which no deployment can find"
    assert out.delivered_error_rate == pytest.approx(0.01 * out.routed_fraction)


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_the_conformal_bound_covers_the_declared_share_of_items_on_synthetic_data(alpha):
    """Heteroscedastic errors (larger for larger x); coverage on fresh items is 1 - alpha within sampling error."""
    rng = np.random.default_rng(11)

    def items(n):
        x = rng.uniform(0, 1, size=(n, 2))
        return x, np.abs(rng.normal(size=n)) * (0.02 + 0.2 * x[:, 0])

    x_val, e_val = items(2000)
    x_test, e_test = items(20000)
    bound, q, n_cal = conformal_error_bound(x_val, e_val, x_test, alpha, seed=0)
    coverage = float((e_test <= bound).mean())
    # Split conformal: over calibration sets, coverage is Beta-distributed with mean in
    # [1 - alpha, 1 - alpha + 1 / (n + 1)] and variance about alpha (1 - alpha) / (n + 2); the test set adds its own.
    se = np.sqrt(alpha * (1 - alpha) * (1 / (n_cal + 2) + 1 / len(e_test)))
    assert 1 - alpha - 3 * se <= coverage <= 1 - alpha + 1 / (n_cal + 1) + 3 * se
    assert n_cal == 1000 and np.ptp(bound) > 0, "the bound is wider where the errors are larger"


def test_a_regression_keeps_a_forecast_only_when_its_conformal_bound_is_within_the_tolerance():
    rng = np.random.default_rng(12)

    def forecasts(n):
        x = rng.uniform(0, 1, size=(n, 1))
        truth = 100 + rng.normal(size=(n, 24))
        noise = np.where(x < 0.5, 0.01, 0.3)  # easy half: 1 % errors, hard half: 30 %
        return Held(outputs=truth * (1 + noise * rng.normal(size=(n, 24))), y_true=truth, x=x)

    routing = RoutingSpec(rule="confidence", error_tolerance=0.10)
    spec = TaskSpec(kind="regression")
    test = forecasts(2000)
    routed = route_items(task_for("regression"), routing, spec, test, DeliveredQuality(0.05, 0.05), forecasts(1000))
    hard, clearly_easy = test.x[:, 0] >= 0.5, test.x[:, 0] < 0.4  # near 0.5 the neighbours mix both halves
    assert routed.items[hard].all() and not routed.items[clearly_easy].any()
    assert routed.outcome.kept_error_rate == 0.0 and routed.outcome.meets_target


def test_the_validation_rows_are_carved_from_training_before_anything_is_trained(tmp_path):
    import pandas as pd

    from lca.ml.data import SPLIT, load_card, load_split, prepare_dataset
    from lca.study.machine_learning import DatasetSpec

    spec = DatasetSpec(builtin="sklearn_digits", test_fraction=0.25, validation_fraction=0.2, seed=3)
    path = prepare_dataset(spec, tmp_path / "a" / "dataset.csv")
    again = prepare_dataset(spec, tmp_path / "b" / "dataset.csv")
    splits = pd.read_csv(path)[SPLIT]
    assert splits.equals(pd.read_csv(again)[SPLIT]), "the same rows with the same seed"
    card = load_card(path)
    assert card.n_validation == round(0.2 * (card.n_validation + card.n_train)) > 0
    train, validation = load_split(path, "train", card), load_split(path, "validation", card)
    assert len(train) == card.n_train and len(validation) == card.n_validation, "training never sees them"
