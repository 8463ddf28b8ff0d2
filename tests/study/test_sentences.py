"""A long source is quoted by its first sentence, whole: never cut in the middle of a word."""

from __future__ import annotations

import pytest

from lca.study.reference_data import parameter
from lca.study.sentences import first_sentence


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("One cited figure. Its context follows.", "One cited figure."),
        ("A ratio of 0.104 x the reference. Then more.", "A ratio of 0.104 x the reference."),
        (
            "As in e.g. Smith et al. 2020, Fig. 1, by J. Doe. Next sentence.",
            "As in e.g. Smith et al. 2020, Fig. 1, by J. Doe.",
        ),
        ("Wrapped over\n   two lines. Second.", "Wrapped over two lines."),
        ("a single sentence without a full stop", "a single sentence without a full stop"),
    ],
)
def test_the_first_sentence_ends_at_a_full_stop_and_not_at_a_decimal_an_abbreviation_or_an_initial(text, first):
    assert first_sentence(text) == first


def test_the_server_share_allocation_quotes_its_source_by_whole_sentences(tmp_path):
    """Issue 23: the report showed 'a small model served on a general-purpo' (the source cut at 160 characters)."""
    from tests.records_factory import digits_measured_inventory

    inv = digits_measured_inventory("alloc-sentence", "shared")
    source = " ".join(parameter("server_share_shared_service").source.split())
    assert len(source) > 160  # long enough to have been cut
    quoted = inv.allocation_statement.split("(deployment.server_share: ", 1)[1].split("), applied", 1)[0]
    assert quoted == first_sentence(source)
    assert quoted.endswith("about ten services.")
