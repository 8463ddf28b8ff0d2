"""Both sides deliver the same function at the same quality: the study file says which, and routing must meet it."""

from __future__ import annotations

import pytest
import yaml

from lca.errors import StudyError
from lca.study.loading import load_study
from tests.conftest import REPO
from tests.study_files import edited_copy

STUDIES = sorted((REPO / "include" / "studies").glob("*.yaml"))
TINY = sorted((REPO / "tests" / "data").glob("tiny_*.yaml"))
DIGITS = REPO / "include" / "studies" / "digits.yaml"


@pytest.mark.parametrize("path", STUDIES + TINY, ids=lambda p: p.name)
def test_no_built_in_study_relies_on_a_perfect_detector_and_each_states_its_quality(path):
    study = load_study(path)
    assert not study.routing.perfect_detector
    if study.task.kind in ("ranking", "clustering"):
        assert study.routing.rule == "none", "routing does not apply: fixed effort per period instead"
    else:
        assert study.routing.rule == "confidence"
        assert study.functional_unit.delivered_error_rate == study.reference.error_rate is not None
        assert study.dataset.validation_fraction > 0


def test_ranking_and_clustering_default_to_no_routing_and_refuse_routing_by_confidence(tmp_path):
    source = REPO / "include" / "studies" / "product_recommendation.yaml"
    data = yaml.safe_load(source.read_text())
    del data["routing"]
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(data))
    study = load_study(tmp_path / "study.yaml")
    assert study.routing.rule == "none" and study.dataset.validation_fraction == 0.0
    with pytest.raises(StudyError, match="'confidence' does not apply to a ranking"):
        load_study(edited_copy(source, tmp_path, routing={"rule": "confidence"}))


def test_routing_by_confidence_needs_the_quality_it_must_meet(tmp_path):
    data = yaml.safe_load(DIGITS.read_text())
    del data["reference"]["error_rate"], data["functional_unit"]["delivered_error_rate"]
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(StudyError, match="give reference.error_rate"):
        load_study(tmp_path / "study.yaml")


def test_the_functional_unit_and_the_reference_state_the_same_error_rate(tmp_path):
    with pytest.raises(StudyError, match="same quality"):
        load_study(
            edited_copy(DIGITS, tmp_path, functional_unit__delivered_error_rate="analyst_error_rate_transaction_review")
        )


def test_routing_by_confidence_needs_a_validation_split(tmp_path):
    with pytest.raises(StudyError, match="validation_fraction must be above 0"):
        load_study(edited_copy(DIGITS, tmp_path, dataset__validation_fraction=0.0))


def test_the_default_routing_of_a_classification_is_by_confidence_on_a_fifth_of_the_training_rows(tmp_path):
    data = yaml.safe_load(DIGITS.read_text())
    del data["routing"]
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(data))
    study = load_study(tmp_path / "study.yaml")
    assert study.routing.rule == "confidence" and study.dataset.validation_fraction == 0.2


def test_an_error_rate_must_be_a_share(tmp_path):
    rate = {"value": 1.5, "unit": "dimensionless", "source": "a typo", "uncertainty": {"distribution": "none"}}
    path = edited_copy(DIGITS, tmp_path, reference__error_rate=rate, functional_unit__delivered_error_rate=rate)
    with pytest.raises(StudyError, match=r"error_rate.*outside \[0, 1\]"):
        load_study(path)
