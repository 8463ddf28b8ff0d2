"""Datasets: synthetic ones are reproducible and say so; a user's file is checked before anything trains."""

from __future__ import annotations

import pandas as pd
import pytest

from lca.errors import StudyError
from lca.ml.data import dataset_filename, load_card, load_split, prepare_dataset
from lca.study.machine_learning import DatasetSpec


def prepared(tmp_path, task=None, **spec):
    data = DatasetSpec(**spec)
    path = prepare_dataset(data, tmp_path / dataset_filename(data), task_kind=task)
    return path, load_card(path)


def test_synthetic_fraud_data_are_reproducible_imbalanced_and_labelled_synthetic(tmp_path):
    (a, card), (b, _) = (
        prepared(tmp_path / "a", builtin="synthetic_fraud", rows=2000),
        prepared(tmp_path / "b", builtin="synthetic_fraud", rows=2000),
    )
    assert a.read_bytes() == b.read_bytes()
    assert a.name == "dataset_SYNTHETIC.csv"
    assert card.synthetic and "SYNTHETIC" in card.banner() and "Not real transactions" in card.origin
    frame = pd.read_csv(a)
    assert 0.005 < frame["is_fraud"].mean() < 0.05
    test = frame[frame["split"] == "test"]
    assert test["is_fraud"].sum() > 0, "stratified split keeps frauds in the test set"


def test_grid_load_data_split_chronologically_and_decode_back_to_megawatts(tmp_path):
    path, card = prepared(tmp_path, builtin="synthetic_grid_load", rows=200, test_fraction=0.25)
    frame = pd.read_csv(path)
    assert frame.loc[frame["split"] == "train", "date"].max() <= frame.loc[frame["split"] == "test", "date"].min()
    assert card.synthetic and card.target_unit == "MW" and len(card.target_columns) == 24
    test = load_split(path, "test", card)
    assert test.x.shape == (card.n_test, len(card.feature_columns))
    assert test.decode(test.y) == pytest.approx(test.y_true, rel=1e-4)


def test_digits_stay_real_data_with_their_citation(tmp_path):
    path, card = prepared(tmp_path, builtin="sklearn_digits", max_rows=100)
    assert path.name == "dataset.csv" and not card.synthetic and "UCI" in card.origin
    assert load_split(path, "train", card).x.shape[1:] == (1, 8, 8)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_user_file_in_csv_or_parquet_becomes_a_prepared_dataset(tmp_path, suffix):
    frame = pd.DataFrame({"a": range(40), "b": [i % 7 for i in range(40)], "y": [i % 2 for i in range(40)]})
    source = tmp_path / f"mine{suffix}"
    frame.to_csv(source, index=False) if suffix == ".csv" else frame.to_parquet(source)
    path, card = prepared(tmp_path / "out", task="binary", file=str(source), target="y")
    assert card.feature_columns == ["a", "b"] and card.labels == [0, 1] and not card.synthetic
    assert card.n_train + card.n_test == 40


def test_a_user_file_with_a_wrong_target_or_text_feature_names_file_field_and_value(tmp_path):
    source = tmp_path / "mine.csv"
    pd.DataFrame({"a": range(30), "town": ["x"] * 30, "y": ["yes", "no"] * 15}).to_csv(source, index=False)
    with pytest.raises(StudyError, match=r"mine.csv: field 'dataset.target': value 'label': no such column"):
        prepared(tmp_path, task="binary", file=str(source), target="label")
    with pytest.raises(StudyError, match=r"field 'dataset.features': column 'town' is not numeric \(e.g. 'x'\)"):
        prepared(tmp_path, task="binary", file=str(source), target="y")
    with pytest.raises(StudyError, match=r"field 'dataset.target': column 'y' holds"):
        prepared(tmp_path, task="binary", file=str(source), target="y", features=["a"])
