"""The contention term: how far foreign load may have inflated a task's own CPU time, as an interval.

Methods that charge the task's own CPU seconds (the cited power model, RAPL's marginal,
difference and share rules) keep a neighbour's energy out of the task's figure, but not
the neighbour's effect on the task's CPU time: beside a busy loop the same work took
15-45 % more CPU seconds per item on this project's 2-vCPU VM (shared cache, memory
bandwidth, clock, the host's SMT sibling), and without performance counters nothing on
the host separates those seconds from the task's own need. So the figure is kept, and
its interval is widened *downward* by the cited bound of ``include/data/cpu_contention.yaml``:
the lower end divided by ``1 + slowdown x foreign share``. One-sided, because contention
only ever adds CPU time; the point estimate stays the measured figure (conservative).

A window whose foreign load is above :data:`lca.energy.task_energy.FOREIGN_LIMIT_CORES`
is *contended*: measured again a bounded number of times (:mod:`lca.ml.repeated_windows`),
then kept with the flag, which results.csv, the benchmark tables and the report carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, field_validator

from lca.energy.task_energy import FOREIGN_LIMIT_CORES
from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

CONTENTION_FILE = "cpu_contention.yaml"


class _Slowdown(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    value: StrictFloat = Field(gt=0.0, le=10.0, description="relative rise of CPU time at foreign share 1")
    unit: str
    description: str = Field(min_length=3)
    source: str = Field(min_length=3)
    year: StrictInt
    geography: str
    uncertainty: Uncertainty

    @field_validator("unit")
    @classmethod
    def _dimensionless(cls, unit: str) -> str:
        if unit != "dimensionless":
            raise ValueError(f"unit {unit!r}: a relative slowdown is 'dimensionless'")
        return unit


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    version: StrictInt = Field(ge=1)
    slowdown: _Slowdown
    applies_to: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class ContentionTerm:
    """The cited bound, and the methods it applies to."""

    slowdown: float
    applies_to: frozenset[str]
    source: str
    version: int
    path: str

    def divisor(self, method: str, foreign_cores: float | None, logical_cpus: int) -> float:
        """What the lower end of the window's interval is divided by: 1 for a quiet window or another method."""
        if method not in self.applies_to or not foreign_cores or foreign_cores <= 0:
            return 1.0
        return 1.0 + self.slowdown * foreign_share(foreign_cores, logical_cpus)

    @property
    def cited(self) -> str:
        return f"{Path(self.path).name} v{self.version}: up to x{1 + self.slowdown:g} at foreign share 1"


def foreign_share(foreign_cores: float, logical_cpus: int) -> float:
    """Foreign cores over the cores the task is not on (logical CPUs - 1, at least 1), at most 1."""
    if foreign_cores <= 0:
        return 0.0
    return min(foreign_cores / max(logical_cpus - 1, 1), 1.0)


def contended(foreign_cores: float | None) -> bool:
    """Above the one limit on foreign load (the one that marks a window's background load high, lca.ml.energy,
    and a RAPL share-rule window contaminated)."""
    return foreign_cores is not None and foreign_cores > FOREIGN_LIMIT_CORES


@lru_cache(maxsize=4)
def load_term(path: Path | None = None) -> ContentionTerm:
    """The data file, checked: bad input names the file, the field and the value."""
    path = path or reference_data_dir() / CONTENTION_FILE
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the contention term: {exc}") from exc
    try:
        table = _Table.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ReferenceDataError(f"{path}: field '{field}': value {err.get('input')!r}: {err['msg']}") from None
    return ContentionTerm(
        slowdown=table.slowdown.value,
        applies_to=frozenset(table.applies_to),
        source=table.slowdown.source,
        version=table.version,
        path=str(path),
    )


def spread(amount: float, divisor: float, what: str) -> Uncertainty:
    """The LCA's distribution of a contended amount: uniform from amount / divisor up to the amount measured.

    ``NO_UNCERTAINTY`` when the window was quiet (divisor 1). Uniform, because the slowdown in one
    window lies anywhere from none to the cited bound (``cpu_contention.yaml``'s own spread).
    """
    if divisor <= 1.0 or amount <= 0:
        return NO_UNCERTAINTY
    return Uncertainty(
        distribution="uniform",
        minimum=amount / divisor,
        maximum=amount,
        basis=f"contention term of {what}: foreign load may have inflated its CPU time by up to x{divisor:.3g} "
        f"({CONTENTION_FILE}); the measured figure is the upper end",
    )
