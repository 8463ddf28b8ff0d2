"""Energy windows must span enough readings and enough seconds.

A study below either floor is refused with the reason.
"""

from __future__ import annotations

import subprocess

import pytest

from lca.errors import StudyError
from lca.study.energy_windows import MIN_INTERVALS_PER_WINDOW, MIN_WINDOW_SECONDS
from lca.study.loading import load_study
from tests.conftest import DIGITS, REPO
from tests.study_files import edited_copy

CLI = REPO / ".venv" / "bin" / "lca-ml"


def test_the_issues_two_second_idle_window_at_one_second_sampling_is_refused_by_the_real_cli_with_the_reason(tmp_path):
    path = edited_copy(DIGITS, tmp_path, benchmark__idle_window_seconds=2, benchmark__sampling_interval_seconds=1.0)
    result = subprocess.run([str(CLI), "validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 1
    message = result.stderr
    assert str(path) in message and "benchmark" in message and "idle_window_seconds = 2 s" in message
    assert f"minimum {MIN_INTERVALS_PER_WINDOW:g} s" in message and "sampling interval" in message
    assert "readings" in message  # the reason, not only the rule


def test_a_short_window_is_fine_with_a_proportionally_short_sampling_interval(tmp_path):
    path = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__energy_window_seconds=1.0,
        benchmark__idle_window_seconds=0.5,
        benchmark__sampling_interval_seconds=0.1,
        benchmark__energy_windows=1,
    )
    assert load_study(path).benchmark.sampling_interval_seconds == 0.1


def test_the_minimum_is_a_multiple_of_the_sampling_interval(tmp_path):
    interval = 2.0
    ok = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__sampling_interval_seconds=interval,
        benchmark__energy_windows=1,
        benchmark__energy_window_seconds=MIN_INTERVALS_PER_WINDOW * interval,
        benchmark__idle_window_seconds=MIN_INTERVALS_PER_WINDOW * interval,
    )
    load_study(ok)
    short = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__sampling_interval_seconds=interval,
        benchmark__energy_windows=1,
        benchmark__energy_window_seconds=MIN_INTERVALS_PER_WINDOW * interval - 0.5,
        benchmark__idle_window_seconds=MIN_INTERVALS_PER_WINDOW * interval,
    )
    with pytest.raises(StudyError, match="energy_window_seconds = 9.5 s is below the minimum 10 s"):
        load_study(short)


def test_each_of_several_energy_windows_must_span_the_minimum_on_its_own(tmp_path):
    interval, windows = 0.5, 4
    whole = MIN_INTERVALS_PER_WINDOW * interval * windows
    load_study(
        edited_copy(
            DIGITS,
            tmp_path,
            benchmark__sampling_interval_seconds=interval,
            benchmark__energy_windows=windows,
            benchmark__energy_window_seconds=whole,
        )
    )
    split_too_thin = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__sampling_interval_seconds=interval,
        benchmark__energy_windows=windows,
        benchmark__energy_window_seconds=whole - 1,
    )
    with pytest.raises(StudyError, match=r"each of the benchmark.energy_windows = 4 windows .* is below the minimum"):
        load_study(split_too_thin)


def test_a_window_below_the_floor_in_seconds_is_refused_however_fine_the_sampling(tmp_path):
    """The issue's 0.25 s windows at 0.05 s sampling passed the sample floor alone."""
    short = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__sampling_interval_seconds=0.05,
        benchmark__energy_windows=1,
        benchmark__energy_window_seconds=0.25,
        benchmark__idle_window_seconds=MIN_WINDOW_SECONDS,
    )
    with pytest.raises(StudyError, match=r"energy_window_seconds = 0.25 s is below the minimum 0.5 s .*clock ticks"):
        load_study(short)


def test_precision_and_time_cap_are_bounded_study_fields_with_defaults(tmp_path):
    spec = load_study(DIGITS).benchmark
    assert spec.energy_precision == 0.2 and spec.energy_time_cap() == 3 * spec.energy_window_seconds
    with pytest.raises(StudyError, match="energy_precision"):
        load_study(edited_copy(DIGITS, tmp_path, benchmark__energy_precision=0.0))
    with pytest.raises(StudyError, match="energy_time_cap_seconds .* would cut the declared window short"):
        load_study(edited_copy(DIGITS, tmp_path, benchmark__energy_time_cap_seconds=0.5))
