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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from lca.errors import StudyError

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


@lru_cache(maxsize=8)
def read_profile(path: str) -> GridProfile:
    """Parse and check the CSV; :class:`StudyError` naming the file, line and value otherwise."""
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise StudyError(f"{file}: cannot read grid profile: {exc.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    columns = reader.fieldnames or []
    if "timestamp" not in columns or CLIMATE_COLUMN not in columns:
        raise StudyError(f"{file}: a grid profile needs the columns 'timestamp' and '{CLIMATE_COLUMN}'; has {columns}")
    others = [cat for cat, col in CATEGORY_COLUMNS.items() if col in columns]
    times, climate, extra = [], [], {cat: [] for cat in others}
    for lineno, row in enumerate(reader, start=2):
        try:
            t = _parse_time(row["timestamp"])
        except (TypeError, ValueError):
            raise StudyError(
                f"{file}:{lineno}: column 'timestamp': value {row['timestamp']!r} is not an ISO 8601 time"
            ) from None
        if times and (t - times[-1]).total_seconds() != 3600:
            raise StudyError(
                f"{file}:{lineno}: column 'timestamp': value {row['timestamp']!r} is not one hour after the previous row"
            )
        for cat, column, target in [("climate", CLIMATE_COLUMN, climate)] + [
            (c, CATEGORY_COLUMNS[c], extra[c]) for c in others
        ]:
            try:
                value = float(row[column])
            except (TypeError, ValueError):
                raise StudyError(f"{file}:{lineno}: column '{column}': value {row[column]!r} is not a number") from None
            if value < 0 or value != value:
                raise StudyError(f"{file}:{lineno}: column '{column}': value {value} must be a non-negative number")
            target.append(value / 1000.0 if cat == "climate" else value)  # g -> kg CO2e per kWh
        times.append(t)
    if len(times) < 24:
        raise StudyError(f"{file}: a grid profile needs at least 24 hourly rows, has {len(times)}")
    return GridProfile(str(file), tuple(times), tuple(climate), {c: tuple(v) for c, v in extra.items()})
