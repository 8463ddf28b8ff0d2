"""The SYNTHETIC retail demand data: reproducible, labelled, and as hard as store demand is.

Seasonality, promotion uplift and a long tail of intermittent slow movers must be
visible in the generated table, or the stock-forecasting study would compare
methods on data that miss what makes the task hard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lca.ml.data import dataset_filename, load_card, prepare_dataset
from lca.ml.datasets import synthetic_stock_demand as demand
from lca.study.machine_learning import DatasetSpec


@pytest.fixture(scope="module")
def frame():
    return demand.generate(skus=200, weeks=104, seed=0)


def test_same_seed_same_table_other_seed_other_table():
    a, b, c = demand.generate(8, 60, seed=3), demand.generate(8, 60, seed=3), demand.generate(8, 60, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a[demand.TARGET].equals(c[demand.TARGET])


def test_one_row_per_sku_and_week_sorted_by_week(frame):
    assert frame.shape == (200 * 104, len(demand.ID_COLUMNS) + len(demand.FEATURES) + 1)
    assert frame.groupby("week")["sku"].nunique().eq(200).all()
    assert frame["week"].is_monotonic_increasing
    assert (frame[demand.TARGET] == frame[demand.TARGET].round()).all() and (frame[demand.TARGET] >= 0).all()


def test_seasonal_naive_is_last_years_week_where_there_is_one_else_last_week(frame):
    units = frame.pivot(index="sku", columns="week", values=demand.TARGET).to_numpy()
    naive = frame.pivot(index="sku", columns="week", values="seasonal_naive").to_numpy()
    first_with_year = demand.YEAR - demand.BURN_IN  # the first row week with a year of history (burn-in before)
    year = demand.YEAR
    assert np.array_equal(naive[:, year:], units[:, :-year])
    assert np.array_equal(naive[:, 1:first_with_year], units[:, : first_with_year - 1])
    assert set(frame["has_last_year"]) == {0.0, 1.0}


def test_yearly_seasonality_shows_in_total_sales(frame):
    """Total regular-price sales follow the week of the year: the same weeks a year apart move together."""
    regular = frame[frame["promo"] == 0].groupby("week")[demand.TARGET].sum().to_numpy()
    first, second = regular[: demand.YEAR], regular[demand.YEAR : 2 * demand.YEAR]
    assert np.corrcoef(first, second)[0, 1] > 0.5
    assert regular.max() > 1.3 * regular.min()


def test_promotion_weeks_sell_more_at_a_lower_price(frame):
    promo, regular = frame[frame["promo"] == 1], frame[frame["promo"] == 0]
    assert 0.05 < frame["promo"].mean() < 0.12
    assert (promo["price_ratio"] < 0.95).all() and regular["price_ratio"].between(0.99, 1.01).all()
    per_sku = promo.groupby("sku")[demand.TARGET].mean() / regular.groupby("sku")[demand.TARGET].mean()
    assert per_sku.median() > 1.5


def test_a_long_tail_of_intermittent_slow_movers(frame):
    rates = frame.groupby("sku")[demand.TARGET].mean().sort_values(ascending=False)
    assert (rates < 1.0).mean() > 0.25, "many SKUs sell less than a unit a week"
    assert rates.iloc[: len(rates) // 5].sum() > 0.6 * rates.sum(), "a fifth of the SKUs make most of the sales"
    slow = frame[frame["sku"].isin(rates[rates < 1.0].index)]
    assert (slow[demand.TARGET] == 0).mean() > 0.4, "slow movers have many weeks without a sale"


def test_the_prepared_data_say_synthetic_and_keep_the_last_weeks_for_test(tmp_path):
    spec = DatasetSpec(builtin="synthetic_stock_demand", rows=300, test_fraction=0.2, validation_fraction=0.2, seed=1)
    path = prepare_dataset(spec, tmp_path / dataset_filename(spec))
    card = load_card(path)
    assert path.name == "dataset_SYNTHETIC.csv" and spec.synthetic
    assert card.synthetic and card.name == "synthetic_stock_demand" and card.task == "regression"
    assert "SYNTHETIC" in card.title and "SYNTHETIC" in card.banner() and "Not real sales data" in card.origin
    assert card.split_method == "chronological" and card.target_unit == "units"
    data = pd.read_csv(path)
    weeks = {part: data.loc[data["split"] == part, "week"] for part in ("train", "validation", "test")}
    assert weeks["train"].max() <= weeks["validation"].min() <= weeks["validation"].max() <= weeks["test"].min()


def test_a_tiny_request_gives_few_skus_and_a_full_one_two_years():
    assert demand.size(300) == (6, 50)
    assert demand.size(20800) == (200, 104)


def test_impossible_sizes_are_refused_with_the_numbers():
    with pytest.raises(ValueError, match="0, 10"):
        demand.generate(0, 10)


def test_the_seasonal_naive_floor_beats_the_mean_predictor_on_the_second_year(frame):
    """The floor a forecasting model must clear is higher than the regression task's mean predictor."""
    second_year = frame[frame["has_last_year"] == 1]
    truth = second_year[demand.TARGET]
    naive_mae = (second_year["seasonal_naive"] - truth).abs().mean()
    mean_mae = (frame.loc[frame["has_last_year"] == 0, demand.TARGET].mean() - truth).abs().mean()
    assert naive_mae < mean_mae


def test_the_seasonal_floor_is_the_test_weeks_seasonal_naive_column_unscaled_and_beats_the_mean(tmp_path):
    from lca.ml.benchmarking import paired_comparison, trivial_comparison
    from lca.ml.data import load_split, seasonal_floor
    from lca.ml.tasks import task_for
    from lca.study.machine_learning import TaskSpec

    spec = DatasetSpec(builtin="synthetic_stock_demand", rows=4000, test_fraction=0.25, seed=2)
    path = prepare_dataset(spec, tmp_path / dataset_filename(spec))
    data = pd.read_csv(path)
    floor = seasonal_floor(path, "test", ["seasonal_naive"])
    assert np.array_equal(floor[:, 0], data.loc[data["split"] == "test", "seasonal_naive"].to_numpy())
    test, train = load_split(path, "test"), load_split(path, "train")
    task, task_spec = task_for("regression"), TaskSpec(kind="regression", primary_metric="mae")
    perfect = test.y_true.reshape(-1, 1)
    naive = paired_comparison(task, task_spec, perfect, floor, test.y_true, "seasonal naive")
    mean = trivial_comparison(task, task_spec, perfect, test.y_true, train.y_true)
    assert naive.primary_value == pytest.approx(np.abs(floor[:, 0] - test.y_true).mean())
    assert naive.primary_value < mean.primary_value  # the higher floor


def test_a_seasonal_floor_naming_no_feature_column_is_refused_with_the_columns(tmp_path):
    from lca.errors import StudyError
    from lca.ml.data import seasonal_floor

    spec = DatasetSpec(builtin="synthetic_stock_demand", rows=300, test_fraction=0.2, seed=1)
    path = prepare_dataset(spec, tmp_path / dataset_filename(spec))
    with pytest.raises(StudyError, match=r"baselines.seasonal_floor.*'last_year'.*units_lag1"):
        seasonal_floor(path, "test", ["last_year"])
