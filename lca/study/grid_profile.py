"""An hourly grid-intensity profile and the windows a study's electricity falls in.

Grid intensity changes by hour and season: the same training run emits less at
night on a wind-rich grid, and carbon-aware scheduling moves it into the
lowest-carbon window. The study names a file of grid intensities over time, in this
project's CSV or as exported by Electricity Maps, RTE eCO2mix, ENTSO-E or WattTime
(lca.study.grid_profiles.formats says which columns each has). It is read within the
bounds of lca.limits, converted to one value per UTC hour (sub-hourly rows averaged,
gaps of up to three hours interpolated and flagged) and checked: finite, non-negative,
at most 2,000 g CO2e/kWh. Our own CSV, one row per hour::

    timestamp,g_co2e_per_kwh[,minerals_kg_sb_eq_per_kwh,fossils_mj_per_kwh,water_m3_per_kwh]
    2025-01-01T00:00:00+00:00,41.2

The profile stands for a typical year: a moment is looked up by its month, day and
hour, whatever its year. A profile of less than a year says which months it covers, and
the notes of the assessment repeat it. A profile is SYNTHETIC when its file says so
(SYNTHETIC in its name, in a ``#`` comment line before the header, or in the
``<name>.source.yaml`` beside it), whatever the study's ``source`` text says.
Standard library only (the study layer stays light).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from lca.errors import StudyError
from lca.limits import GRID_PROFILE_MAX_ROWS
from lca.study.grid_profiles.bounded_text import describe, read_lines
from lca.study.grid_profiles.formats import CATEGORY_COLUMNS, CLIMATE_COLUMN, Sample, detect, hours_between
from lca.study.grid_profiles.hourly import coverage, to_hourly

__all__ = ["CATEGORY_COLUMNS", "CLIMATE_COLUMN", "GridProfile", "read_profile"]
_DELIMITERS = (";", "\t", ",")


@dataclass(frozen=True)
class GridProfile:
    path: str
    times: tuple[datetime, ...]
    climate: tuple[float, ...]  # kg CO2e per kWh
    others: dict[str, tuple[float, ...]] = field(default_factory=dict)
    format: str = "this project's CSV"
    synthetic: bool = False
    full_year: bool = True
    coverage: str = "a full year"
    interpolated: tuple[int, ...] = ()  # hours filled by interpolation
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One sentence for the assessment's notes: what the profile is and how it was read."""
        parts = [f"{'SYNTHETIC ' if self.synthetic else ''}profile read as {self.format}, covering {self.coverage}"]
        if self.interpolated:
            parts.append(f"{len(self.interpolated)} hour(s) interpolated across short gaps")
        if not self.full_year:
            parts.append("a moment outside it takes the profile's nearest day of the year")
        return "; ".join([*parts, *self.notes])

    def series(self, category: str) -> tuple[float, ...] | None:
        return self.climate if category == "climate" else self.others.get(category)

    def index_at(self, when: datetime) -> int:
        """The profile hour with the same month, day and hour as ``when`` (its year ignored)."""
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
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


def _synthetic(file: Path, comments: list[str]) -> bool:
    """The file says it is SYNTHETIC: its name, a comment line before its header, or its .source.yaml."""
    if "synthetic" in file.name.lower() or any("SYNTHETIC" in c for c in comments):
        return True
    sidecar = file.with_name(f"{file.stem}.source.yaml")
    if not sidecar.exists():
        return False
    from lca.study.bounded_yaml import load_yaml_file

    data = load_yaml_file(sidecar, what="grid profile source file")
    if not isinstance(data, dict):
        return False
    return data.get("synthetic") is True or any("SYNTHETIC" in str(data.get(k, "")) for k in ("label", "source"))


def _delimiter(header: str) -> str:
    return max(_DELIMITERS, key=header.count)


@lru_cache(maxsize=8)
def read_profile(path: str) -> GridProfile:
    """Read, convert and check a grid-intensity file; StudyError naming the file, line, column otherwise."""
    file = Path(path)
    name = describe(file)
    lines = read_lines(file)
    comments, header = [], None
    for lineno, text in lines:
        if text.startswith("#") or not text.strip():
            comments.append(text)
            continue
        header = (lineno, text)
        break
    if header is None:
        raise StudyError(f"{name}: the grid profile is empty")
    delimiter = _delimiter(header[1])
    columns = [c.strip().strip('"') for c in next(csv.reader([header[1]], delimiter=delimiter))]
    fmt = detect(columns, name)
    samples: list[Sample] = []
    last_line = header[0]
    for lineno, text in lines:
        if not text.strip() or text.startswith("#"):
            continue
        if len(samples) >= GRID_PROFILE_MAX_ROWS:
            raise StudyError(f"{file}:{lineno}: more than {GRID_PROFILE_MAX_ROWS:,} rows (lca.limits)")
        row = next(csv.reader([text], delimiter=delimiter))
        where = f"{file}:{lineno}"
        if len(row) < len(columns):
            raise StudyError(f"{where}: {len(row)} field(s), the header has {len(columns)}")
        sample = fmt.row(dict(zip(columns, row)), where)
        if samples and sample.start <= samples[-1].start:
            raise StudyError(
                f"{where}: row at {sample.start:%Y-%m-%d %H:%M} UTC is not after line {last_line}'s "
                f"({samples[-1].start:%Y-%m-%d %H:%M} UTC): rows must be in time order, each time once"
            )
        samples.append(sample)
        last_line = lineno
    hourly = to_hourly(samples, str(file))
    if len(hourly.times) < 24:
        raise StudyError(f"{file}: a grid profile needs at least 24 hourly rows, has {len(hourly.times)}")
    full, covered = coverage(hourly.times)
    notes = list(fmt.notes)
    if any(s.minutes != 60 and s.minutes is not None for s in samples) or _sub_hourly(samples):
        notes.append(
            "sub-hourly rows averaged per hour, " + ("energy-weighted" if hourly.weighted else "time-weighted")
        )
    return GridProfile(
        str(file),
        hourly.times,
        tuple(v / 1000.0 for v in hourly.series["climate"]),  # g -> kg CO2e per kWh
        {c: v for c, v in hourly.series.items() if c != "climate"},
        format=fmt.label,
        synthetic=_synthetic(file, comments),
        full_year=full,
        coverage=covered,
        interpolated=hourly.interpolated,
        notes=tuple(notes),
    )


def _sub_hourly(samples: list[Sample]) -> bool:
    return len(samples) > 1 and hours_between(samples[0].start, samples[1].start) < 1
