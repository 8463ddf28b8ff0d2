"""The report's chart text sizes, chosen for the screen the chart is read on.

A chart is drawn at ``dpi`` 110 and shown scaled to its column: two charts side by side at
1280 px get about 520 px each, so a 6.5-inch chart (715 px) is shown at about 0.73 of its
size. Text of 10 pt is 15 px in the PNG and about 11 px on that screen; 7 or 8 pt, as the
charts had, came out at 6 px. Titles longer than a chart is wide are wrapped, not cut.
"""

from __future__ import annotations

import textwrap

TITLE = 11  # points
TEXT = 10  # labels, annotations, ticks and legends: never smaller
WIDTH_IN = 6.5  # a chart shown two by two
WRAP = 62  # characters per title line at TITLE points on WIDTH_IN inches


def title(text: str, width: int = WRAP) -> str:
    """A title wrapped onto as many lines as it needs (constrained layout makes room for them)."""
    return "\n".join(textwrap.wrap(text, width)) or text
