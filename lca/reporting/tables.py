"""How the report names an impact method and writes a table as CSV: one way for every section.

Each section writes the rows it shows as a CSV beside ``report.html``, so a reader can
take the numbers into a spreadsheet; an impact method (a Brightway tuple) becomes one
cell, its parts joined by `` | ``, the same text the HTML shows.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def method_label(method: Sequence[str]) -> str:
    return " | ".join(method)


def labelled(record: Any) -> dict[str, Any]:
    """A result record as a table row, its method as :func:`method_label` writes it."""
    return {**record.model_dump(), "method": method_label(record.method)}


def write_csv(path: Path, rows: list[dict[str, Any]], fields: Sequence[str] | None = None) -> str:
    """Write ``rows`` (only ``fields``, in that order, when given) and return the file's name, as the HTML links it.

    A missing value is an empty cell; a tuple (an impact method) is one cell, as :func:`method_label` writes it.
    """
    if fields is None:
        fields = list(rows[0]) if rows else ["empty"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row[k]) for k in fields})
    return path.name


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return method_label(value) if isinstance(value, tuple) else value
