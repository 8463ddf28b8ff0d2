"""Human effort as it is spent: fixed efforts per period or per batch, charged in full to the side that does them."""

from __future__ import annotations

import pytest

from lca.assessment.inventory import CLERK_HOUR, build_inventory
from lca.errors import StudyError
from lca.records import LatencyStat
from lca.study.loading import load_study
from lca.study.reference_data import parameter
from tests.conftest import REPO
from tests.records_factory import bench, energy

STUDIES = REPO / "include" / "studies"


def _bench(variant):
    """A benchmark with the latency at batch 1 an online deployment needs."""
    one = LatencyStat(
        batch_size=1, repeats=3, warmup=1, median_ms=1.0, p10_ms=1, p90_ms=1, iqr_ms=0, items_per_second=1e3
    )
    return bench(variant, 2e-9).model_copy(update={"latency": [one]})


def _inventory(study):
    names = study.variant_names()
    return build_inventory(
        study,
        "effort-1",
        training=energy("training", 0.01, duration_s=36.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks={n: _bench(n) for n in names},
    )


def _stages(inv, scenario):
    return [(s.stage, s.provider, s.amount) for s in inv.scenario(scenario).stages]


def test_curated_lists_are_8_hours_a_week_over_the_year_and_the_recommender_keeps_them_in_full():
    study = load_study(STUDIES / "product_recommendation.yaml")
    inv = _inventory(study)
    weeks = 365.25 / 7  # pint's year is the Julian year: 52.18 weeks
    (use,) = inv.provider("effort::curated_lists").uses
    assert use.input == CLERK_HOUR
    assert use.amount == pytest.approx(8 * weeks, rel=1e-12)  # 417.4 h a year, whatever the visits
    assert use.uncertainty.gsd == parameter("merchandiser_hours_curation_per_week").total_uncertainty.gsd
    assert ("fixed human effort", "effort::curated_lists", 1.0) in _stages(inv, "reference")
    assert ("fixed human effort", "effort::curated_lists", 1.0) in _stages(inv, "baseline")
    # no per-visit work on either side: the functional unit's visits do not scale the curation
    assert not [s for s in inv.scenario("reference").stages if s.variable_share]
    assert "residual human work" not in {s.stage for s in inv.scenario("baseline").stages}


def test_the_functional_unit_matches_the_basis_of_the_curation_estimate():
    study = load_study(STUDIES / "product_recommendation.yaml")
    assert study.functional_unit.items == 60_000 * 52  # the shop the 8 h a week describe
    segmentation = load_study(STUDIES / "customer_segmentation.yaml")
    assert segmentation.functional_unit.items == 60_000 * 4  # 60,000 customers, four refreshes


def test_a_refresh_is_16_hours_for_the_reference_and_its_review_2_hours_for_the_model():
    study = load_study(STUDIES / "customer_segmentation.yaml")
    inv = _inventory(study)
    assert inv.provider("effort::rfm_refresh").uses[0].amount == pytest.approx(16 * 4)
    assert inv.provider("effort::segment_review").uses[0].amount == pytest.approx(2 * 4)
    assert [p for _, p, _ in _stages(inv, "reference")] == ["effort::rfm_refresh"]
    assert "effort::segment_review" in [p for _, p, _ in _stages(inv, "baseline")]
    assert "effort::rfm_refresh" not in [p for _, p, _ in _stages(inv, "baseline")]


def test_a_reference_that_does_no_work_is_refused(tmp_path):
    text = (REPO / "tests" / "data" / "tiny_customer_segmentation.yaml").read_text()
    broken = tmp_path / "no_work.yaml"
    broken.write_text(text.replace("      side: reference\n", "      side: ml\n"))
    with pytest.raises(StudyError, match="the reference does no work"):
        load_study(broken)


def test_a_per_period_effort_needs_a_period_pint_reads(tmp_path):
    text = (REPO / "tests" / "data" / "tiny_product_recommendation.yaml").read_text()
    broken = tmp_path / "bad_period.yaml"
    broken.write_text(text.replace("per: 1 week", "per: one fortnight"))
    with pytest.raises(StudyError, match="lca.human_effort.0.per"):
        load_study(broken)
