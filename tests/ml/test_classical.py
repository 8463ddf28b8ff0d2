"""The classical baseline of each task kind fits on a small training split and answers in the task's own format."""

from __future__ import annotations

import numpy as np
import pytest

from lca.ml.classical import ClassicalData, fit_classical
from lca.ml.models import load_model, save_model
from lca.ml.tasks import task_for
from lca.ml.training import predict
from lca.study.machine_learning import TaskSpec


def _data(x, y, n_outputs, **extra) -> ClassicalData:
    x = np.asarray(x, dtype=np.float32)
    columns = [f"f{i}" for i in range(x.reshape(len(x), -1).shape[1])]
    return ClassicalData(x=x, y=y, n_outputs=n_outputs, feature_columns=columns, target_columns=["t"], **extra)


def _scores(method, data, x_test, tmp_path=None):
    model, description = fit_classical(method, data)
    if tmp_path is not None:  # the benchmark stage loads what the fit stage saved
        save_model(model, tmp_path / "classical.pt")
        model = load_model(tmp_path / "classical.pt")
    return predict(model, np.asarray(x_test, dtype=np.float32)), description


def test_logistic_regression_reads_digits_far_above_the_majority_class(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target
    outputs, description = _scores("logistic_regression", _data(x[:600], y[:600], 10), x[600:900], tmp_path)
    quality = task_for("multiclass").evaluate(outputs, y[600:900], TaskSpec(kind="multiclass"))
    assert quality["accuracy"] > 0.85
    assert description.startswith("Classical baseline: logistic regression")


def test_a_class_absent_from_training_is_never_predicted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] > 0).astype(int)  # classes 0 and 1 of a 4-class task
    outputs, _ = _scores("logistic_regression", _data(x, y, 4), x)
    assert outputs.shape == (200, 4)
    assert set(outputs.argmax(axis=1)) <= {0, 1}
    assert (outputs.argmax(axis=1) == y).mean() > 0.95


def test_logistic_regression_gives_one_logit_that_ranks_the_rare_positives_first():
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=1500, n_features=8, weights=[0.95], class_sep=1.5, random_state=0)
    outputs, _ = _scores("logistic_regression", _data(x[:1000], y[:1000], 1), x[1000:])
    assert outputs.shape == (500, 1)
    quality = task_for("binary").evaluate(outputs, y[1000:], TaskSpec(kind="binary"))
    assert quality["pr_auc"] > 3 * y[1000:].mean()  # a constant score's PR-AUC is the positive rate


def test_ridge_recovers_a_linear_relation_far_better_than_the_mean():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 5))
    y = x @ np.array([2.0, -1.0, 0.5, 0.0, 3.0]) + rng.normal(0, 0.1, 400)
    outputs, _ = _scores("ridge", _data(x[:300], y[:300], 1), x[300:])
    error = np.abs(outputs[:, 0] - y[300:]).mean()
    assert error < 0.1 * np.abs(y[300:] - y[:300].mean()).mean()


def test_seasonal_naive_repeats_the_seasonal_feature_in_the_target_unit():
    """Features and targets standardised with their own statistics: the map undoes one and applies the other."""
    rng = np.random.default_rng(2)
    last_week = rng.uniform(100, 200, size=(50, 2))
    other = rng.normal(size=(50, 1))
    raw = np.hstack([last_week, other])
    f_mean, f_std = raw.mean(axis=0), raw.std(axis=0)
    target = last_week + 5.0  # unknown to the method: it repeats last week's value
    t_mean, t_std = target.mean(axis=0), target.std(axis=0)
    data = ClassicalData(
        x=((raw - f_mean) / f_std).astype(np.float32),
        y=((target - t_mean) / t_std).astype(np.float32),
        n_outputs=2,
        feature_columns=["lag_a", "lag_b", "temp"],
        target_columns=["a", "b"],
        feature_mean=f_mean,
        feature_std=f_std,
        target_mean=t_mean,
        target_std=t_std,
        seasonal_features=["lag_a", "lag_b"],
    )
    outputs, _ = _scores("seasonal_naive", data, data.x)
    decoded = outputs * t_std + t_mean
    np.testing.assert_allclose(decoded, last_week, rtol=1e-4)


def test_seasonal_naive_refuses_a_feature_the_dataset_lacks():
    data = _data(np.zeros((4, 2)), np.zeros(4), 1, seasonal_features=["nope"])
    with pytest.raises(ValueError, match="not feature columns"):
        fit_classical("seasonal_naive", data)


def test_kmeans_finds_well_separated_segments(tmp_path):
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=400, centers=4, cluster_std=0.6, random_state=0)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    outputs, _ = _scores("kmeans", _data(x[:300], y[:300], 4), x[300:], tmp_path)
    quality = task_for("clustering").evaluate(outputs, y[300:], TaskSpec(kind="clustering"), x[300:])
    assert quality["adjusted_rand"] > 0.9


