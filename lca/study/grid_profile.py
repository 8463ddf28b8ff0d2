"""An hourly grid-intensity profile (CSV) and the windows a study's electricity falls in.

Grid intensity changes by hour and season: the same training run emits less at
night on a wind-rich grid, and carbon-aware scheduling moves it into the
lowest-carbon window. The study gives the profile as a CSV file, one row per
hour::

    timestamp,g_co2e_per_kwh[,minerals_kg_sb_eq_per_kwh,fossils_mj_per_kwh,water_m3_per_kwh]
    2025-01-01T00:00:00+00:00,41.2

Timestamps are ISO 8601 (UTC when no offset is given), hourly and increasing.
The profile stands for a typical year: a moment is looked up by its month, day
and hour, whatever its year. Read with the standard library only (the study
layer stays light); errors name the file, the line and the value.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from lca.errors import StudyError
from lca.limits import GRID_MAX_G_CO2E_PER_KWH, GRID_MAX_PER_KWH, GRID_PROFILE_MAX_ROWS
from lca.study.grid_profiles.bounded_text import describe, read_lines, shown

CLIMATE_COLUMN = "g_co2e_per_kwh"
CATEGORY_COLUMNS = {
    "minerals": "minerals_kg_sb_eq_per_kwh",
    "fossils": "fossils_mj_per_kwh",
    "water": "water_m3_per_kwh",
}


@dataclass(frozen=True)
class GridProfile:
    path: str
    times: tuple[datetime, ...]
    climate: tuple[float, ...]  # kg CO2e per kWh
    others: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def series(self, category: str) -> tuple[float, ...] | None:
        return self.climate if category == "climate" else self.others.get(category)

    def index_at(self, when: datetime) -> int:
        """The profile hour with the same month, day and hour as ``when`` (its year ignored)."""
        when = when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)
        key = (when.month, when.day, when.hour)
        for i, t in enumerate(self.times):
            if (t.month, t.day, t.hour) == key:
                return i
        # e.g. 29 February in a profile of a common year: the closest hour of the year
        target = when.timetuple().tm_yday * 24 + when.hour
        return min(
            range(len(self.times)),
            key=lambda i: abs(self.times[i].timetuple().tm_yday * 24 + self.times[i].hour - target),
        )

    def window_mean(self, category: str, start: int, hours: int) -> float:
        """Mean over ``hours`` hours from ``start`` (wrapping round the end of the typical year)."""
        values = self.series(category)
        n = len(values)
        return sum(values[(start + k) % n] for k in range(hours)) / hours

    def lowest_window(self, start: int, hours: int, horizon: int) -> int:
        """Start of the lowest-carbon window of ``hours`` hours beginning within ``horizon`` hours of ``start``."""
        return min(
            ((start + k) % len(self.times) for k in range(horizon)),
            key=lambda s: (self.window_mean("climate", s, hours), s),
        )

    def load_weighted_mean(self, category: str, load: list[float] | None) -> float:
        """Mean over the year, each hour weighted by the load at its hour of the day (flat: ``None``)."""
        values = self.series(category)
        weights = [1.0 if load is None else load[t.hour] for t in self.times]
        total = sum(weights)
        return sum(v * w for v, w in zip(values, weights)) / total

    def annual_mean(self, category: str) -> float:
        return self.load_weighted_mean(category, None)


def _parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text.strip())
    return t.astimezone(timezone.utc) if t.tzinfo else t.replace(tzinfo=timezone.utc)


def check_value(value: float, category: str) -> str | None:
    """Why an hourly figure of ``category`` is refused (not finite, negative, above its bound), or None."""
    if not math.isfinite(value):
        return "is not a finite number"
    if value < 0:
        return "is negative"
    bound = GRID_MAX_G_CO2E_PER_KWH if category == "climate" else GRID_MAX_PER_KWH[category]
    if value > bound:
        unit = "g CO2e/kWh" if category == "climate" else CATEGORY_COLUMNS[category]
        return f"is above {bound:g} {unit}, more than any grid's dirtiest plant emits (lca.limits)"
    return None


def _number(text: str, where: str, column: str, category: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise StudyError(f"{where}: column '{column}': value {shown(text)} is not a number") from None
    reason = check_value(value, category)
    if reason is not None:
        raise StudyError(f"{where}: column '{column}': value {shown(text)} {reason}")
    return value


@lru_cache(maxsize=8)
def read_profile(path: str) -> GridProfile:
    """Parse and check the CSV, streamed within the bounds of lca.limits; StudyError naming file, line, column."""
    file = Path(path)
    lines = read_lines(file)
    first = next(lines, None)
    columns = [c.strip() for c in next(csv.reader([first[1]]), [])] if first else []
    if "timestamp" not in columns or CLIMATE_COLUMN not in columns:
        raise StudyError(
            f"{describe(file)}: a grid profile needs the columns 'timestamp' and '{CLIMATE_COLUMN}'; its first line has "
            f"{len(columns)} column(s) and not both of these"
        )
    at = {c: columns.index(c) for c in ["timestamp", CLIMATE_COLUMN, *CATEGORY_COLUMNS.values()] if c in columns}
    others = [cat for cat, col in CATEGORY_COLUMNS.items() if col in at]
    times, climate, extra = [], [], {cat: [] for cat in others}
    for lineno, text in lines:
        if not text.strip():
            continue
        if len(times) >= GRID_PROFILE_MAX_ROWS:
            raise StudyError(f"{file}:{lineno}: more than {GRID_PROFILE_MAX_ROWS:,} rows (lca.limits)")
        row = next(csv.reader([text]))
        where = f"{file}:{lineno}"
        if len(row) < len(columns):
            raise StudyError(f"{where}: {len(row)} field(s), the header has {len(columns)}")
        stamp = row[at["timestamp"]]
        try:
            t = _parse_time(stamp)
        except ValueError:
            raise StudyError(f"{where}: column 'timestamp': value {shown(stamp)} is not an ISO 8601 time") from None
        if times and (t - times[-1]).total_seconds() != 3600:
            raise StudyError(
                f"{where}: column 'timestamp': value {shown(stamp)} is not one hour after the previous row"
            )
        climate.append(_number(row[at[CLIMATE_COLUMN]], where, CLIMATE_COLUMN, "climate") / 1000.0)  # g -> kg
        for cat in others:
            column = CATEGORY_COLUMNS[cat]
            extra[cat].append(_number(row[at[column]], where, column, cat))
        times.append(t)
    if len(times) < 24:
        raise StudyError(f"{file}: a grid profile needs at least 24 hourly rows, has {len(times)}")
    return GridProfile(str(file), tuple(times), tuple(climate), {c: tuple(v) for c, v in extra.items()})
