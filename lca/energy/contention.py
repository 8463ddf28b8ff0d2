"""The contention term: how far foreign load may have changed a task's own CPU time, as an interval.

Methods that charge the task's own CPU seconds (the cited power model, RAPL's marginal,
difference and share rules) keep a neighbour's energy out of the task's figure, but not
the neighbour's effect on the task's CPU time. On this project's 2-vCPU VM, beside a busy
loop, the same work took 15-45 % more CPU seconds per item on a loaded machine (shared
cache, memory bandwidth, the host's SMT sibling) and up to 27 % fewer on an idle one, and
without performance counters nothing on the host separates those seconds from the task's
own need. So the figure is kept, and its interval is widened *on both sides* by the cited
bound of ``include/data/cpu_contention.yaml``: with ``f = 1 + change x foreign share``, the
lower end divided by f and the upper end multiplied by it. The point estimate stays the
measured figure. (Version 1 of the data file widened only the lower end, on the assumption
that contention only adds CPU time; an idle-machine measurement refuted it.)

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


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    value: StrictFloat = Field(gt=0.0, le=10.0, description="relative change of CPU time, either way, at share 1")
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
            raise ValueError(f"unit {unit!r}: a relative change is 'dimensionless'")
        return unit


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    version: StrictInt = Field(ge=1)
    change: _Change
    applies_to: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class ContentionTerm:
    """The cited bound, and the methods it applies to."""

    change: float
    applies_to: frozenset[str]
    source: str
    version: int
    path: str

    def factor(self, method: str, foreign_cores: float | None, logical_cpus: int) -> float:
        """f: the window's interval runs from its lower end / f to its upper end x f; 1 for a quiet window
        or another method. Stored in the records' ``contention_divisor`` (its name from version 1)."""
        if method not in self.applies_to or not foreign_cores or foreign_cores <= 0:
            return 1.0
        return 1.0 + self.change * foreign_share(foreign_cores, logical_cpus)

    @property
    def cited(self) -> str:
        return f"{Path(self.path).name} v{self.version}: up to x{1 + self.change:g} either way at foreign share 1"


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
        change=table.change.value,
        applies_to=frozenset(table.applies_to),
        source=table.change.source,
        version=table.version,
        path=str(path),
    )


def widened(interval: tuple[float, float], factor: float) -> tuple[float, float]:
    """An interval widened on both sides by the contention factor (1: unchanged)."""
    return interval[0] / factor, interval[1] * factor


def spread(amount: float, factor: float, what: str) -> Uncertainty:
    """The LCA's distribution of a contended amount: triangular from amount / f to amount x f, most likely the amount.

    ``NO_UNCERTAINTY`` when the window was quiet (f = 1). Triangular with its mode at the measured
    amount: the change in one window lies anywhere from none to the cited bound, either way
    (``cpu_contention.yaml``), and the two measurements behind it found most variants near no change.
    """
    if factor <= 1.0 or amount <= 0:
        return NO_UNCERTAINTY
    return Uncertainty(
        distribution="triangular",
        minimum=amount / factor,
        maximum=amount * factor,
        basis=f"contention term of {what}: foreign load may have changed its CPU time by up to x{factor:.3g}, "
        f"either way ({CONTENTION_FILE}); the measured figure is the most likely value",
    )
