"""Every study assesses its classical baseline, chosen by task kind; a method that does not fit is refused."""

from __future__ import annotations

import pytest

from lca.errors import StudyError
from lca.study.catalogue import study_files
from lca.study.loading import load_study
from tests.conftest import DIGITS, REPO
from tests.study_files import edited_copy


@pytest.mark.parametrize("path", study_files(REPO / "include" / "studies"), ids=lambda p: p.stem)
def test_every_built_in_study_assesses_its_classical_baseline_as_its_last_variant(path):
    study = load_study(path)
    assert study.variant_names()[-1] == "classical"


def test_the_classical_baseline_is_left_out_on_request(tmp_path):
    study = load_study(edited_copy(DIGITS, tmp_path, baselines={"classical": False}))
    assert "classical" not in study.variant_names()


def test_a_method_of_another_task_kind_is_refused_by_name(tmp_path):
    with pytest.raises(StudyError, match=r"baselines.method.*'kmeans'.*multiclass"):
        load_study(edited_copy(DIGITS, tmp_path, baselines={"method": "kmeans"}))


def test_the_name_classical_is_reserved_for_the_baseline(tmp_path):
    with pytest.raises(StudyError, match="reserved"):
        load_study(edited_copy(DIGITS, tmp_path, compression=[{"name": "classical", "method": "dynamic_quantization"}]))


def test_the_stock_study_floors_are_seasonal_naive_and_its_classical_method():
    """Issue 21: a forecast must clear "same week last year", not only the training mean, and ridge besides."""
    study = load_study(REPO / "include" / "studies" / "stock_forecasting.yaml")
    assert study.baselines.seasonal_floor == ["seasonal_naive"]
    assert study.classical_names() == ["classical"] and study.baselines.method in (None, "ridge")


def test_a_seasonal_floor_is_refused_outside_a_regression(tmp_path):
    with pytest.raises(StudyError, match=r"baselines.seasonal_floor.*not a multiclass"):
        load_study(edited_copy(DIGITS, tmp_path, baselines={"seasonal_floor": ["x"]}))


def test_rfm_rules_are_a_clustering_method_that_needs_its_three_columns_unless_the_data_are_known(tmp_path):
    segmentation = REPO / "include" / "studies" / "customer_segmentation.yaml"
    study = load_study(edited_copy(segmentation, tmp_path, baselines={"method": "rfm_rules"}))
    assert study.variant_names()[-1] == "classical"  # synthetic_customers names its RFM columns itself
    with pytest.raises(StudyError, match=r"baselines.rfm_features is read by method 'rfm_rules' only"):
        load_study(edited_copy(segmentation, tmp_path, baselines={"rfm_features": ["a", "b", "c"]}))
    with pytest.raises(StudyError, match=r"rfm_features: value \['a'\] must name three columns"):
        load_study(edited_copy(segmentation, tmp_path, baselines={"method": "rfm_rules", "rfm_features": ["a"]}))
    with pytest.raises(StudyError, match=r"baselines.method.*'rfm_rules'.*ranking"):
        load_study(
            edited_copy(
                REPO / "include" / "studies" / "product_recommendation.yaml",
                tmp_path,
                baselines={"method": "rfm_rules"},
            )
        )
