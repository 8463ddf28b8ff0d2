"""Office heating per country: the UK benchmark scaled by the country's heating degree days.

The office heating benchmark (CIBSE TM46, parameter ``office_fossil_heat_intensity``) is a
UK figure. ``include/data/office_heating_climate.yaml`` gives every country the product
offers either its own heating degree days from a cited dataset, divided by the UK's from
the same dataset, or an explicitly labelled proxy (another country's factor with a wider
spread and a proxy pedigree). The factor is returned as a :class:`Parameter`, so its source,
geography, uncertainty and pedigree enter the inventory like any other figure. A country
missing from the file is an error rather than a silent UK figure.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir
from lca.study.pedigree import Pedigree
from lca.study.reference_data import Parameter
from lca.uncertainty import Uncertainty

CLIMATE_FILE = "office_heating_climate.yaml"
PROXY = "proxy"


class _Dataset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: str = Field(min_length=3)
    year: StrictInt | None = None
    unit: str = ""
    benchmark_hdd: StrictFloat | StrictInt | None = Field(default=None, gt=0)
    benchmark_basis: str = ""
    uncertainty: Uncertainty
    pedigree: Pedigree


class _Country(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dataset: str | None = None
    hdd: StrictFloat | StrictInt | None = Field(default=None, ge=0)
    geography: str | None = None
    proxy_of: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _own_figure_or_proxy(self) -> _Country:
        own = self.dataset is not None and self.hdd is not None and self.geography is not None
        if own == (self.proxy_of is not None):
            raise ValueError("give either dataset, hdd and geography (its own figure) or proxy_of (a labelled proxy)")
        if self.proxy_of is not None and not self.note:
            raise ValueError("a proxy needs a note saying why this country stands for it")
        return self


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark_country: str
    datasets: dict[str, _Dataset]
    countries: dict[str, _Country]

    @model_validator(mode="after")
    def _references_resolve(self) -> _Table:
        if PROXY not in self.datasets:
            raise ValueError(f"datasets needs a {PROXY!r} entry (the spread and pedigree of proxies)")
        for iso3, c in self.countries.items():
            if c.dataset is not None and (c.dataset not in self.datasets or c.dataset == PROXY):
                raise ValueError(f"countries.{iso3}.dataset {c.dataset!r} is not a dataset with figures")
            if c.dataset is not None and self.datasets[c.dataset].benchmark_hdd is None:
                raise ValueError(f"dataset {c.dataset!r} (countries.{iso3}) has no benchmark_hdd")
            if c.proxy_of is not None:
                target = self.countries.get(c.proxy_of)
                if target is None or target.proxy_of is not None:
                    raise ValueError(f"countries.{iso3}.proxy_of {c.proxy_of!r} must be a country with its own figure")
        return self


@lru_cache(maxsize=4)
def _table(path: Path) -> _Table:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"{path}: cannot read office heating data: {exc}") from exc
    try:
        return _Table.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{path}: field '{'.'.join(str(p) for p in e['loc'])}' = {e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ReferenceDataError("\n".join(lines)) from exc


def climate_table(folder: Path | None = None) -> _Table:
    return _table(Path(folder or reference_data_dir()) / CLIMATE_FILE)


def heating_countries(folder: Path | None = None) -> list[str]:
    return sorted(climate_table(folder).countries)


def heating_climate(iso3: str, folder: Path | None = None) -> Parameter:
    """The factor on the UK heating benchmark for offices in ``iso3``, with its provenance."""
    table = climate_table(folder)
    entry = table.countries.get(iso3)
    if entry is None:
        raise ReferenceDataError(
            f"{reference_data_dir() / CLIMATE_FILE}: no office heating entry for country {iso3!r}; "
            "add its heating degree days or a labelled proxy_of"
        )
    own = table.countries[entry.proxy_of] if entry.proxy_of else entry
    data = table.datasets[own.dataset or ""]
    benchmark = float(data.benchmark_hdd or 0)
    factor = float(own.hdd or 0) / benchmark
    ratio = f"{own.hdd:g} / {benchmark:g} {data.unit} = {factor:.3g}".replace("  ", " ")
    described = (
        f"{iso3}: proxy, {entry.proxy_of}'s figure ({entry.note}): {ratio}"
        if entry.proxy_of
        else f"{iso3}: {ratio}" + (f" ({entry.note})" if entry.note else "")
    )
    spread = table.datasets[PROXY] if entry.proxy_of else data
    if iso3 == table.benchmark_country and not entry.proxy_of:  # the benchmark's own country: 1 by definition
        exact = Uncertainty(distribution="none", basis="the benchmark's own country: the factor is 1 by definition")
        return Parameter(
            value=1.0,
            unit="dimensionless",
            description=f"Office heating need relative to the UK benchmark's. {iso3}: the benchmark's own country.",
            source=data.source.strip(),
            geography=iso3,
            uncertainty=exact,
        )
    source = f"{data.source.strip()}; benchmark: {data.benchmark_basis.strip()}"
    if entry.proxy_of:
        source = f"{table.datasets[PROXY].source.strip()} Figure: {source}"
    return Parameter(
        value=factor,
        unit="dimensionless",
        description=f"Office heating need relative to the UK benchmark's. {described}",
        source=source,
        year=data.year,
        geography=own.geography,
        proxy_for=iso3 if entry.proxy_of else None,
        uncertainty=spread.uncertainty,
        pedigree=spread.pedigree,
    )
