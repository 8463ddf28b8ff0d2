"""Ranking and clustering: their metrics, floors and routing on hand-made outputs, and their data and models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from lca.errors import StudyError
from lca.ml.data import load_card, load_split, prepare_dataset
from lca.ml.datasets import synthetic_customers, synthetic_purchases
from lca.ml.ecommerce_models import BOUGHT_PENALTY, AutoencoderKMeans, TwoTower
from lca.ml.tasks import task_for
from lca.ml.training import fit
from lca.study.loading import load_study
from lca.study.machine_learning import DatasetSpec, TaskSpec
from lca.study.routing import RoutingSpec
from tests.conftest import REPO
from tests.study_files import edited_copy

RANKING = TaskSpec(kind="ranking", k=2)
CLUSTERING = TaskSpec(kind="clustering")


def test_recall_and_ndcg_at_k_count_a_hit_by_its_rank_and_ties_count_half():
    outputs = np.array([[0.9, 0.5, 0.1, 0.0], [0.1, 0.2, 0.9, 0.8], [0.0, 0.0, 0.0, 0.0]])
    y = np.array([0, 3, 1])  # rank 0, rank 1, in a four-way tie (rank 1.5)
    quality = task_for("ranking").evaluate(outputs, y, RANKING)
    assert quality["recall_at_k"] == pytest.approx(1.0)
    assert quality["ndcg_at_k"] == pytest.approx((1.0 + 1 / np.log2(3) + 1 / np.log2(3.5)) / 3)
    assert task_for("ranking").routed_fraction(
        RoutingSpec(rule="expected_errors"), outputs, y, TaskSpec(kind="ranking", k=1)
    ) == pytest.approx(2 / 3)


def test_the_popularity_floor_never_recommends_what_the_customer_bought():
    history = np.array([[1, 0, 0], [0, 0, 1]], dtype=np.float32)
    name, scores = task_for("ranking").trivial_outputs(np.array([0, 0, 0, 2, 2, 1]), 2, history)
    assert name.startswith("popularity ranking")
    assert scores[0].argmax() == 2 and scores[1].argmax() == 0, "the most popular product, unless already bought"


def test_clusters_are_judged_by_agreement_whatever_their_numbering_and_routing_matches_them_first():
    y = np.array([0, 0, 1, 1, 2, 2])
    relabelled = np.eye(3)[[2, 2, 0, 0, 1, 1]]  # the same grouping, other cluster numbers
    x = np.array([[0.0], [0.1], [5.0], [5.1], [9.0], [9.1]])
    task = task_for("clustering")
    quality = task.evaluate(relabelled, y, CLUSTERING, x)
    assert quality["adjusted_rand"] == pytest.approx(1.0) and quality["silhouette"] > 0.9
    assert task.routed_fraction(RoutingSpec(rule="expected_errors"), relabelled, y, CLUSTERING) == 0.0
    one_wrong = np.eye(3)[[2, 2, 0, 1, 1, 1]]
    assert task.routed_fraction(RoutingSpec(rule="expected_errors"), one_wrong, y, CLUSTERING) == pytest.approx(1 / 6)
    name, single = task.trivial_outputs(y, len(y), x)
    assert name.startswith("single cluster") and task.evaluate(single, y, CLUSTERING, x) == {
        "adjusted_rand": 0.0,
        "silhouette": 0.0,
    }


def test_the_two_tower_model_learns_from_purchases_and_never_ranks_a_bought_product_first():
    frame = synthetic_purchases.generate(600, seed=3, n_products=40)  # a short catalogue: a few seconds' training
    x = synthetic_purchases.multi_hot(frame[synthetic_purchases.columns()].to_numpy(), 40)
    y = frame[synthetic_purchases.LABEL].to_numpy().copy()
    assert (x[np.arange(len(y)), y] == 0).all(), "the next purchase is never one the customer already has"
    torch.manual_seed(0)
    model = TwoTower(x.shape[1], [32], 8)
    task = task_for("ranking")
    fit(model, x[:450], y[:450], epochs=8, batch_size=64, learning_rate=0.01, seed=0, loss=task.loss)
    with torch.no_grad():
        scores = model(torch.from_numpy(x[450:])).numpy()
    assert (scores[x[450:] > 0] < -BOUGHT_PENALTY / 2).all()
    spec = TaskSpec(kind="ranking", k=10)
    learnt = task.evaluate(scores, y[450:], spec)["ndcg_at_k"]
    floor = task.evaluate(task.trivial_outputs(y[:450], 150, x[450:])[1], y[450:], spec)["ndcg_at_k"]
    assert learnt > floor, "personal taste beats popularity on this data"


def test_the_catalogue_has_thousands_of_products_and_a_long_tail():
    """Zipf-like with exponent 1: the top 1 % of products draw about a third of the purchases (SYNTHETIC)."""
    assert synthetic_purchases.N_PRODUCTS >= 2000
    weights = synthetic_purchases.popularity(3000, exponent=1.0)
    top = 30  # 1 % of 3,000: harmonic numbers H(30) / H(3000) = 3.995 / 8.583
    assert weights[:top].sum() == pytest.approx(3.99499 / 8.58374, abs=1e-4)
    frame = synthetic_purchases.generate(4000, seed=0)
    ids = frame[synthetic_purchases.columns()].to_numpy()
    bought = np.concatenate([ids[ids != synthetic_purchases.NO_PRODUCT], frame[synthetic_purchases.LABEL]])
    counts = np.sort(np.bincount(bought, minlength=synthetic_purchases.N_PRODUCTS))[::-1]
    n = synthetic_purchases.N_PRODUCTS
    assert 0.25 < counts[: n // 100].sum() / counts.sum() < 0.45, "the head: the top 1 % of products"
    assert counts[n // 2 :].sum() / counts.sum() < 0.12, "the tail: the less popular half of the catalogue"
    assert (counts > 0).mean() > 0.9, "yet most products sell at least once"


def test_purchase_histories_are_stored_as_ids_and_fed_as_one_column_per_product(tmp_path):
    path = prepare_dataset(DatasetSpec(builtin="synthetic_purchases", rows=50, seed=1), tmp_path / "d.csv")
    card = load_card(path)
    assert card.encoding == "item_ids" and card.input_shape == [synthetic_purchases.N_PRODUCTS]
    assert len(card.feature_columns) == synthetic_purchases.MAX_HISTORY, "ten id columns, not thousands of 0/1"
    table = pd.read_csv(path)
    split = load_split(path, "train", card)
    train = table[table["split"] == "train"][card.feature_columns].to_numpy()
    assert split.x.shape == (len(train), synthetic_purchases.N_PRODUCTS)
    assert (split.x.sum(axis=1) == (train != synthetic_purchases.NO_PRODUCT).sum(axis=1)).all()
    first = train[0][train[0] != synthetic_purchases.NO_PRODUCT]
    assert set(np.flatnonzero(split.x[0])) == set(first)
    hand = synthetic_purchases.multi_hot(np.array([[2, 0, -1], [-1, -1, -1]]), 4)
    np.testing.assert_array_equal(hand, [[1, 0, 1, 0], [0, 0, 0, 0]])


def test_the_popularity_floor_reports_recall_and_ndcg_at_k_beside_the_model():
    """Hand-checked: training next purchases 2, 2, 2, 1, 1, 0 rank products 2, 1, 0, 3 by popularity."""
    from lca.ml.benchmarking import trivial_comparison

    train_y = np.array([2, 2, 2, 1, 1, 0])
    history = np.array([[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    y = np.array([3, 1, 1])
    # Customer 1 bought 2: list 1, 0, 3 (3 at rank 2, a miss at k=2); customer 2: 2, 1 (1 at rank 1);
    # customer 3 bought 0: list 2, 1 (1 at rank 1).
    model = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.5]])  # ranks 0, 0, 2.5
    floor = trivial_comparison(task_for("ranking"), RANKING, model, y, train_y, history)
    assert floor.name.startswith("popularity ranking")
    assert floor.quality["recall_at_k"] == pytest.approx(2 / 3)
    assert floor.quality["ndcg_at_k"] == pytest.approx((0 + 1 / np.log2(3) + 1 / np.log2(3)) / 3)
    assert floor.primary_value == pytest.approx(floor.quality[RANKING.primary])


def test_the_autoencoder_clusters_customers_close_to_their_hidden_segments():
    frame = synthetic_customers.generate(800, seed=2)
    raw = frame[list(synthetic_customers.FEATURE_RANGES)].to_numpy(np.float64)
    x = ((raw - raw.mean(0)) / raw.std(0)).astype(np.float32)
    y = frame[synthetic_customers.LABEL].to_numpy().copy()
    torch.manual_seed(0)
    model = AutoencoderKMeans(x.shape[1], 4, [16], 3, restarts=3)
    task = task_for("clustering")
    fit(model, x, y, epochs=10, batch_size=64, learning_rate=0.01, seed=0, loss=task.loss)
    assert not torch.equal(model.centroids, torch.zeros_like(model.centroids)), "k-means ran after training"
    with torch.no_grad():
        outputs = model(torch.from_numpy(x)).numpy()
    assert outputs.shape == (800, 4) and (outputs <= 0).all()
    assert task.evaluate(outputs, y, CLUSTERING, x)["adjusted_rand"] > 0.3


@pytest.mark.parametrize(
    ("builtin", "kind"), [("synthetic_purchases", "ranking"), ("synthetic_customers", "clustering")]
)
def test_the_generated_data_are_reproducible_and_labelled_synthetic(tmp_path, builtin, kind):
    spec = DatasetSpec(builtin=builtin, rows=200, seed=4)
    a = prepare_dataset(spec, tmp_path / "a" / "dataset_SYNTHETIC.csv", task_kind=kind)
    b = prepare_dataset(spec, tmp_path / "b" / "dataset_SYNTHETIC.csv", task_kind=kind)
    assert pd.read_csv(a).equals(pd.read_csv(b))
    card = load_card(a)
    assert card.synthetic and "SYNTHETIC" in card.title and card.task == kind
    split = load_split(a, "test", card)
    assert len(split) == card.n_test and split.y.dtype == np.int64


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": {"architecture": "two_tower"}}, "'two_tower' is for task.kind 'ranking'"),
        (
            {"routing": {"rule": "low_confidence", "confidence_threshold": 0.5}},
            "'low_confidence' does not apply to a clustering",
        ),
    ],
)
def test_the_schema_keeps_the_new_models_and_rules_to_their_task(tmp_path, changes, message):
    study = REPO / "include" / "studies" / ("digits.yaml" if "model" in changes else "customer_segmentation.yaml")
    with pytest.raises(StudyError, match=message):
        load_study(edited_copy(study, tmp_path, **changes))


def test_distillation_is_refused_for_a_clustering(tmp_path):
    entry = {"name": "d", "method": "distillation", "student": {"architecture": "autoencoder_kmeans", "hidden": [4]}}
    with pytest.raises(StudyError, match="clustering has no target to distil"):
        load_study(
            edited_copy(REPO / "include" / "studies" / "customer_segmentation.yaml", tmp_path, compression=[entry])
        )


@pytest.mark.parametrize("primary", ["recall_at_k", "ndcg_at_k"])
def test_the_bootstraps_resample_each_customers_hit_and_gain_instead_of_re_ranking_thousands_of_products(primary):
    """The same number as re-ranking the resampled outputs, without copying a customers x products array each time."""
    from lca.ml.tasks.base import resampled_score

    rng = np.random.default_rng(0)
    outputs, y = rng.normal(size=(40, 30)), rng.integers(0, 30, 40)
    spec = TaskSpec(kind="ranking", k=5, primary_metric=primary)
    task = task_for("ranking")
    idx = rng.integers(0, 40, 40)  # with repeats, as a bootstrap resample
    assert resampled_score(task, outputs, y, spec)(idx) == pytest.approx(task.primary_score(outputs[idx], y[idx], spec))
    assert task.item_values(outputs, y, spec).mean() == pytest.approx(task.evaluate(outputs, y, spec)[primary])
