"""The outcome of a data-quality gate, saved next to the data so the report can cite it.

The gates themselves (Great Expectations suites) are in :mod:`lca.ml.quality_gates`;
the record is here so that the report reads it without importing the ML layer.
"""

from __future__ import annotations

from pydantic import Field

from lca.errors import DataQualityError
from lca.records.base import _Record


class GateResult(_Record):
    """Outcome of one gate: what was checked, and one line per failed expectation."""

    name: str
    success: bool
    failures: list[str]
    checked: int
    source: str = ""
    seconds: float = Field(default=0.0, description="validation time, GX import excluded")
    warnings: list[str] = Field(
        default_factory=list, description="passed, but a person should know (the report shows them)"
    )

    def summary(self) -> str:
        if self.success:
            return (
                f"Data quality gate '{self.name}' passed for {self.source}: "
                f"{self.checked} expectations met ({self.seconds:.2f} s)."
            )
        lines = [f"Data quality gate '{self.name}' failed for {self.source}:"]
        lines += [f"  - {line}" for line in self.failures]
        lines.append(f"  ({len(self.failures)} of {self.checked} expectations failed)")
        return "\n".join(lines)

    def raise_for_failure(self) -> GateResult:
        if not self.success:
            raise DataQualityError(self.summary())
        return self
