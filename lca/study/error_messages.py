"""How a bad study is reported: the file, then per problem the field as the user wrote it and the value.

pydantic's own ValidationError names fields by its internal location (with the
members of unions it tried) and prints whole values; a user needs the dotted path
of their YAML and a value they can recognise in one line.
"""

from __future__ import annotations

import re
import reprlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# A value is quoted in an error message, never dumped: a 1 MiB string or a list of lists
# stays one line.
_SHOWN_CHARS = 120


def shown(value: Any) -> str:
    """A short repr of a value for an error message."""
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"[... {len(value):,} items]"
    text = repr(value) if not isinstance(value, (list, tuple)) else reprlib.repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 5] + "...'" + f" ({len(text):,} chars)"


# pydantic names the member of a union it tried in the error's location ("str",
# "function-after[..., Parameter]"): not a field the user wrote.
_UNION_MEMBER = re.compile(r"^(function-(after|before|wrap|plain)\[.*\]|str|int|float|bool|Parameter)$")


def _user_loc(loc: tuple, data: Any) -> str:
    """The field as the user wrote it: pydantic's location without union members' labels.

    pydantic puts the member of a union it tried into the location: the discriminator's
    value ("model.custom.factory", "compression.0.distillation.epochs") or a type label
    ("reference.time_per_item.str"). Walking the location along the input data drops
    what is not a key or an index the user wrote.
    """
    parts: list[str] = []
    node = data
    for segment in loc:
        is_key = isinstance(node, dict) and segment in node
        if is_key or (isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node)):
            node = node[segment]
        elif isinstance(node, dict) and segment in (node.get("architecture"), node.get("method")):
            continue  # the discriminator's value (ModelSpec, CompressionSpec): not a key the user wrote
        elif _UNION_MEMBER.match(str(segment)):
            continue  # a type label
        else:
            node = None
        parts.append(str(segment))
    return ".".join(parts)


def _readable_errors(exc: ValidationError, data: Any) -> list[tuple[str, Any, str]]:
    """(field, value, message) per problem, without union members' labels or their irrelevant branches.

    A figure is a parameter id (text) or an inline parameter (a mapping): for a mapping,
    "should be a valid string" from the other branch only adds noise.
    """
    out = []
    errors = exc.errors()
    for err in errors:
        union_branch = any(_UNION_MEMBER.match(str(p)) for p in err["loc"])
        if union_branch and err["type"] == "string_type" and isinstance(err.get("input"), dict):
            continue
        out.append((_user_loc(err["loc"], data), err.get("input"), err["msg"]))
    return out or [(".".join(str(p) for p in e["loc"]), e.get("input"), e["msg"]) for e in errors]


def describe_invalid(path: Path, exc: ValidationError, data: Any = None) -> str:
    """The message of a study that fails its schema: one line per problem, naming the field and the value."""
    problems = _readable_errors(exc, data)
    lines = [f"{path}: invalid study ({len(problems)} problem(s))"]
    for loc, value, message in problems:
        lines.append(f"  field '{loc}': value {shown(value)}: {message}")
    return "\n".join(lines)
