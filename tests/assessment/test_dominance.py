"""The measured stages' share of each score, and whether the measurement's interval could flip a conclusion."""

from __future__ import annotations

import pytest

from lca.assessment.dominance import dominance, interval_factors
from lca.records import ImpactScore, LciaResults, StageScore
from lca.uncertainty import Uncertainty

GWP = ("IPCC 2021", "climate change", "global warming potential (GWP100)")


def _lcia(stages: dict[str, dict[str, float]]) -> LciaResults:
    return LciaResults(
        study="hand",
        run_id="hand",
        brightway_project="-",
        foreground_database="-",
        scores=[ImpactScore(scenario=s, method=GWP, unit="kg", score=sum(v.values())) for s, v in stages.items()],
        stages=[
            StageScore(scenario=s, stage=stage, method=GWP, unit="kg", score=x)
            for s, v in stages.items()
            for stage, x in v.items()
        ],
    )


def test_a_small_measured_share_flips_nothing_and_its_ratio_range_is_written_out():
    # baseline: training 2 + inference 1 (measured, M = 3) + development 5 = 8; reference 10.
    # at x/÷ 2 (low 0.5, high 2): (8 - 3 + 0.5 * 3) / 10 = 0.65 and (8 - 3 + 2 * 3) / 10 = 1.1 -> crosses 1.
    # int8: inference 0.5 + development 2 = 2.5, M = 0.5: (2 + 0.25) / 10 = 0.225, (2 + 1) / 10 = 0.3 -> stays below.
    # int8 against baseline: 2.25 - (5 + 6) = -8.75 and 3 - (5 + 1.5) = -3.5 -> lower either way.
    lcia = _lcia(
        {
            "baseline": {"training": 2.0, "inference": 1.0, "development": 5.0},
            "int8": {"inference": 0.5, "development": 2.0},
            "reference": {"human work": 10.0},
        }
    )
    rows = {r.scenario: r for r in dominance(lcia, "reference", 0.5, 2.0)}

    assert rows["baseline"].measured_share == pytest.approx(3 / 8)
    assert (rows["baseline"].ratio_low, rows["baseline"].ratio_high) == pytest.approx((0.65, 1.1))
    assert rows["baseline"].flips_against_reference is True
    assert rows["baseline"].flips_against_baseline is None
    assert rows["int8"].measured_share == pytest.approx(0.5 / 2.5)
    assert (rows["int8"].ratio_low, rows["int8"].ratio_high) == pytest.approx((0.225, 0.3))
    assert rows["int8"].flips_against_reference is False
    assert rows["int8"].flips_against_baseline is False
    assert rows["reference"].measured_share == 0.0 and rows["reference"].ratio is None


def test_two_variants_close_on_measured_energy_can_swap_against_the_baseline():
    # baseline 1 (measured) + 4 = 5, pruned 1.2 (measured) + 3.7 = 4.9; at x/÷ 1.5:
    # pruned low - baseline high = (3.7 + 0.8) - (4 + 1.5) = -1.0;
    # pruned high - baseline low = (3.7 + 1.8) - (4 + 2/3) > 0.
    lcia = _lcia(
        {
            "baseline": {"inference": 1.0, "development": 4.0},
            "pruned": {"inference": 1.2, "development": 3.7},
            "reference": {"human work": 100.0},
        }
    )
    rows = {r.scenario: r for r in dominance(lcia, "reference", 1 / 1.5, 1.5)}

    assert rows["pruned"].flips_against_baseline is True
    assert rows["pruned"].flips_against_reference is False


def test_the_interval_of_a_lognormal_measurement_is_gsd_to_the_power_1_96():
    low, high = interval_factors(Uncertainty(distribution="lognormal", gsd=1.5, basis="test"))
    assert (low, high) == pytest.approx((1.5**-1.96, 1.5**1.96))
    assert interval_factors(Uncertainty(distribution="normal", relative_sd=0.1, basis="test")) == pytest.approx(
        (0.804, 1.196)
    )
