"""Interpretation: Monte Carlo statistics, break-even, countries and the one-at-a-time tornado, on hand cases."""

from __future__ import annotations

import numpy as np
import pytest

from lca.assessment.background import grid_impacts
from lca.assessment.interpretation.monte_carlo import break_even_items, monte_carlo
from lca.assessment.interpretation.sensitivity import country_sensitivity, tornado
from lca.errors import StudyError
from lca.records import MonteCarloResults
from tests.bw_fixtures import FOUR_METHODS
from tests.lca_cases import hand_inventory, inventory, local_grid, provider, scenario, stage

GWP = FOUR_METHODS[0]
UNITS = {GWP: "kg CO2-Eq"}


def test_break_even_is_the_fixed_extra_over_the_saving_per_item_and_never_without_a_saving():
    # ML: 2.5 kg up front + 0.00125 kg/item; people: 0.0015 kg/item -> 2.5 / 0.00025 = 10,000 items
    assert break_even_items(2.5, 0.00125, 0.0, 0.0015) == pytest.approx(10_000)
    assert break_even_items(-1.0, 0.001, 0.0, 0.0015) == 0  # cheaper up front and per item: from the first item
    assert np.isinf(break_even_items(2.5, 0.002, 0.0, 0.0015))  # no saving per item: never
    many = break_even_items(np.array([2.5, 2.5]), np.array([0.00125, 0.002]), 0.0, 0.0015)
    assert many[0] == pytest.approx(10_000) and np.isinf(many[1])


def test_monte_carlo_reports_statistics_probabilities_and_break_even_of_the_hand_case(tmp_path):
    inv = hand_inventory("analysis-1")  # ML = 7.5 g, reference = 3 g, g lognormal(0.5, 1.2)
    results, draws = monte_carlo(inv, [GWP], UNITS, iterations=4000, seed=2, draws_file=str(tmp_path / "d.npz"))
    ml = results.stat("ml", GWP)
    assert ml.deterministic == pytest.approx(3.75)
    assert ml.median == pytest.approx(3.75, rel=0.02)
    assert ml.p2_5 < 3.75 < ml.p97_5
    assert ml.p_beats_reference == 0.0  # 7.5 g > 3 g in every paired draw
    assert results.stat("reference", GWP).p_beats_reference is None
    (be,) = results.break_even
    assert be.items == pytest.approx(10_000) and be.median_items == pytest.approx(10_000)  # g cancels out
    assert be.p_within_functional_unit == 0.0  # the functional unit is 1,000 items
    assert draws["fixed"].shape == (2, 1, 4000)
    again = MonteCarloResults.model_validate_json(results.model_dump_json())
    assert again.break_even[0].items == pytest.approx(10_000)


def test_a_scenario_that_saves_nothing_per_item_never_breaks_even():
    grid = local_grid("ZZB", climate=0.5)
    inv = inventory(
        "analysis-never",
        grid,
        [provider("it", 1.0), provider("clerk", 0.1)],
        [
            scenario("ml", [stage("training", "it", 1.0), stage("inference", "it", 10.0, share=1.0)]),
            scenario("reference", [stage("human work", "clerk", 30.0, share=1.0)], reference=True),
        ],
    )
    results, _ = monte_carlo(inv, [GWP], UNITS, iterations=200, seed=1)
    (be,) = results.break_even
    assert be.items is None and be.median_items is None and be.p_never == 1.0


def test_the_country_sensitivity_moves_the_whole_system_to_each_grid():
    inv = hand_inventory("analysis-countries")
    inv = inv.model_copy(
        update={"country": "FRA", "background": [inv.background[0].model_copy(update={"key": "grid::FRA"})]}
    )
    rows = country_sensitivity(inv, [GWP], UNITS, ["SWE", "POL"], iterations=200, seed=1)
    by = {(r.country, r.scenario): r for r in rows}
    for country in ("SWE", "POL"):
        factor = grid_impacts(country).totals["climate"]
        assert by[(country, "ml")].score == pytest.approx(7.5 * factor, rel=1e-9)
        assert by[(country, "reference")].score == pytest.approx(3.0 * factor, rel=1e-9)
        assert by[(country, "ml")].ratio_to_reference == pytest.approx(2.5)
    assert by[("FRA", "ml")].is_study_country and by[("FRA", "ml")].score == pytest.approx(3.75)


def test_the_tornado_sets_each_uncertain_input_to_its_quantiles_and_names_unknown_ones():
    grid = local_grid("ZZT", climate=0.5)
    from lca.uncertainty import Uncertainty

    spread = Uncertainty(distribution="lognormal", gsd=2.0)
    inv = inventory(
        "analysis-tornado",
        grid,
        [provider("it", 1.0, spread), provider("clerk", 0.1)],
        [
            scenario("ml", [stage("inference", "it", 4.0, share=1.0)]),
            scenario("reference", [stage("human work", "clerk", 30.0, share=1.0)], reference=True),
        ],
    )
    bars, groups = tornado(inv, [GWP])
    (bar,) = bars
    assert groups == ["it: electricity"]
    z = 1.959963984540054
    assert bar.base == pytest.approx(4 / 3)
    assert bar.low == pytest.approx(4 / 3 * 2.0**-z, rel=1e-9) and bar.high == pytest.approx(4 / 3 * 2.0**z, rel=1e-9)
    with pytest.raises(StudyError, match="lca.tornado_parameters.*no such input.*known"):
        tornado(inv, [GWP], ["no such input"])


