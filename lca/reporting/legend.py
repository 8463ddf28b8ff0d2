"""Numbered notes for table cells that would otherwise repeat the same long text on every row.

An analyst reads a method's explanation once: the table shows ``[1]`` and the
note under it says what ``[1]`` is. :class:`Notes` hands out the numbers in the
order the template asks for them, so the legend lists them in reading order.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass
class Notes:
    """One legend: ``ref(key, text)`` returns the number of that note, adding it the first time."""

    prefix: str = ""
    _numbers: dict[Hashable, int] = field(default_factory=dict)
    _texts: list[str] = field(default_factory=list)

    def ref(self, key: Hashable, text: str | None = None) -> str:
        """The label of the note for ``key`` (``text`` defaults to the key itself)."""
        if key not in self._numbers:
            self._texts.append(str(key if text is None else text))
            self._numbers[key] = len(self._texts)
        return f"{self.prefix}{self._numbers[key]}"

    @property
    def items(self) -> list[tuple[str, str]]:
        """(label, text) for the legend, in the order the numbers were given out."""
        return [(f"{self.prefix}{i}", text) for i, text in enumerate(self._texts, start=1)]

    def __len__(self) -> int:
        return len(self._texts)


def energy_method_note(record) -> tuple[tuple, str]:
    """The key and explanation of how an energy record was obtained (method, hardware, spread).

    Shared by every window measured the same way: a window's own figures (its CPU seconds, its
    resident memory, the joules they give: ``method_detail``; its thread count) are in its row of the per-stage table
    and of energy_windows.csv, not in the note. With them in it, each of a digits run's 24 windows
    had a note of its own, two printed pages of the same paragraph (issue 23).
    """
    from lca.assessment.comparison import describe_uncertainty

    hardware = record.cpu_model + (f", {record.gpu_model}" if record.gpu_model else "")  # threads: in the row
    text = (
        f"{record.method}: tracking mode {record.tracking_mode}; CodeCarbon {record.codecarbon_version}; on "
        f"{hardware}. Uncertainty: {describe_uncertainty(record.uncertainty)} ({record.uncertainty.basis})."
    )
    key = (
        record.method,
        record.tracking_mode,
        record.codecarbon_version,
        hardware,
        describe_uncertainty(record.uncertainty),
        record.uncertainty.basis,
    )
    return key, text
