"""The export formats a grid profile may come in: detected from the header, each row read into a sample.

Column names as the publishers spell them (checked against their documentation pages):

- ``native``: this project's own CSV, ``timestamp,g_co2e_per_kwh[,minerals_kg_sb_eq_per_kwh,...]``.
- ``electricity_maps``: the Electricity Maps data-portal CSV: ``Datetime (UTC)``,
  ``Carbon Intensity gCO₂eq/kWh (direct)`` and ``Carbon Intensity gCO₂eq/kWh (life cycle
  assessment)`` (older files: ``(LCA)``), hourly. The life-cycle column is used (the
  project's grid factors are life-cycle figures); the direct one is checked, not used.
- ``rte_eco2mix``: RTE eCO2mix / ODRE ``;``- or tab-separated tables with ``Taux de CO2
  (g/kWh)`` (ODRE spells it ``Taux de Co2``), 15- or 30-minute rows, in Paris time: ``Date`` and
  ``Heure`` (local, DST included) or ``Date - Heure`` (ISO 8601 with its offset). Rows are
  weighted by ``Consommation (MW)`` when it is there.
- ``entsoe_generation``: ENTSO-E Transparency "Actual Generation per Production Type": ``MTU``
  (``dd.mm.yyyy HH:MM - dd.mm.yyyy HH:MM``, CET/CEST unless the header says ``(UTC)``) and
  ``<type> - Actual Aggregated [MW]`` columns, turned into intensity with the cited factors of
  include/data/production_type_intensity.yaml and weighted by total generation.
- ``watttime``: WattTime historical MOER CSV (``point_time``, ``value``; v2: ``timestamp``,
  ``MOER``), in lbs CO2 per MWh at 5 minutes; 1 lb/MWh = 0.45359237 g/kWh.

Standard library only (the study layer is imported when Airflow parses DAGs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from lca.errors import StudyError
from lca.limits import GRID_MAX_G_CO2E_PER_KWH, GRID_MAX_MW, GRID_MAX_PER_KWH
from lca.study.grid_profiles.bounded_text import shown

CLIMATE_COLUMN = "g_co2e_per_kwh"
CATEGORY_COLUMNS = {
    "minerals": "minerals_kg_sb_eq_per_kwh",
    "fossils": "fossils_mj_per_kwh",
    "water": "water_m3_per_kwh",
}
LBS_PER_MWH_TO_G_PER_KWH = 0.45359237
PARIS = ZoneInfo("Europe/Paris")
BRUSSELS = ZoneInfo("Europe/Brussels")  # CET/CEST, as ENTSO-E labels it
_EM_LCA = ("Carbon Intensity gCO₂eq/kWh (life cycle assessment)", "Carbon Intensity gCO₂eq/kWh (LCA)")
_EM_DIRECT = "Carbon Intensity gCO₂eq/kWh (direct)"
_RTE_CO2 = ("Taux de CO2 (g/kWh)", "Taux de Co2 (g/kWh)", "Taux de CO2", "Taux de Co2")
_ENTSOE_GEN = re.compile(r"^(?P<type>.+?)\s+-\s+Actual Aggregated \[MW\]$")
_MISSING = {"", "-", "n/e", "N/A", "n/a", "NA", "ND", "null"}


@dataclass(frozen=True)
class Sample:
    """One row: its interval in UTC, the figures (climate in g CO2e/kWh) and its energy weight if known."""

    start: datetime
    minutes: int | None  # None: until the next row (or an hour for the last)
    climate: float | None  # None: missing in the file (a gap)
    others: dict[str, float] = field(default_factory=dict)
    weight: float | None = None  # MW generated or consumed over the interval


def check_value(value: float, category: str) -> str | None:
    """Why a figure of ``category`` (climate in g CO2e/kWh) is refused, or None."""
    if not math.isfinite(value):
        return "is not a finite number"
    if value < 0:
        return "is negative"
    bound = GRID_MAX_G_CO2E_PER_KWH if category == "climate" else GRID_MAX_PER_KWH[category]
    if value > bound:
        unit = "g CO2e/kWh" if category == "climate" else CATEGORY_COLUMNS[category]
        return f"is above {bound:g} {unit}, more than any grid's dirtiest plant emits (lca.limits)"
    return None


def number(text: str, where: str, column: str, category: str | None, scale: float = 1.0) -> float | None:
    """A cell as a checked figure (``scale`` converts it to the category's unit); None when marked missing."""
    if text.strip() in _MISSING:
        return None
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        raise StudyError(f"{where}: column '{column}': value {shown(text)} is not a number") from None
    if category is None:  # a generation in MW
        reason = None if math.isfinite(value) and 0 <= value <= GRID_MAX_MW else f"is not in [0, {GRID_MAX_MW:g}] MW"
    else:
        reason = check_value(value * scale, category)
    if reason is not None:
        raise StudyError(f"{where}: column '{column}': value {shown(text)} {reason}")
    return value * scale


def utc(text: str, where: str, column: str) -> datetime:
    """An ISO 8601 time (UTC when it has no offset) in UTC."""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise StudyError(f"{where}: column '{column}': value {shown(text)} is not an ISO 8601 time") from None
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


class LocalClock:
    """Local wall-clock times in order -> UTC, resolving the autumn hour that occurs twice.

    The first occurrence of an ambiguous time is taken as summer time, and a repeat of it
    (a time not after the previous row) as winter time; a spring time that does not exist
    is refused.
    """

    def __init__(self, zone: ZoneInfo, label: str):
        self.zone, self.label, self.last = zone, label, None

    def __call__(self, naive: datetime, where: str, column: str, text: str, fold: int | None = None) -> datetime:
        first = naive.replace(tzinfo=self.zone, fold=0 if fold is None else fold)
        t = first.astimezone(UTC)
        if t.astimezone(self.zone).replace(tzinfo=None) != naive:
            raise StudyError(
                f"{where}: column '{column}': value {shown(text)} does not exist in {self.label} "
                "(the clocks go forward then): is the file in another time zone?"
            )
        if fold is None and self.last is not None and t <= self.last:
            second = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
            t = second if second > self.last else t
        self.last = t
        return t


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    row: Callable[[dict[str, str], str], Sample]  # (cells by column, "file:line") -> sample
    notes: tuple[str, ...] = ()


def _native(columns: list[str]) -> Format:
    others = [cat for cat, col in CATEGORY_COLUMNS.items() if col in columns]

    def row(cells: dict[str, str], where: str) -> Sample:
        extra = {c: number(cells[CATEGORY_COLUMNS[c]], where, CATEGORY_COLUMNS[c], c) for c in others}
        return Sample(
            utc(cells["timestamp"], where, "timestamp"),
            None,
            number(cells[CLIMATE_COLUMN], where, CLIMATE_COLUMN, "climate"),
            {c: v for c, v in extra.items() if v is not None},
        )

    return Format("native", "this project's CSV (timestamp, g_co2e_per_kwh)", row)


def _electricity_maps(columns: list[str]) -> Format:
    lca = next(c for c in _EM_LCA if c in columns)

    def row(cells: dict[str, str], where: str) -> Sample:
        if _EM_DIRECT in cells:
            number(cells[_EM_DIRECT], where, _EM_DIRECT, "climate")
        return Sample(
            utc(cells["Datetime (UTC)"], where, "Datetime (UTC)"), 60, number(cells[lca], where, lca, "climate")
        )

    return Format(
        "electricity_maps",
        "Electricity Maps CSV export",
        row,
        (f"the life-cycle column '{lca}' is used (the direct one is checked, not used)",),
    )


def _rte(columns: list[str]) -> Format:
    co2 = next(c for c in _RTE_CO2 if c in columns)
    clock = LocalClock(PARIS, "Paris time")
    iso = "Date - Heure" in columns
    weight = "Consommation (MW)" if "Consommation (MW)" in columns else None

    def row(cells: dict[str, str], where: str) -> Sample:
        if iso:
            start = utc(cells["Date - Heure"], where, "Date - Heure")
        else:
            text = f"{cells['Date'].strip()} {cells['Heure'].strip()}"
            try:
                naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
            except ValueError:
                try:
                    naive = datetime.strptime(text, "%d/%m/%Y %H:%M")
                except ValueError:
                    raise StudyError(
                        f"{where}: columns 'Date', 'Heure': value {shown(text)} is not a date and time"
                    ) from None
            start = clock(naive, where, "Date", text)
        w = number(cells[weight], where, weight, None) if weight else None
        return Sample(start, None, number(cells[co2], where, co2, "climate"), weight=w)

    notes = ("times in Paris time (DST resolved), converted to UTC",) if not iso else ()
    return Format("rte_eco2mix", "RTE eCO2mix export", row, notes)


@lru_cache(maxsize=1)
def production_type_factors() -> tuple[dict[str, float], frozenset[str], str]:
    """(g CO2e/kWh by ENTSO-E production type, types left out, source) from include/data."""
    from lca.settings import reference_data_dir
    from lca.study.bounded_yaml import load_yaml_file

    data = load_yaml_file(reference_data_dir() / "production_type_intensity.yaml", what="reference data file")
    factors = {name: float(entry["value"]) for name, entry in data["factors"].items()}
    return factors, frozenset(data["excluded"]), " ".join(str(data["source"]).split()).rstrip(".")


def _entsoe(columns: list[str]) -> Format:
    factors, excluded, source = production_type_factors()
    mtu = next(c for c in columns if c.startswith("MTU"))
    in_utc = "UTC" in mtu
    clock = LocalClock(BRUSSELS, "CET/CEST")
    types = {}
    for c in columns:
        found = _ENTSOE_GEN.match(c)
        if found and found["type"].strip() not in excluded:
            name = " ".join(found["type"].split())
            if name not in factors:
                raise StudyError(
                    f"column '{c}': production type {name!r} has no factor in production_type_intensity.yaml"
                )
            types[c] = factors[name]

    def when(text: str, where: str) -> tuple[datetime, int]:
        parts = [p.strip() for p in text.split(" - ")]
        fold = None
        stamps = []
        for p in parts[:2]:
            if p.endswith("(CEST)") or p.endswith("(CET)"):
                fold = 0 if p.endswith("(CEST)") else 1
                p = p.rsplit("(", 1)[0].strip()
            for fmt in ("%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
                try:
                    stamps.append(datetime.strptime(p, fmt))
                    break
                except ValueError:
                    continue
        if len(stamps) != 2:
            raise StudyError(
                f"{where}: column '{mtu}': value {shown(text)} is not an interval 'dd.mm.yyyy HH:MM - ...'"
            )
        start = stamps[0].replace(tzinfo=UTC) if in_utc else clock(stamps[0], where, mtu, text, fold)
        minutes = round((stamps[1] - stamps[0]).total_seconds() / 60)
        return start, minutes if 0 < minutes <= 60 else 60

    def row(cells: dict[str, str], where: str) -> Sample:
        start, minutes = when(cells[mtu], where)
        mw = {c: number(cells[c], where, c, None) for c in types}
        known = {c: v for c, v in mw.items() if v is not None}
        total = sum(known.values())
        if total <= 0:
            return Sample(start, minutes, None)
        value = sum(v * types[c] for c, v in known.items()) / total
        return Sample(start, minutes, value, weight=total)

    return Format(
        "entsoe_generation",
        "ENTSO-E actual generation per production type",
        row,
        (
            f"intensity from generation per production type x life-cycle factors ({source}; "
            "include/data/production_type_intensity.yaml), storage left out",
        ),
    )


def _watttime(columns: list[str]) -> Format:
    time_col, value_col = ("point_time", "value") if "point_time" in columns else ("timestamp", "MOER")

    def row(cells: dict[str, str], where: str) -> Sample:
        units = cells.get("units", "").strip()
        if units and units not in ("lbs_co2_per_mwh", "lbs/MWh"):
            raise StudyError(f"{where}: column 'units': value {shown(units)} is not lbs_co2_per_mwh")
        return Sample(
            utc(cells[time_col], where, time_col),
            None,
            number(cells[value_col], where, value_col, "climate", LBS_PER_MWH_TO_G_PER_KWH),
        )

    return Format(
        "watttime",
        "WattTime MOER export",
        row,
        ("WattTime's MOER is a marginal rate (lbs CO2/MWh converted to g/kWh), not the average mix",),
    )


def detect(columns: list[str], name: str) -> Format:
    """The format whose columns the header has; StudyError listing the known ones otherwise."""
    if "timestamp" in columns and CLIMATE_COLUMN in columns:
        return _native(columns)
    if "Datetime (UTC)" in columns and any(c in columns for c in _EM_LCA):
        return _electricity_maps(columns)
    if any(c in columns for c in _RTE_CO2) and ("Date - Heure" in columns or {"Date", "Heure"} <= set(columns)):
        return _rte(columns)
    if any(c.startswith("MTU") for c in columns) and any(_ENTSOE_GEN.match(c) for c in columns):
        return _entsoe(columns)
    if {"point_time", "value"} <= set(columns) or {"timestamp", "MOER"} <= set(columns):
        return _watttime(columns)
    raise StudyError(
        f"{name}: not a grid-profile format this project reads (its first line has {len(columns)} column(s)). "
        f"Known: this project's CSV (columns 'timestamp' and '{CLIMATE_COLUMN}'), Electricity Maps "
        "('Datetime (UTC)' and 'Carbon Intensity gCO₂eq/kWh (life cycle assessment)'), RTE eCO2mix "
        "('Date', 'Heure' and 'Taux de CO2 (g/kWh)'), ENTSO-E ('MTU' and '<type> - Actual Aggregated [MW]'), "
        "WattTime ('point_time' and 'value', lbs/MWh)"
    )


def hours_between(a: datetime, b: datetime) -> float:
    return (b - a) / timedelta(hours=1)
