"""Samples of any step (5, 15, 30, 60 minutes) -> one UTC value per hour, short gaps filled and flagged.

An hour's value is the mean of its samples weighted by energy (MW x minutes) where the file
gives generation or consumption, else by time (minutes): an intensity is a ratio, and
averaging ratios by time is only right when the load is flat. A gap of at most
GRID_PROFILE_MAX_GAP_HOURS hours between known hours is filled linearly, and the filled hours
are listed; a longer gap is refused with its place, because inventing a day-night swing
would decide the carbon-aware result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lca.errors import StudyError
from lca.limits import GRID_PROFILE_MAX_GAP_HOURS
from lca.study.grid_profiles.formats import Sample

HOUR = timedelta(hours=1)
YEAR_HOURS = 8760
MAX_SPAN_HOURS = 8784  # a leap year


@dataclass(frozen=True)
class Hourly:
    times: tuple[datetime, ...]
    series: dict[str, tuple[float, ...]]  # climate in g CO2e/kWh
    interpolated: tuple[int, ...]  # indices of filled hours (any category)
    weighted: bool  # True when energy weights were used


def _floor(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _durations(samples: list[Sample]) -> list[float]:
    out = []
    for i, s in enumerate(samples):
        if s.minutes is not None:
            out.append(float(s.minutes))
        elif i + 1 < len(samples):
            out.append(min(60.0, (samples[i + 1].start - s.start) / timedelta(minutes=1)))
        else:
            out.append(out[-1] if out else 60.0)
    return out


def to_hourly(samples: list[Sample], name: str) -> Hourly:
    """UTC hours from the first to the last known one; StudyError naming the gap or the span otherwise."""
    known = [s for s in samples if s.climate is not None]
    if not known:
        raise StudyError(f"{name}: no row has a carbon-intensity value")
    first, last = _floor(known[0].start), _floor(known[-1].start)
    span = round((last - first) / HOUR) + 1
    if span > MAX_SPAN_HOURS:
        raise StudyError(
            f"{name}: the profile spans {span:,} hours (from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC), "
            f"more than a year ({MAX_SPAN_HOURS:,} hours); it stands for a typical year: cut it to one year"
        )
    categories = ["climate", *sorted({c for s in samples for c in s.others})]
    sums = {c: [0.0] * span for c in categories}
    weights = {c: [0.0] * span for c in categories}
    all_weighted = all(s.weight is not None for s in known)
    for s, minutes in zip(samples, _durations(samples)):
        i = round((_floor(s.start) - first) / HOUR)
        if not 0 <= i < span:
            continue
        w = minutes * (s.weight if all_weighted and s.weight else 1.0)
        for c in categories:
            v = s.climate if c == "climate" else s.others.get(c)
            if v is not None and w > 0:
                sums[c][i] += v * w
                weights[c][i] += w
    series: dict = {}
    filled: set = set()
    for c in categories:
        values = [sums[c][i] / weights[c][i] if weights[c][i] > 0 else None for i in range(span)]
        series[c] = tuple(_fill(values, first, name, c, filled))
    times = tuple(first + k * HOUR for k in range(span))
    return Hourly(times, series, tuple(sorted(filled)), all_weighted)


def _fill(values: list[float | None], first: datetime, name: str, category: str, filled: set[int]) -> list[float]:
    i, n = 0, len(values)
    while i < n:
        if values[i] is not None:
            i += 1
            continue
        j = i
        while j < n and values[j] is None:
            j += 1
        if i == 0 or j == n or j - i > GRID_PROFILE_MAX_GAP_HOURS:
            where = "at the start" if i == 0 else "at the end" if j == n else f"of {j - i} hours"
            raise StudyError(
                f"{name}: {category}: no value from {first + i * HOUR:%Y-%m-%d %H:%M} to "
                f"{first + (j - 1) * HOUR:%Y-%m-%d %H:%M} UTC (a gap {where}); gaps of up to "
                f"{GRID_PROFILE_MAX_GAP_HOURS} hours between known hours are interpolated, longer ones must be filled "
                "in the file"
            )
        a, b = values[i - 1], values[j]
        for k in range(i, j):
            values[k] = a + (b - a) * (k - i + 1) / (j - i + 1)
            filled.add(k)
        i = j
    return values


def coverage(times: tuple[datetime, ...]) -> tuple[bool, str]:
    """(a full year?, which months it covers, in words)."""
    months = sorted({(t.year, t.month) for t in times})
    full = len(times) >= YEAR_HOURS
    if full:
        return True, f"a full year ({len(times):,} hours from {times[0]:%Y-%m-%d %H:%M} UTC)"
    first, last = months[0], months[-1]
    span = f"{datetime(*first, 1):%b %Y}" + (f" to {datetime(*last, 1):%b %Y}" if last != first else "")
    return False, f"{span} only ({len(times):,} hours), not a full year"
