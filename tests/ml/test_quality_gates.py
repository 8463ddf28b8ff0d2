"""Data-quality gates stop a run on bad data, and say in the task log exactly what was wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lca.errors import DataQualityError
from lca.ml.quality_gates import benchmarks_frame, check_benchmarks, check_dataset
from lca.records import GateResult
from tests.records_factory import bench

FEATURES = [f"pixel_{i}" for i in range(16)]  # 64 in the real data; 16 keep the tests quick
VARIANTS = ["baseline", "int8_dynamic", "pruned_50"]


@pytest.fixture
def digits() -> pd.DataFrame:
    """A well-formed prepared dataset: pixels in [0, 16], a label in 0-9, a split column."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 17, size=(200, len(FEATURES))).astype(float), columns=FEATURES)
    frame["label"] = np.arange(200) % 10
    frame["split"] = np.where(np.arange(200) % 4 == 0, "test", "train")
    return frame


def gate(df: pd.DataFrame) -> GateResult:
    return check_dataset(
        df,
        feature_columns=FEATURES,
        label_column="label",
        allowed_labels=list(range(10)),
        value_range=(0.0, 16.0),
        source="runs/digits/dataset.csv",
        extra_columns=["split"],
    )


def failure_of(df: pd.DataFrame) -> str:
    with pytest.raises(DataQualityError) as info:
        gate(df)
    message = str(info.value)
    assert message.startswith("Data quality gate 'dataset' failed for runs/digits/dataset.csv:")
    return message


def test_a_good_dataset_passes_every_expectation(digits):
    result = gate(digits)

    assert result.success and result.failures == []
    # schema + row count + one not-null per column + label set + one range per feature
    assert result.checked == 1 + 1 + (len(FEATURES) + 2) + 1 + len(FEATURES)
    assert "passed" in result.summary()


def test_missing_values_are_reported_with_their_column_and_rows(digits):
    digits.loc[[3, 7], "pixel_5"] = np.nan

    message = failure_of(digits)

    assert "expect_column_values_to_not_be_null on column 'pixel_5': 2 of 200 rows unexpected" in message
    assert "row(s) [3, 7]" in message


def test_a_label_outside_the_allowed_set_is_reported_with_its_value(digits):
    digits.loc[0, "label"] = 11

    message = failure_of(digits)

    assert "expect_column_values_to_be_in_set on column 'label'" in message
    assert "11 (x1)" in message


def test_out_of_range_values_are_reported_with_the_range_and_the_values(digits):
    digits.loc[[0, 1], "pixel_9"] = 40.0
    digits.loc[2, "pixel_10"] = -1.0

    message = failure_of(digits)

    assert "expect_column_values_to_be_between on column 'pixel_9' (min_value=0.0, max_value=16.0)" in message
    assert "40.0 (x2)" in message
    assert "column 'pixel_10'" in message and "-1.0 (x1)" in message


def test_wrong_columns_name_the_missing_and_the_unexpected_ones(digits):
    wrong = digits.drop(columns=["pixel_15"]).assign(comment="x")

    message = failure_of(wrong)

    assert "expect_table_columns_to_match_set" in message
    assert "missing columns ['pixel_15']" in message
    assert "unexpected columns ['comment']" in message


def test_too_few_rows_fail(digits):
    message = failure_of(digits.head(5))

    assert "expect_table_row_count_to_be_between" in message and "observed 5" in message


def test_every_failure_gets_its_own_line(digits):
    digits.loc[0, "label"] = 11
    digits.loc[1, "pixel_2"] = np.nan

    lines = failure_of(digits).splitlines()

    assert [line for line in lines if line.startswith("  - ")] == [line for line in lines if "expect_" in line]
    assert len([line for line in lines if line.startswith("  - ")]) == 2
    assert lines[-1] == "  (2 of 37 expectations failed)"


def test_a_gate_result_round_trips_through_json(tmp_path, digits):
    result = gate(digits)

    assert GateResult.load(result.save(tmp_path / "gates" / "dataset.json")) == result


# --- benchmarks ----------------------------------------------------------------------


@pytest.fixture
def benchmarks() -> pd.DataFrame:
    return benchmarks_frame([bench(v, 1e-9 * (i + 1), accuracy=0.95 + i / 100) for i, v in enumerate(VARIANTS)])


def bench_failure(df: pd.DataFrame) -> str:
    with pytest.raises(DataQualityError) as info:
        check_benchmarks(df, expected_variants=VARIANTS, source="benchmarks.csv")
    message = str(info.value)
    assert message.startswith("Data quality gate 'benchmarks' failed for benchmarks.csv:")
    return message


def test_one_good_row_per_variant_passes(benchmarks):
    assert check_benchmarks(benchmarks, expected_variants=VARIANTS, source="benchmarks.csv").success


def test_a_duplicate_variant_is_caught(benchmarks):
    duplicated = pd.concat([benchmarks.iloc[:2], benchmarks.iloc[[0]]], ignore_index=True)

    message = bench_failure(duplicated)

    assert "expect_column_values_to_be_unique on column 'variant'" in message and "'baseline' (x2)" in message
    assert "missing values ['pruned_50']" in message


def test_an_accuracy_above_one_is_caught(benchmarks):
    benchmarks.loc[1, "accuracy"] = 97.0  # a percentage slipped in

    message = bench_failure(benchmarks)

    assert "expect_column_values_to_be_between on column 'accuracy'" in message and "97.0 (x1)" in message


def test_zero_energy_is_caught(benchmarks):
    benchmarks.loc[2, "energy_per_item_kwh"] = 0.0

    message = bench_failure(benchmarks)

    assert "column 'energy_per_item_kwh' (min_value=0.0, strict_min=True)" in message and "0.0 (x1)" in message


def test_a_missing_or_unexpected_variant_is_caught(benchmarks):
    benchmarks.loc[2, "variant"] = "pruned_90"

    message = bench_failure(benchmarks)

    assert "expect_column_distinct_values_to_equal_set on column 'variant'" in message
    assert "'pruned_90'" in message and "'pruned_50'" in message


def test_a_check_that_cannot_run_says_why(digits):
    # Declaring the text 'split' column a feature asks for a numeric range on text.
    with pytest.raises(DataQualityError) as info:
        check_dataset(
            digits,
            feature_columns=[*FEATURES, "split"],
            label_column="label",
            allowed_labels=list(range(10)),
            value_range=(0.0, 16.0),
            source="runs/digits/dataset.csv",
        )

    assert "on column 'split'" in str(info.value)
    assert "could not be evaluated: Column values, min_value, and max_value must" in str(info.value)
