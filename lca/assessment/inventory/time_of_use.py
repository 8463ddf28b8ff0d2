"""Electricity over time: training and inference booked on an hourly grid-intensity profile.

Without ``lca.grid_profile`` nothing here runs and every stage uses the grid's
annual figure. With it, the datacentre's electricity gets one grid activity per
time slot, each the national activity with the profile's figures:

* ``@run``: training, compression and data preparation, over the hours they take
  from when the run happened (or ``training_start``);
* ``@inference``: the profile's year weighted by the declared daily load (flat by default).

People and offices keep the annual national figure.

When the study links its grid to a market of the practitioner's Brightway project
(``lca.background.electricity``), each slot is that market scaled by the slot's intensity
relative to the profile's mean (:func:`scaled_link`): the profile says *when* the grid
is cleaner or dirtier, the linked market says *how much* a kWh weighs on average. Each slot has its own
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
from lca.assessment.inventory.electricity import linked_grid_climate
from lca.assessment.inventory.names import IT_ELECTRICITY, measured_provider_name
from lca.assessment.inventory.parts import InventoryParts
from lca.errors import StudyError
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


def scaled_link(linked: BackgroundActivity, key: str, label: str, ratio: float, mean: float) -> BackgroundActivity:
    """The linked market at one time slot: its scores (every method) times the slot's relative intensity.

    ``ratio`` is the slot's climate intensity over the profile's mean (``mean``, kg CO2e/kWh).
    Scaling ``unit_factor`` too keeps Brightway's paired draws and the exported foreground
    (``ratio`` x the linked kWh per kWh booked) in step with the deterministic scores.
    """
    return linked.model_copy(
        update={
            "key": key,
            "name": f"{linked.name}, {label}",
            "scores": {m: v * ratio for m, v in linked.scores.items()},
            "unit_factor": linked.unit_factor * ratio,
            "comment": f"{linked.comment} At this slot ({label}) scaled by {ratio:.4g}: the profile's climate "
            f"intensity there over its mean ({mean * 1000:.4g} g CO2e/kWh), applied to every method.",
        }
    )


def _slot_grid(
    parts: InventoryParts, profile: GridProfile, key: str, label: str, figures: dict[str, float]
) -> BackgroundActivity:
    linked = parts.links.get(f"grid::{parts.study.deployment.country}")
    if linked is not None:
        mean = profile.annual_mean("climate")
        if figures["climate"] <= 0 or mean <= 0:
            raise StudyError(
                f"lca.grid_profile: profile {profile.path} gives {figures['climate'] * 1000:.4g} g CO2e/kWh for "
                f"{label} (its mean: {mean * 1000:.4g}); the linked lca.background.electricity is scaled by that "
                "ratio and cannot be scaled to nothing: give a profile with positive intensities"
            )
        return scaled_link(linked, key, label, figures["climate"] / mean, mean)
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
    # kg CO2e per kWh each slot is booked at: the profile's own figures, or the linked market's GWP100 scaled
    mean = profile.annual_mean("climate")
    linked = parts.links.get(f"grid::{iso3}")
    national = (
        grid_impacts(iso3).totals["climate"]
        if linked is None
        else linked_grid_climate(linked, parts.study.impact_methods).total
    )
    scale = 1.0 if linked is None else national / mean
    figures = {
        "run": profile.window_mean("climate", start, hours) * scale,
        "aware": profile.window_mean("climate", aware, hours) * scale,
        "inference": profile.load_weighted_mean("climate", spec.inference_load) * scale,
    }
    scaling = "" if linked is None else _linked_statement(linked, profile, mean, figures, scale)
    parts.notes.append(
        f"Electricity over time: hourly grid profile {profile.path} ({_source(spec.source, profile)}; "
        f"{profile.summary()}). Training, compression and data "
        f"preparation are booked {when} ({figures['run'] * 1000:.0f} g CO2e/kWh); inference over the "
        f"year at the declared load ({figures['inference'] * 1000:.0f} g CO2e/kWh); people and offices "
        "at the annual national figure. Each time slot has its own PUE and measurement-error draws."
        + (f" {scaling}" if scaling else "")
    )
    return TimeOfUse(
        profile=profile.path,
        source=_source(spec.source, profile),
        run_start=profile.times[start].isoformat(),
        window_hours=hours,
        horizon_hours=spec.carbon_aware_horizon_hours,
        aware_start=profile.times[aware].isoformat(),
        run_kg_co2e_per_kwh=figures["run"],
        aware_kg_co2e_per_kwh=figures["aware"],
        inference_kg_co2e_per_kwh=figures["inference"],
        annual_kg_co2e_per_kwh=mean * scale,
        national_kg_co2e_per_kwh=national,
        run_key=run_key,
        aware_activity=at(aware, aware_label),
        by_hour=[
            at(day + h, f"training {hours} h from {(profile.times[day] + timedelta(hours=h)):%H:%M} UTC")
            for h in range(24)
        ],
        linked_scaling=scaling,
    )


def _linked_statement(
    linked: BackgroundActivity, profile: GridProfile, mean: float, figures: dict[str, float], scale: float
) -> str:
    """What the report says when a linked market meets the profile: how each slot was scaled, and what is not."""
    ratios = ", ".join(f"{slot} x{value / scale / mean:.3g}" for slot, value in figures.items())
    return (
        f"The grid is linked to {linked.name!r} ({linked.location}) of your Brightway database {linked.database!r}: "
        f"at each time slot its scores, in every impact category, are multiplied by the slot's climate intensity in "
        f"the profile relative to the profile's mean ({mean * 1000:.4g} g CO2e/kWh): {ratios}. The profile thus says "
        "when a kWh is cleaner or dirtier and the linked market what an average kWh weighs; the market's own "
        "Brightway draws carry its uncertainty (the profile's stated spread is not added)"
        + (
            ", and the profile's other category columns are not used"
            if any(profile.series(c) is not None for c in _CATEGORIES[1:])
            else ""
        )
        + ". People and offices use the linked market unscaled."
    )
