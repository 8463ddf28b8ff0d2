"""The first sentence of a cited source, whole: what a report quotes when a source is too long to repeat.

Sources in ``include/data`` are several sentences long (the citation, then its context). Cutting
them at a fixed number of characters left words cut in half in the report ("Declared judgement
of this project: a small model served on a general-purpo"); the first sentence is the citation
itself and always reads as one. Abbreviations ("e.g.", "et al.", "Fig.", "No.") and decimals
(0.104) do not end a sentence.
"""

from __future__ import annotations

import re

# A full stop (or ? or !) that ends a sentence: followed by white space and an upper-case letter, a digit or a quote.
_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "cf.", "vs.", "fig.", "no.", "vol.", "pp.", "p.", "approx.", "ca.")


def _is_abbreviation(head: str) -> bool:
    """``head`` ends with an abbreviation or an initial ("J."), not with the end of a sentence."""
    words = head.split()
    last = words[-1] if words else ""
    if len(last) == 2 and last[0].isupper():  # an initial: "J. Smith"
        return True
    tail = " ".join(words[-2:]).lower()
    return any(tail == a or tail.endswith(" " + a) or last.lower() == a for a in _ABBREVIATIONS)


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, white space collapsed; the whole text when it is one sentence."""
    flat = " ".join(text.split())
    for match in _END.finditer(flat):
        head = flat[: match.start()]
        if not _is_abbreviation(head):
            return head
    return flat
