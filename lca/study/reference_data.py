"""Cited reference figures under ``include/data/``.

Every number the LCA uses that is not measured in the run (an emission
factor, a power draw, a human time) is a :class:`Parameter` here, with its
unit, its source and its uncertainty. Studies refer to parameters by id, or
declare their own inline with the same fields, so no figure enters an
inventory without a citation.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pint
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from lca.errors import ReferenceDataError
from lca.limits import MAX_ABS_FIGURE, MAX_YEAR, MIN_YEAR
from lca.settings import reference_data_dir
from lca.study.geography import GLOBAL, REGIONS, covers, is_known
from lca.study.pedigree import Pedigree, combined
from lca.uncertainty import Uncertainty

HARDWARE_FILE = "hardware.yaml"

UNITS: pint.UnitRegistry = pint.UnitRegistry()
UNITS.define("item = [item]")
UNITS.define("person = [person]")


class Parameter(BaseModel):
    """A figure with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    value: StrictFloat = Field(ge=-MAX_ABS_FIGURE, le=MAX_ABS_FIGURE)
    unit: str = Field(max_length=64, description="a unit pint reads, e.g. 's', 'W', 'kWh / m**2 / year'")
    description: str = ""
    source: str = Field(min_length=3, description="publication, dataset and version")
    year: StrictInt | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    geography: str | None = Field(
        default=None,
        max_length=64,
        description="where the figure was measured: an ISO 3166 alpha-3 code, a region ('EU', 'OECD') or 'global'",
    )
    proxy_for: str | None = Field(
        default=None,
        max_length=64,
        description="set when the figure stands in for another geography than its own (a labelled proxy)",
    )
    uncertainty: Uncertainty
    pedigree: Pedigree | None = Field(
        default=None, description="data quality scores (lca.study.pedigree); widen a lognormal spread"
    )

    @field_validator("unit")
    @classmethod
    def _pint_reads_it(cls, unit: str) -> str:
        """Parsed here, so a typo is named where it is declared, not an AssertionError deep in pint later."""
        try:
            UNITS.parse_units(unit)
        except Exception as exc:  # noqa: BLE001 - pint raises AssertionError, TokenError, TypeError... on bad input
            detail = f" ({exc})" if str(exc) else ""
            raise ValueError(
                f"pint cannot read the unit {unit!r}{detail}; write it as pint does, e.g. 's', 'W', 'kWh / m**2 / year'"
            ) from None
        return unit

    @field_validator("geography")
    @classmethod
    def _known_geography(cls, geography: str | None) -> str | None:
        if geography is not None and not is_known(geography):
            known = ", ".join([GLOBAL, *REGIONS])
            raise ValueError(f"geography {geography!r} is neither an ISO 3166 alpha-3 code nor one of: {known}")
        return geography

    @model_validator(mode="after")
    def _value_within_its_bounds(self) -> Parameter:
        spread = self.uncertainty
        low, high = spread.minimum, spread.maximum
        if low is not None and high is not None and not low <= self.value <= high:
            raise ValueError(f"value {self.value:g} lies outside its own uncertainty bounds [{low:g}, {high:g}]")
        return self

    def for_country(self, iso3: str) -> Parameter:
        """This figure as used in ``iso3``: itself, or a labelled proxy with the pedigree's score for elsewhere."""
        if self.proxy_for is not None or covers(self.geography, iso3):
            return self
        pedigree = self.pedigree.as_proxy() if self.pedigree is not None else None
        return self.model_copy(
            update={
                "proxy_for": iso3,
                "pedigree": pedigree,
                "description": f"Proxy: a {self.geography} figure used for {iso3}. {self.description}".strip(),
            }
        )

    def magnitude(self, unit: str) -> float:
        """The value converted to ``unit`` (pint checks the dimensions)."""
        try:
            return float(UNITS.Quantity(self.value, self.unit).to(unit).magnitude)
        except pint.errors.PintError as exc:
            raise ReferenceDataError(f"cannot express {self.value} {self.unit} in {unit}: {exc}") from exc

    @property
    def total_uncertainty(self) -> Uncertainty:
        """The declared (basic) spread plus the pedigree's additional one."""
        return combined(self.uncertainty, self.pedigree)

    def uncertainty_in(self, unit: str) -> Uncertainty:
        """Total uncertainty, bounds converted alongside :meth:`magnitude`."""
        factor = self.magnitude(unit) / self.value if self.value else 1.0
        total = self.total_uncertainty
        return total.scaled(factor) if factor > 0 else total


