"""Sentences generated from numbers, at their edges: each reads as a person would say it."""

from __future__ import annotations

from lca.reporting import claims

FU = 1_000_000


def test_a_break_even_below_one_item_says_from_the_first_item_once_and_names_only_counted_stages():
    text = claims.break_even_sentence("IPCC", "int8", {"training", "compression"}, 0.2, 0.0, 0.7, FU, 1.0)
    assert "lower impact from the first item" in text and "below one item in every case" in text
    assert "from the first item to from the first item" not in text and "about from" not in text
    assert "development" not in text, "the study counted no development"
    assert "(training, compression)" in text


def test_a_break_even_beyond_the_functional_unit_says_the_job_by_hand_wins_at_the_studys_volume():
    text = claims.break_even_sentence("IPCC", "baseline", {"development", "training"}, 3.4e6, 1.2e6, 9e6, FU, 0.1)
    assert "only after about 3,400,000 items, beyond the functional unit of 1,000,000 items" in text
    assert "doing the job by hand has the lower impact" in text and "(development, training)" in text


def test_a_break_even_never_reached_says_so_without_a_number():
    text = claims.break_even_sentence("IPCC", "slim", {"training"}, None, None, None, FU, 0.0)
    assert "saves nothing per item" in text and "never paid back" in text and "never in every case" in text
    assert "never to never" not in text
    assert "about never" not in text


def test_a_break_even_within_the_functional_unit_gives_the_volume_and_its_interval():
    text = claims.break_even_sentence("IPCC", "baseline", {"training"}, 12_345.0, 9_000.0, 20_000.0, FU, 0.97)
    assert "after about 12,300 items (95 % interval: 9,000 items to 20,000 items)" in text
    assert "reached with probability 97 %" in text


def test_with_no_fixed_stage_counted_the_sentence_names_none():
    assert claims.fixed_costs_text(set()) == "none"
    text = claims.break_even_sentence("IPCC", "x", set(), 0.5, 0.1, 0.9, FU, 1.0)
    assert "its fixed costs do not" in text and "()" not in text


def test_a_ratio_that_cannot_move_with_the_grid_says_why_all_human_work():
    text = claims.grid_sentence("IPCC", (0.019, "Sweden"), (0.019, "India"), 0.4, 0.999, 1.0)
    assert "stays at 0.019 x the reference on every grid tried (from Sweden to India)" in text
    assert "human work" in text and "scales both together" in text
    assert "from 0.019 x (Sweden) to 0.019 x (India)" not in text


def test_a_ratio_that_cannot_move_because_nothing_uses_the_grid_says_so():
    text = claims.grid_sentence("EF water", (2.0, "France"), (2.0, "Poland"), 0.0, 0.5, 1.0)
    assert "nothing in either scenario uses grid electricity" in text


def test_a_ratio_that_moves_gives_its_range():
    text = claims.grid_sentence("IPCC", (0.01, "Sweden"), (0.3, "India"), 0.6, 0.2, 1.0)
    assert "ranges from 0.01 x the reference (Sweden) to 0.3 x (India)" in text


def test_compression_is_said_to_clearly_lower_only_for_variants_with_paired_support():
    text = claims.compression_sentence("IPCC", ["int8"], [], ["pruned"])
    assert "clearly lowers the impact for int8" in text and "pruned" in text.split("do not separate")[1]
    assert "95%" in text
    none = claims.compression_sentence("IPCC", [], [], ["int8", "pruned"])
    assert "clearly lowers" not in none and "do not separate int8, pruned" in none


def test_a_zero_error_share_on_few_items_warns_with_the_rule_of_three():
    flips = claims.quality_warning("int8", 54, 0, 3 / 54, changes=True)
    assert "0 of 54" in flips and "3/54 = 5.6%" in flips and "too small" in flips
    small = claims.quality_warning("int8", 54, 0, 3 / 54, changes=False)
    assert "fewer than 100" in small and "3/54 = 5.6%" in small
    assert claims.quality_warning("int8", 450, 0, 3 / 450, changes=False) is None
    assert claims.quality_warning("int8", 450, 4, None, changes=False) is None


def test_one_item_is_singular_and_an_interval_from_below_one_reads_from_the_first_item():
    assert claims.items_text(1.2) == "1 item" and claims.items_text(2.0) == "2 items"
    assert claims.interval_text(0.3, 1.2) == "from the first item up to 1 item"


