"""Read a user's text table within fixed bounds, line by line, and never echo what it holds.

A grid profile is named by a study file, and the study file by anyone who may trigger
a DAG. The file may be a symlink to ``/etc/passwd``, a FIFO, ``/dev/zero``, a 2 GiB dump
or a spreadsheet saved as UTF-16. So, like the study file itself (``lca.study.bounded_yaml``):

- only a regular file is read; it is opened non-blocking and checked with ``fstat`` on the
  open descriptor (a directory, FIFO, device or socket is named as such, and a symlink is
  followed, as for a data file, but its target gets the same checks and is named);
- a file larger than the byte limit is refused from its size before anything is read, and
  the bytes actually read are counted too (``st_size`` can lie); lines and rows are bounded;
- the text must be UTF-8. A UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one) is
  accepted and skipped; a UTF-16 or UTF-32 mark is refused by name;
- an error names the file, the line and the column, never the file's content: a value is
  shown only when it is short and made of the characters of a number or a time (:func:`shown`).

Standard library only: this runs when Airflow parses the DAG folder.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from lca.errors import StudyError
from lca.limits import GRID_PROFILE_MAX_BYTES, GRID_PROFILE_MAX_LINE_BYTES, GRID_PROFILE_MAX_ROWS
from lca.study.bounded_yaml import _kind

_CHUNK = 1 << 16
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)
# What a number or a time in a grid file may look like; anything else is not echoed.
_SHOWABLE = re.compile(r"[0-9A-Za-z.+\-:/ ]{0,32}")


def shown(value: str) -> str:
    """A cell as an error may quote it: short, number- or time-like text, else only its length."""
    value = value.strip()
    if _SHOWABLE.fullmatch(value) and not re.search(r"[:/]\D|\D[:/]", value.replace(" ", "")):
        return repr(value)
    return f"a value of {len(value)} characters (not shown)"


def describe(path: Path) -> str:
    """The path, and where it leads when it is a symlink (the target's name, never its content)."""
    if path.is_symlink():
        return f"{path} (a symlink to {path.resolve()})"
    return str(path)


def open_regular(path: Path, what: str, max_bytes: int) -> int:
    """A descriptor of a regular file of at most ``max_bytes``; StudyError naming the file otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise StudyError(f"{describe(path)}: no such {what}") from None
    except OSError as exc:
        raise StudyError(f"{describe(path)}: cannot read {what}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StudyError(f"{describe(path)}: a {what} must be a regular file, this is {_kind(info.st_mode)}")
        if info.st_size > max_bytes:
            raise StudyError(
                f"{describe(path)}: {what} is {info.st_size:,} bytes, more than the limit of {max_bytes:,} "
                "(a year of 5-minute rows fits well within it): cut it to one year"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_lines(
    path: Path,
    what: str = "grid profile",
    max_bytes: int = GRID_PROFILE_MAX_BYTES,
    max_lines: int = GRID_PROFILE_MAX_ROWS + 64,
    max_line_bytes: int = GRID_PROFILE_MAX_LINE_BYTES,
) -> Iterator[tuple[int, str]]:
    """(line number, text without its line break) of a bounded UTF-8 text file, streamed.

    ``max_lines`` counts every line, comments and blank ones too (a few dozen above the
    row limit: export headers); the caller bounds the data rows.
    """
    fd = open_regular(path, what, max_bytes)
    with open(fd, "rb", buffering=_CHUNK, closefd=True) as raw:
        total = 0
        for lineno in range(1, max_lines + 2):
            line = raw.readline(max_line_bytes + 1)
            if not line:
                return
            total += len(line)
            if total > max_bytes:
                raise StudyError(f"{path}: {what} is more than the limit of {max_bytes:,} bytes")
            if lineno > max_lines:
                raise StudyError(
                    f"{path}: {what} has more than {max_lines:,} lines; the limit is {GRID_PROFILE_MAX_ROWS:,} "
                    "rows (a leap year of 5-minute rows is 105,408): cut it to one year"
                )
            if len(line) > max_line_bytes and not line.endswith(b"\n"):
                raise StudyError(
                    f"{path}:{lineno}: line longer than {max_line_bytes:,} bytes; a grid profile is a table "
                    "of short rows (is this the right file?)"
                )
            if lineno == 1:
                for bom, name in _OTHER_BOMS:
                    if line.startswith(bom):
                        raise StudyError(
                            f"{path}: {what} starts with a {name} byte-order mark: it is {name.split()[0]} text; "
                            "save it as UTF-8 (a UTF-8 byte-order mark is fine)"
                        )
                line = line.removeprefix(codecs.BOM_UTF8)
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise StudyError(
                    f"{path}:{lineno}: {what} is not UTF-8 text (byte {exc.start + 1} of the line); "
                    "save it as UTF-8 (a binary file cannot be a grid profile)"
                ) from None
            if "\x00" in text:
                raise StudyError(f"{path}:{lineno}: {what} contains a NUL character: a binary file, not a table")
            yield lineno, text.rstrip("\r\n")
