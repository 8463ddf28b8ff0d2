"""How the report writes a number, a file size and a short text: the template's filters, shared with the console."""

from __future__ import annotations

import math
from typing import Any

from lca.study import sentences


def sig(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def size(n_bytes: float) -> str:
    """Decimal units, as file managers show them."""
    if n_bytes < 1000:
        return f"{n_bytes:.0f} B"
    for unit in ("kB", "MB"):
        n_bytes /= 1000
        if n_bytes < 1000:
            return f"{n_bytes:.1f} {unit}"
    return f"{n_bytes / 1000:.1f} GB"


def first_sentence(text: str) -> str:
    """The first sentence, whole (numbers such as 0.104 and abbreviations such as "e.g." do not end it)."""
    return sentences.first_sentence(text)


def grouped(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Rows grouped by ``key`` in first-seen order (Jinja's own groupby sorts the groups)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return list(groups.items())
