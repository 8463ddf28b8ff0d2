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


def test_item_knn_beats_the_popularity_floor_and_never_recommends_what_was_bought():
    from lca.ml.datasets.synthetic_purchases import LABEL, columns, generate

    frame = generate(rows=1500, seed=0)
    x = np.array(frame[columns()], dtype=np.float32)
    y = frame[LABEL].to_numpy()
    task, spec = task_for("ranking"), TaskSpec(kind="ranking")
    outputs, description = _scores("item_knn", _data(x[:1000], y[:1000], x.shape[1]), x[1000:])
    _, floor = task.trivial_outputs(y[:1000], 500, x[1000:])
    knn, popular = task.evaluate(outputs, y[1000:], spec), task.evaluate(floor, y[1000:], spec)
    assert knn["recall_at_k"] > popular["recall_at_k"]
    assert knn["ndcg_at_k"] > popular["ndcg_at_k"]
    top = np.argsort(-outputs, axis=1)[:, : spec.k]
    assert not np.take_along_axis(x[1000:], top, axis=1).any()
    assert "item-kNN" in description


def test_an_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown classical method 'svm'"):
        fit_classical("svm", _data(np.zeros((2, 1)), np.zeros(2), 1))
