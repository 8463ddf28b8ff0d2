"""The 'In short' box tells a decision-maker what to do first, with absolute figures and a cited equivalent."""

from __future__ import annotations

import pytest

from lca.records import LowestGroupStats, MonteCarloResults, ScenarioStats
from lca.reporting.in_short import CAR_KM, car_km, in_short_context, plain_number
from lca.study.impact_methods import GWP100
from lca.study.reference_data import parameter
from tests.reporting.test_report import SCORES, inventory, lcia, reports, study, write  # noqa: F401  (fixtures)

UNIT = {GWP100: "kg CO2-Eq"}


def _mc(p_reference: dict[str, float], members: list[str]) -> MonteCarloResults:
    """Monte Carlo results with the given P(lower than the reference) and lowest group (climate change only)."""
    stats = [
        ScenarioStats(
            scenario=n,
            label=n,
            is_reference=n == "reference",
            method=GWP100,
            unit="kg CO2-Eq",
            deterministic=s,
            mean=s,
            median=s,
            p2_5=s / 2,
            p97_5=s * 2,
            sd=s / 4,
            p_beats_reference=p_reference.get(n),
        )
        for n, s in SCORES.items()
    ]
    group = LowestGroupStats(
        method=GWP100, quantity="score", lowest=members[0], members=members, p_lower={m: 0.5 for m in members[1:]}
    )
    return MonteCarloResults(
        study="digits",
        run_id="r",
        iterations=1000,
        seed=1,
        seconds=0.1,
        engine="test",
        stats=stats,
        break_even=[],
        draws_file="mc.npz",
        scenarios=list(SCORES),
        methods=[GWP100],
        lowest_groups=[group],
    )


def test_the_equivalent_is_km_by_car_from_the_cited_factor_at_both_ends_of_its_range():
    car = parameter(CAR_KM)
    assert "European Environment Agency" in car.source and car.uncertainty.basis
    low, high = car.uncertainty.minimum, car.uncertainty.maximum
    assert car_km(10.0, car) == f"{float(f'{10 / high:.2g}'):,.0f}–{float(f'{10 / low:.2g}'):,.0f} km"


def test_a_group_the_draws_cannot_separate_is_named_as_one_and_no_best_is_named(inventory, lcia):  # noqa: F811
    mc = _mc({"baseline": 0.9999, "int8_dynamic": 0.998, "pruned_50": 0.999}, ["int8_dynamic", "baseline"])

    box = in_short_context(inventory, lcia, mc, None, [GWP100], UNIT)

    text = box["recommendation"]
    assert text.startswith(
        "Do this job with 'int8_dynamic' and the uncompressed model (the data cannot tell them apart)"
    )
    assert "best" not in text and "> 99 %" in text  # never "100 %"
    (row,) = box["rows"]
    assert row["options"] == ["int8_dynamic", "uncompressed model"]
    assert row["score"] == "0.008–0.012" and row["ratio"] == "0.00082–0.0012"  # absolute beside the ratio
    assert row["reference"] == "9.8" and row["unit"] == "kg CO2-Eq"
    assert row["reference_equivalent"] == car_km(9.8, parameter(CAR_KM))


def test_an_option_the_draws_do_not_separate_from_the_reference_is_no_recommendation_to_switch(
    inventory,  # noqa: F811
    lcia,  # noqa: F811
):
    mc = _mc({"baseline": 0.004, "int8_dynamic": 0.6, "pruned_50": 0.3}, ["int8_dynamic"])

    text = in_short_context(inventory, lcia, mc, None, [GWP100], UNIT)["recommendation"]

    assert text.startswith("The data do not yet say whether ML lowers the climate change impact: 'int8_dynamic' has")
    assert "60 %" in text and "Do this job" not in text


@pytest.mark.parametrize(("p", "shown"), [(0.001, "< 1 %"), (0.9995, "> 99 %")])
def test_probabilities_at_the_ends_print_as_bounds(inventory, lcia, p, shown):  # noqa: F811
    mc = _mc({"baseline": p, "int8_dynamic": p, "pruned_50": p}, ["int8_dynamic"])
    (row,) = in_short_context(inventory, lcia, mc, None, [GWP100], UNIT)["rows"]
    assert row["probability"] == shown


def test_the_report_opens_with_the_recommendation_then_figures_per_functional_unit(write):  # noqa: F811
    html = (write() / "report.html").read_text()
    box = html[html.index('id="in-short"') : html.index('<nav class="toc"')]

    assert box.index('class="recommendation"') < box.index('class="in-short-table"') < box.index("<ul>")
    assert "No option can be recommended with a known confidence" in box  # no Monte Carlo in this report
    assert "by car" in box and "include/data/parameters_equivalents.yaml" in box
    assert "Methods: Climate change (GWP100): IPCC 2021 | climate change | global warming potential (GWP100)." in box


@pytest.mark.parametrize(
    ("value", "shown"), [(1230.4, "1,230"), (31.5, "31.5"), (0.012, "0.012"), (9.8, "9.8"), (3.62e-5, "3.62e-05")]
)
def test_absolute_figures_read_without_an_exponent_where_a_reader_expects_none(value, shown):
    assert plain_number(value) == shown
