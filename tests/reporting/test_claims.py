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
    assert "reached with probability 97%" in text


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
