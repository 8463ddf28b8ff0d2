"""A grid profile is read like the study file: bounded, regular files only, content never echoed."""

from __future__ import annotations

import pytest

from lca.errors import StudyError
from lca.study.grid_profile import read_profile
from lca.study.grid_profiles.bounded_text import read_lines, shown


def _hourly(n: int) -> str:
    return "timestamp,g_co2e_per_kwh\n" + "".join(
        f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00,{40 + h}\n" for h in range(n)
    )


def test_a_utf8_byte_order_mark_is_accepted_and_skipped(tmp_path):
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    plain.write_text(_hourly(48))
    marked.write_bytes(b"\xef\xbb\xbf" + _hourly(48).encode())
    assert read_profile(str(marked)).climate == read_profile(str(plain)).climate


def test_lines_are_streamed_with_their_numbers_and_without_line_breaks(tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(b"a,b\r\n1,2\r\n")
    assert list(read_lines(f)) == [(1, "a,b"), (2, "1,2")]


def test_a_file_above_the_byte_limit_is_refused_before_it_is_read(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("x\n" * 100)
    with pytest.raises(StudyError, match="200 bytes, more than the limit of 150 "):
        list(read_lines(f, max_bytes=150))  # 200 bytes: refused from st_size
    f.write_text("x\n" * 50)
    assert len(list(read_lines(f, max_bytes=150))) == 50


@pytest.mark.parametrize(
    "cell, echoed",
    [
        ("lots", True),
        ("1e400", True),
        ("-5", True),
        ("2025-01-01T00:00:00+00:00", True),
        ("01.01.2025 00:00 - 01.01.2025 01:00", False),  # longer than 32 characters
        ("root:x:0:0:root:/root:/bin/bash", False),
        ("password=hunter2", False),
        ("x" * 40, False),
    ],
)
def test_only_short_number_or_time_like_values_are_quoted_in_an_error(cell, echoed):
    assert (repr(cell) in shown(cell)) is echoed
    if not echoed:
        assert shown(cell) == f"a value of {len(cell)} characters (not shown)"