def test_the_lowest_group_holds_every_option_the_draws_do_not_tell_apart_from_the_lowest():
    from lca.assessment.separation import lowest_group

    rng = np.random.default_rng(0)
    common = rng.lognormal(0, 0.3, 4000)  # what every option shares (the grid, the energy estimate)
    draws = {
        "baseline": common * 1.00 * rng.lognormal(0, 0.05, 4000),
        "int8_dynamic": common * 1.01 * rng.lognormal(0, 0.05, 4000),  # 1 % apart: noise
        "pruned_50": common * 1.00 * rng.lognormal(0, 0.05, 4000),
        "slim": common * 1.50 * rng.lognormal(0, 0.05, 4000),  # 50 % more in nearly every draw
    }
    group = lowest_group(draws)
    assert set(group.members) == {"baseline", "int8_dynamic", "pruned_50"} and not group.separated
    assert group.members[0] == group.lowest and group.p_lower["slim"] >= 0.95
    assert all(group.p_lower[n] < 0.95 for n in group.members[1:])


def test_identical_options_are_a_tie_and_one_clearly_lower_option_is_separated():
    from lca.assessment.separation import lowest_group

    x = np.random.default_rng(1).lognormal(0, 0.5, 2000)
    tie = lowest_group({"a": x, "b": x.copy()})
    assert tie.members == ("a", "b") and tie.p_lower == {"b": 0.0}, "equal in every draw: never lower"
    clear = lowest_group({"a": x * 2, "b": x})
    assert clear.separated and clear.lowest == "b" and clear.p_lower == {"a": 1.0}
    with pytest.raises(ValueError, match="not paired"):
        lowest_group({"a": x, "b": x[:10]})


def test_probabilities_at_the_ends_are_printed_as_bounds_never_as_certainty():
    from lca.assessment.separation import format_probability, group_sentence

    assert format_probability(0.9984) == "> 99 %"
    assert format_probability(1.0) == "> 99 %"
    assert format_probability(0.0016) == "< 1 %" and format_probability(0.0) == "< 1 %"
    assert format_probability(0.517) == "52 %" and format_probability(0.99) == "99 %"
    with pytest.raises(ValueError, match="1.2"):
        format_probability(1.2)
    text = group_sentence(["the uncompressed model", "int8_dynamic", "pruned_50"], "each is 0.10x the reference")
    assert (
        text == "the uncompressed model, int8_dynamic and pruned_50 cannot be told apart (or differ by less than 1%); "
        "each is 0.10x the reference"
    )


def test_the_monte_carlo_records_the_group_not_told_apart_from_the_lowest_for_score_and_break_even():
    from tests.records_factory import digits_inventory

    inv = digits_inventory("groups")
    results, _ = monte_carlo(inv, [GWP], UNITS, iterations=1000, seed=1)
    for quantity in ("score", "break_even"):
        group = results.lowest_group(GWP, quantity)
        assert group is not None and group.members[0] == group.lowest
        assert "reference" not in group.members and set(group.p_lower) == {
            s.name for s in inv.scenarios if not s.is_reference and s.name != group.lowest
        }


def test_options_the_draws_separate_by_less_than_one_percent_are_practically_equal_and_stay_in_the_group():
    """Paired draws separate 189.30 from 189.31 kg in every draw; the report must not call that a difference."""
    from lca.assessment.separation import MATERIAL, lowest_group, median_change, verdict

    rng = np.random.default_rng(3)
    x = rng.lognormal(np.log(189.3), 0.2, 5_000)
    nearly = x * (1 + MATERIAL / 10)  # higher in every draw, by a tenth of the material difference
    apart = x * (1 + 3 * MATERIAL)

    assert (x < nearly).mean() == 1.0  # separated by probability alone
    assert lowest_group({"a": x, "b": nearly}).members == ("a", "b")
    assert lowest_group({"a": x, "c": apart}).members == ("a",)
    assert median_change(nearly, x) == pytest.approx(MATERIAL / 10)
    assert verdict(1.0, median_change(x, nearly)) == "practically equal"
    assert verdict(1.0, median_change(x, apart)) == "clearly lower"
    assert verdict(0.0, median_change(apart, x)) == "clearly higher"
    assert verdict(0.6, median_change(x, apart)) == "not clear"
    assert verdict(1.0, None) == "clearly lower"  # records made before the change was kept


def test_the_compression_sentence_calls_a_tiny_separated_difference_practically_equal_and_gives_no_reason_it_lacks():
    from lca.reporting.claims import compression_sentence

    text = compression_sentence("GWP100", [], ["tiny_towers"], [], equal=["int8"], routes_to_people=False)
    assert "int8 is practically equal to it (apart by less than 1%)" in text
    assert "clearly raises it for tiny_towers" in text
    assert "hands more items to people" not in text
    assert "hands more items to people" in compression_sentence("GWP100", [], ["tiny_towers"], [])