def test_item_knn_beats_the_popularity_floor_on_the_long_tail_and_never_recommends_what_was_bought(tmp_path):
    from lca.ml.datasets.synthetic_purchases import LABEL, N_PRODUCTS, columns, generate, multi_hot

    frame = generate(rows=4000, seed=0)
    x = multi_hot(frame[columns()].to_numpy(), N_PRODUCTS)
    y = frame[LABEL].to_numpy()
    task, spec = task_for("ranking"), TaskSpec(kind="ranking")
    outputs, description = _scores("item_knn", _data(x[:3000], y[:3000], N_PRODUCTS), x[3000:], tmp_path)
    _, floor = task.trivial_outputs(y[:3000], 1000, x[3000:])
    knn, popular = task.evaluate(outputs, y[3000:], spec), task.evaluate(floor, y[3000:], spec)
    assert knn["recall_at_k"] > popular["recall_at_k"]
    assert knn["ndcg_at_k"] > popular["ndcg_at_k"]
    top = np.argsort(-outputs, axis=1)[:, : spec.k]
    assert not np.take_along_axis(x[3000:], top, axis=1).any()
    assert "item-kNN" in description


def test_item_knn_scores_by_hand_sum_the_neighbours_of_what_was_bought():
    """Product 0's neighbours: 1 (0.5) and 2 (0.25); product 1's: 2 (1.0), then padding (itself, weight 0)."""
    from lca.ml.classical import ItemNeighbours

    model = ItemNeighbours(
        neighbours=np.array([[1, 2], [2, 1], [2, 2], [3, 3]]),
        weights=np.array([[0.5, 0.25], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
        popularity=np.array([0.0, 0.1, 0.2, 0.3]),
    )
    x = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    scores = predict(model, x)
    np.testing.assert_allclose(scores[0, 1:], [0.6, 0.45, 0.3], rtol=1e-6)
    np.testing.assert_allclose(scores[1, 2:], [1.45, 0.3], rtol=1e-6)
    np.testing.assert_allclose(scores[2], [0.0, 0.1, 0.2, 0.3], rtol=1e-6)
    assert scores[1, 0] < -1e3 and scores[1, 1] < -1e3, "bought products are pushed to the bottom"


def test_rfm_rules_segment_a_constructed_table_by_its_summed_quintile_scores(tmp_path):
    """Ten customers; recency 1..10 days, frequency 10..1 orders, monetary as listed.

    Quintile cut points (numpy's linear quantiles) of 1..10 are 2.8, 4.6, 6.4, 8.2, so
    the five pairs of customers score 4, 3, 2, 1, 0 on recency (reversed) and on
    frequency; monetary 5, 5, 1, 1, 9, 9, 3, 3, 7, 7 is cut at 2.6, 4.2, 5.8, 7.4 and
    scores 2, 2, 0, 0, 4, 4, 1, 1, 3, 3. Summed: 10, 10, 6, 6, 8, 8, 3, 3, 3, 3. Two
    segments cut at the lower median of those sums (6): customers with more than 6
    points (the first two and the fifth and sixth) are the upper segment.
    """
    recency = np.arange(1.0, 11.0)
    frequency = recency[::-1]
    monetary = np.array([5, 5, 1, 1, 9, 9, 3, 3, 7, 7], dtype=float)
    noise = np.zeros(10)  # a column RFM rules do not read
    x = np.column_stack([noise, monetary, recency, frequency])
    data = ClassicalData(
        x=x.astype(np.float32),
        y=np.zeros(10, dtype=np.int64),
        n_outputs=2,
        feature_columns=["noise", "basket", "days", "orders"],
        target_columns=["segment"],
        rfm_features=["days", "orders", "basket"],
    )
    outputs, description = _scores("rfm_rules", data, data.x, tmp_path)
    assert outputs.shape == (10, 2)
    np.testing.assert_array_equal(outputs.argmax(axis=1), [1, 1, 0, 0, 1, 1, 0, 0, 0, 0])
    assert description.startswith("Classical baseline: RFM rules")
    # standardising the features first (as load_split does) changes no segment
    standard = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    again, _ = _scores("rfm_rules", ClassicalData(**{**data.__dict__, "x": standard.astype(np.float32)}), standard)
    np.testing.assert_array_equal(again.argmax(axis=1), outputs.argmax(axis=1))


def test_rfm_rules_find_the_synthetic_customers_segments_above_chance():
    from lca.ml.datasets import synthetic_customers as sc

    frame = sc.generate(1200, seed=0)
    x = frame[list(sc.FEATURE_RANGES)].to_numpy(np.float32)
    y = frame[sc.LABEL].to_numpy()
    data = _data(x[:900], y[:900], len(sc.SEGMENTS))
    data = ClassicalData(**{**data.__dict__, "feature_columns": list(sc.FEATURE_RANGES), "rfm_features": list(sc.RFM)})
    outputs, _ = _scores("rfm_rules", data, x[900:])
    quality = task_for("clustering").evaluate(outputs, y[900:], TaskSpec(kind="clustering"))
    assert quality["adjusted_rand"] > 0.1


def test_rfm_rules_need_the_three_columns_by_name():
    data = _data(np.zeros((4, 3)), np.zeros(4), 2, rfm_features=["f0", "f1", "nope"])
    with pytest.raises(ValueError, match=r"baselines.rfm_features: \['nope'\] are not feature columns"):
        fit_classical("rfm_rules", data)
    with pytest.raises(ValueError, match="recency, frequency and monetary"):
        fit_classical("rfm_rules", _data(np.zeros((4, 3)), np.zeros(4), 2))


def test_an_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown classical method 'svm'"):
        fit_classical("svm", _data(np.zeros((2, 1)), np.zeros(2), 1))
