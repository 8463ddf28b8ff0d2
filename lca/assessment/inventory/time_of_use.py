"""Electricity over time: training and inference booked on an hourly grid-intensity profile.

Without ``lca.grid_profile`` nothing here runs and every stage uses the grid's
annual figure. With it, the datacentre's electricity gets one grid activity per
time slot, each the national activity with the profile's figures:

* ``@run``: training, compression and data preparation, over the hours they take
  from when the run happened (or ``training_start``);
* ``@inference``: the profile's year weighted by the declared daily load (flat by default).

People and offices keep the annual national figure. Each slot has its own
``it_electricity`` and measurement providers, so the slots' PUE and measurement
errors are drawn apart (their groups are the same for the one-at-a-time
sensitivity). The carbon-aware scenario replaces the ``@run`` grid by the same
grid in the lowest-carbon window; :mod:`lca.assessment.interpretation` evaluates it
with the same draws as the others, so its saving is paired.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from lca.assessment.background import grid_activity, grid_impacts
from lca.assessment.inventory.names import IT_ELECTRICITY, measured_provider_name
from lca.assessment.inventory.parts import InventoryParts
from lca.records import BackgroundActivity, EnergyRecord, Provider, ProviderUse, TimeOfUse
from lca.study.grid_profile import GridProfile, read_profile
from lca.study.reference_data import resolve

SLOT_RUN = "run"
SLOT_INFERENCE = "inference"
_CATEGORIES = ("climate", "minerals", "fossils", "water")


def run_time(run_id: str) -> datetime:
    """When the run happened: the time in an Airflow run id (``manual__2026-12-01T08:00:00+00:00``), else now."""
    found = re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?", run_id)
    if found:
        try:
            t = datetime.fromisoformat(found.group(0).replace("Z", "+00:00"))
            return t if t.tzinfo else t.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _slot_grid(
    parts: InventoryParts, profile: GridProfile, key: str, label: str, figures: dict[str, float]
) -> BackgroundActivity:
    spec = parts.spec.grid_profile
    base = grid_impacts(parts.study.deployment.country)
    totals, sources, spread = dict(base.totals), dict(base.sources), dict(base.uncertainty)
    for cat, value in figures.items():
        totals[cat] = value
        sources[cat] = f"{_source(spec.source, profile)} (hourly profile {profile.path}, {label})"
        if cat == "climate" and spec.uncertainty is not None:
            spread[cat] = spec.uncertainty
    impacts = base.model_copy(update={"totals": totals, "sources": sources, "uncertainty": spread})
    activity = grid_activity(impacts, shared=False)
    return activity.model_copy(update={"key": key, "name": f"{activity.name}, {label}"})


def _source(text: str, profile: GridProfile) -> str:
    """The study's source text, labelled SYNTHETIC when the profile's own file says it is."""
    return f"SYNTHETIC profile: {text}" if profile.synthetic and "SYNTHETIC" not in text else text


def _figures(profile: GridProfile, mean) -> dict[str, float]:
    return {cat: mean(cat) for cat in _CATEGORIES if profile.series(cat) is not None}


def slot_provider(parts: InventoryParts, record: EnergyRecord, slot: str) -> str:
    """The measurement provider a stage at ``slot`` uses (the plain one without a profile)."""
    name = measured_provider_name(record)
    if parts.spec.grid_profile is None:
        return name
    plain = parts.provider(name)
    slotted = f"{name}@{slot}"
    if not parts.has(slotted):
        use = plain.uses[0]
        parts.add(
            plain.model_copy(
                update={
                    "name": slotted,
                    "label": f"{plain.label}, at {slot} time",
                    "uses": [use.model_copy(update={"input": f"{IT_ELECTRICITY}@{slot}"})],
                }
            )
        )
    return slotted


def add_time_of_use(
    parts: InventoryParts, run_id: str, training: EnergyRecord, fixed_seconds: float
) -> TimeOfUse | None:
    spec = parts.spec.grid_profile
    if spec is None:
        return None
    profile = read_profile(spec.profile)
    iso3 = parts.study.deployment.country
    start_time = spec.training_start or run_time(run_id)
    start = profile.index_at(start_time)
    hours = spec.carbon_aware_window_hours or max(1, math.ceil(fixed_seconds / 3600.0))
    aware = profile.lowest_window(start, hours, spec.carbon_aware_horizon_hours)
    run_key = f"grid::{iso3}@{SLOT_RUN}"
    when = f"{hours} h from {profile.times[start]:%d %b %H:%M} UTC"
    run_grid = _slot_grid(
        parts, profile, run_key, f"training {when}", _figures(profile, lambda c: profile.window_mean(c, start, hours))
    )
    inference_grid = _slot_grid(
        parts,
        profile,
        f"grid::{iso3}@{SLOT_INFERENCE}",
        "inference, "
        + ("flat load over the year" if spec.inference_load is None else "the declared daily load over the year"),
        _figures(profile, lambda c: profile.load_weighted_mean(c, spec.inference_load)),
    )
    pue = resolve(parts.study.deployment.pue)
    for slot, grid in ((SLOT_RUN, run_grid), (SLOT_INFERENCE, inference_grid)):
        parts.add_background(grid)
        parts.add(
            Provider(
                name=f"{IT_ELECTRICITY}@{slot}",
                label=f"electricity at the IT equipment, {parts.study.deployment.hardware}, at {slot} time",
                unit="kilowatt hour",
                electricity_kwh_per_unit=0.0,
                uncertainty=pue.uncertainty_in("dimensionless"),
                comment=f"1 kWh at the machine draws PUE = {pue.value} kWh of the grid at {slot} time. PUE: "
                f"{pue.source}",
                uses=[
                    ProviderUse(
                        input=grid.key,
                        amount=pue.magnitude("dimensionless"),
                        uncertainty=pue.uncertainty_in("dimensionless"),
                        comment="PUE",
                        group="datacentre PUE",
                    )
                ],
            )
        )

    def at(index: int, label: str) -> BackgroundActivity:
        return _slot_grid(
            parts, profile, run_key, label, _figures(profile, lambda c: profile.window_mean(c, index, hours))
        )

    day = profile.index_at(profile.times[start].replace(hour=0))
    aware_label = f"training {hours} h from {profile.times[aware]:%d %b %H:%M} UTC (lowest-carbon window)"
    parts.notes.append(
        f"Electricity over time: hourly grid profile {profile.path} ({_source(spec.source, profile)}; "
        f"{profile.summary()}). Training, compression and data "
        f"preparation are booked {when} ({run_grid.flow('climate').total * 1000:.0f} g CO2e/kWh); inference over the "
        f"year at the declared load ({inference_grid.flow('climate').total * 1000:.0f} g CO2e/kWh); people and offices "
        "at the annual national figure. Each time slot has its own PUE and measurement-error draws."
    )
    return TimeOfUse(
        profile=profile.path,
        source=_source(spec.source, profile),
        run_start=profile.times[start].isoformat(),
        window_hours=hours,
        horizon_hours=spec.carbon_aware_horizon_hours,
        aware_start=profile.times[aware].isoformat(),
        run_kg_co2e_per_kwh=profile.window_mean("climate", start, hours),
        aware_kg_co2e_per_kwh=profile.window_mean("climate", aware, hours),
        inference_kg_co2e_per_kwh=profile.load_weighted_mean("climate", spec.inference_load),
        annual_kg_co2e_per_kwh=profile.annual_mean("climate"),
        national_kg_co2e_per_kwh=grid_impacts(iso3).totals["climate"],
        run_key=run_key,
        aware_activity=at(aware, aware_label),
        by_hour=[
            at(day + h, f"training {hours} h from {(profile.times[day] + timedelta(hours=h)):%H:%M} UTC")
            for h in range(24)
        ],
    )