def _recommendations(inv, quality=None, shares=None):
    from lca.assessment.engine import compile_model, deterministic, scenario_totals
    from lca.assessment.interpretation.monte_carlo import monte_carlo
    from lca.records import ImpactScore, LciaResults
    from lca.reporting.recommendations_section import recommendations
    from tests.bw_fixtures import FOUR_METHODS

    model = compile_model(inv, FOUR_METHODS)
    det = scenario_totals(model, deterministic(model))[:, :, 0]
    scores = [
        ImpactScore(scenario=name, method=method, unit="-", score=float(det[i, j]))
        for i, name in enumerate(model.scenario_names)
        for j, method in enumerate(model.methods)
    ]
    lcia = LciaResults(
        study=inv.study, run_id=inv.run_id, brightway_project="-", foreground_database="-", scores=scores
    )
    mc, _ = monte_carlo(inv, FOUR_METHODS, {}, 1000, seed=1, quality=quality, quality_shares=shares)
    return recommendations(inv, lcia, mc, None, FOUR_METHODS), mc, FOUR_METHODS


def _check_no_best_among_ties(lines, mc, methods):
    from lca.reporting.in_short import plain_name  # "uncompressed model" for the baseline

    for method, line in zip(methods, lines):  # one opening line per method, in the methods' order
        group = mc.lowest_group(method)
        if group.separated:
            assert f"the best ML option, '{plain_name(group.lowest)}'" in line
        else:
            assert "best" not in line and "cannot be told apart" in line, line
            assert all(f"'{plain_name(m)}'" in line for m in group.members), line
    be = mc.lowest_group(methods[0], "break_even")
    (sentence,) = [t for t in lines if t.startswith("Break-even")]
    assert "best" not in sentence and all(f"'{plain_name(m)}'" in sentence for m in be.members)
    text = " ".join(lines)
    assert "100%" not in text and "100 %" not in text and " 0%" not in text


def test_no_report_from_the_fixture_records_names_a_best_among_options_the_draws_do_not_separate():
    from tests.records_factory import digits_inventory, digits_measured_inventory

    for factory in (digits_inventory, digits_measured_inventory):
        lines, mc, methods = _recommendations(factory("no-best"))
        _check_no_best_among_ties(lines, mc, methods)
    assert any(not g.separated for g in mc.lowest_groups), "the fixtures hold ties: the test exercises them"


def test_two_variants_with_identical_predictions_and_measurements_are_named_as_a_tie():
    from lca.assessment.inventory.names import routed_share_group
    from lca.ml.quality_bootstrap import paired_bootstrap
    from tests.ml.test_quality_bootstrap import SPEC, TASK, _bench, _items
    from tests.records_factory import digits_measured_inventory

    inv = digits_measured_inventory("twins")
    twin = inv.scenario("baseline").model_copy(deep=True, update={"name": "twin", "label": "ML: twin"})
    for flow in twin.stages:
        if flow.group == routed_share_group("baseline"):
            flow.group = routed_share_group("twin")
    inv = inv.model_copy(
        update={"scenarios": [*[s for s in inv.scenarios if s.name == "baseline" or s.is_reference], twin]}
    )
    per_item = {"baseline": _items([3, 9], n=120), "twin": _items([3, 9], n=120)}
    benches = [_bench(name, items) for name, items in per_item.items()]
    quality, shares = paired_bootstrap(benches, per_item, TASK, SPEC, draws=1000, seed=1, metric_draws=10)
    lines, mc, methods = _recommendations(inv, quality, shares)
    _check_no_best_among_ties(lines, mc, methods)
    assert all(mc.lowest_group(m).members == ["baseline", "twin"] for m in methods)
    assert "'uncompressed model' and 'twin' cannot be told apart" in lines[0]  # plain name for the baseline


def test_the_compression_sentence_leaves_the_classical_baseline_out():
    """The classical method is a baseline, not a compression of the model: the report judges it in its own sentence."""
    from lca.assessment.inventory.names import routed_share_group
    from tests.records_factory import digits_measured_inventory

    inv = digits_measured_inventory("classical")
    classical = inv.scenario("baseline").model_copy(
        deep=True, update={"name": "classical", "label": "Classical baseline: classical"}
    )
    for flow in classical.stages:
        if flow.group == routed_share_group("baseline"):
            flow.group = routed_share_group("classical")
    inv = inv.model_copy(update={"scenarios": [*inv.scenarios, classical]})
    lines, _, _ = _recommendations(inv)
    compression = [line for line in lines if line.startswith("Compression (")]
    assert compression, lines
    assert all("classical" not in line for line in compression), compression
