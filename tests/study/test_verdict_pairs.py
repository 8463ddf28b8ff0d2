"""A study's benchmark settings must be able to reach its declared alpha, or it is refused when validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lca.study.machine_learning import BenchmarkSpec
from lca.study.verdict_pairs import pairs_needed, smallest_p


def test_the_pairs_a_two_sided_sign_flip_test_needs_follow_from_its_smallest_p():
    assert [pairs_needed(a) for a in (0.2, 0.1, 0.05, 0.01, 0.001)] == [4, 5, 6, 8, 11]
    assert smallest_p(5) == 0.0625 > 0.05 >= smallest_p(6)


def test_too_few_latency_repeats_for_alpha_are_refused_naming_the_field_and_the_minimum():
    with pytest.raises(ValidationError, match=r"benchmark.latency_repeats = 5 .* p below 0.0625.* at least 6"):
        BenchmarkSpec(latency_repeats=5)
    with pytest.raises(ValidationError, match=r"benchmark.latency_repeats = 7 .*benchmark.alpha = 0.01.* at least 8"):
        BenchmarkSpec(latency_repeats=7, alpha=0.01)
    assert BenchmarkSpec(latency_repeats=5, alpha=0.1).alpha == 0.1, "5 pairs reach 10 %"


def test_energy_pairs_are_none_or_enough_for_alpha():
    assert BenchmarkSpec().energy_pairs == 0, "no energy verdict unless declared: it doubles the windows' time"
    with pytest.raises(ValidationError, match=r"benchmark.energy_pairs = 3.* at least 6, or to 0"):
        BenchmarkSpec(energy_pairs=3)
    assert BenchmarkSpec(energy_pairs=6).energy_pairs == 6


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1e-6])
def test_alpha_is_bounded(alpha):
    with pytest.raises(ValidationError, match="alpha"):
        BenchmarkSpec(alpha=alpha)