def _format_validation_error(path: Path, prefix: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        lines.append(f"{path}: field '{field}' = {err.get('input')!r}: {err['msg']}")
    return "\n".join(lines)


@lru_cache(maxsize=8)
def _load_parameters(path: Path) -> dict[str, Parameter]:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read reference parameters: {exc}") from exc
    entries = (raw or {}).get("parameters")
    if not isinstance(entries, dict):
        raise ReferenceDataError(f"{path}: expected a mapping under 'parameters'")
    out = {}
    for pid, body in entries.items():
        try:
            out[pid] = Parameter.model_validate(body)
        except ValidationError as exc:
            raise ReferenceDataError(_format_validation_error(path, f"parameters.{pid}", exc)) from exc
    return out


def parameters(folder: Path | None = None) -> dict[str, Parameter]:
    """All parameters of ``include/data/parameters*.yaml``, by id (one file per topic)."""
    folder = Path(folder or reference_data_dir())
    merged: dict[str, Parameter] = {}
    origin: dict[str, Path] = {}
    for path in sorted(folder.glob("parameters*.yaml")):
        for pid, value in _load_parameters(path).items():
            if pid in merged:
                raise ReferenceDataError(f"{path}: parameter id {pid!r} is already defined in {origin[pid]}")
            merged[pid], origin[pid] = value, path
    return merged


def parameter(pid: str) -> Parameter:
    table = parameters()
    if pid not in table:
        known = ", ".join(sorted(table))
        raise ReferenceDataError(f"unknown reference parameter {pid!r}; known: {known}")
    return table[pid]


# A figure of a study is either the id of a cited parameter in include/data/parameters*.yaml
# or an inline parameter carrying its own source and uncertainty.
ParameterRef = str | Parameter


def resolve(ref: ParameterRef, country: str | None = None) -> Parameter:
    """The figure a study refers to; given the study's country, as used there (a proxy when it is not its own)."""
    figure = ref if isinstance(ref, Parameter) else parameter(ref)
    return figure if country is None else figure.for_country(country)


class GridFactor(BaseModel):
    """Life-cycle greenhouse-gas intensity of a country's electricity."""

    model_config = ConfigDict(frozen=True)

    iso3: str
    country: str
    kg_co2e_per_kwh: float = Field(gt=0)
    year: int
    source: str
    uncertainty: Uncertainty


class GridTable(BaseModel):
    source: str
    version: str
    uncertainty: Uncertainty
    factors: dict[str, GridFactor]

    def factor(self, iso3: str) -> GridFactor:
        if iso3 not in self.factors:
            raise ReferenceDataError(f"no grid electricity factor for country {iso3!r} in {self.source}")
        return self.factors[iso3]


@lru_cache(maxsize=4)
def _load_grid(csv_path: Path) -> GridTable:
    meta_path = csv_path.with_suffix(".source.yaml")
    try:
        meta = yaml.safe_load(meta_path.read_text())
        uncertainty = Uncertainty.model_validate(meta["uncertainty"])
        source = f"{meta['source']} ({meta['version']})"
    except (OSError, KeyError, TypeError, yaml.YAMLError, ValidationError) as exc:
        raise ReferenceDataError(f"{meta_path}: source, version and uncertainty are required: {exc}") from exc
    factors = {}
    with csv_path.open(newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            try:
                factors[row["iso3"]] = GridFactor(
                    iso3=row["iso3"],
                    country=row["country"],
                    kg_co2e_per_kwh=float(row["g_co2e_per_kwh"]) / 1000.0,
                    year=int(row["year"]),
                    source=source,
                    uncertainty=uncertainty,
                )
            except (KeyError, ValueError, ValidationError) as exc:
                raise ReferenceDataError(f"{csv_path}:{lineno}: bad row {row}: {exc}") from exc
    return GridTable(source=meta["source"], version=str(meta["version"]), uncertainty=uncertainty, factors=factors)


def grid_table(path: Path | None = None) -> GridTable:
    """Grid electricity factors from ``include/data/grid_electricity.csv`` and its source file."""
    return _load_grid(Path(path or reference_data_dir() / "grid_electricity.csv"))


@lru_cache(maxsize=4)
def _hardware_data(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read hardware data: {exc}") from exc
    if not isinstance(raw, dict):
        raise ReferenceDataError(f"{path}: hardware data must be a mapping")
    return raw


def hardware_data(path: Path | None = None) -> dict:
    """The raw hardware file: Boavizta's transcribed inputs, turned into devices by :mod:`lca.assessment.hardware`."""
    return _hardware_data(Path(path or reference_data_dir() / HARDWARE_FILE))


def check_device_id(device_id: str, known: list[str] | None = None) -> None:
    """A study may only name devices the hardware file describes."""
    known = sorted(known if known is not None else (hardware_data().get("devices") or {}))
    if device_id not in known:
        raise ReferenceDataError(f"no device {device_id!r} in include/data/{HARDWARE_FILE}; known: {known}")
