"""'When' beside 'where': the study on its hourly grid profile, and carbon-aware scheduling of training.

The carbon-aware scenario is each ML scenario with its training (and compression
and data preparation, done with it) moved into the lowest-carbon window of the
declared length. It is the same compiled inventory with one background activity
replaced (the grid at training time), evaluated on the same seed: every exchange
gets the same draw as in the as-run evaluation, the replaced grid's climate figure
included (same distribution, other median). So the saving is computed per paired
draw, and its interval and the probability that it is a saving carry every other
input's uncertainty without blurring the comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from lca.assessment.engine import compile_model, deterministic, evaluate, sample, scenario_totals
from lca.records import BackgroundActivity, CarbonAwareResult, StudyInventory, TimeOfUseResults, WhenResult


def time_of_use(
    inv: StudyInventory, methods: Sequence[Sequence[str]], units: dict[tuple[str, ...], str], iterations: int, seed: int
) -> TimeOfUseResults | None:
    info = inv.time_of_use
    if info is None:
        return None
    base = compile_model(inv, methods)
    aware = compile_model(inv, methods, background={info.run_key: info.aware_activity})
    det_base = scenario_totals(base, deterministic(base))[:, :, 0]
    det_aware = scenario_totals(aware, deterministic(aware))[:, :, 0]
    draws_base = scenario_totals(base, evaluate(base, sample(base, iterations, seed)))
    draws_aware = scenario_totals(aware, evaluate(aware, sample(aware, iterations, seed)))
    ref = next(i for i, s in enumerate(inv.scenarios) if s.is_reference)
    rows = []
    for i, name in enumerate(base.scenario_names):
        if i == ref:
            continue
        for j, method in enumerate(base.methods):
            saving = draws_base[i, j] - draws_aware[i, j]
            lo, hi = np.percentile(saving, [2.5, 97.5])
            rows.append(
                CarbonAwareResult(
                    scenario=name,
                    method=method,
                    unit=units.get(method, ""),
                    as_run=float(det_base[i, j]),
                    carbon_aware=float(det_aware[i, j]),
                    saving=float(det_base[i, j] - det_aware[i, j]),
                    saving_mean=float(saving.mean()),
                    saving_p2_5=float(lo),
                    saving_p97_5=float(hi),
                    p_saves=float((saving > 0).mean()),
                )
            )
    run_hour = datetime.fromisoformat(info.run_start).strftime("%H:%M")
    when = []
    for activity in info.by_hour:
        model = compile_model(inv, methods, background={info.run_key: activity})
        det = scenario_totals(model, deterministic(model))[:, :, 0]
        start = activity.name.rsplit("from ", 1)[-1].split(" ")[0]
        for i, name in enumerate(model.scenario_names):
            for j, method in enumerate(model.methods):
                when.append(
                    WhenResult(
                        start=start,
                        kg_co2e_per_kwh=_climate_per_kwh(activity, methods),
                        scenario=name,
                        method=method,
                        unit=units.get(method, ""),
                        score=float(det[i, j]),
                        ratio_to_reference=float(det[i, j] / det[ref, j]) if det[ref, j] else float("nan"),
                        is_run_time=start == run_hour,
                    )
                )
    return TimeOfUseResults(
        profile=info.profile,
        source=info.source,
        run_start=info.run_start,
        aware_start=info.aware_start,
        window_hours=info.window_hours,
        horizon_hours=info.horizon_hours,
        run_kg_co2e_per_kwh=info.run_kg_co2e_per_kwh,
        aware_kg_co2e_per_kwh=info.aware_kg_co2e_per_kwh,
        inference_kg_co2e_per_kwh=info.inference_kg_co2e_per_kwh,
        annual_kg_co2e_per_kwh=info.annual_kg_co2e_per_kwh,
        national_kg_co2e_per_kwh=info.national_kg_co2e_per_kwh,
        iterations=iterations,
        linked_scaling=info.linked_scaling,
        carbon_aware=rows,
        when=when,
    )


def _climate_per_kwh(activity: BackgroundActivity, methods: Sequence[Sequence[str]]) -> float:
    """The slot's kg CO2e per kWh: its climate flow, or a linked market's (scaled) GWP100 score."""
    if activity.linked:
        from lca.assessment.inventory.electricity import linked_grid_climate

        return linked_grid_climate(activity, methods).total
    flow = activity.flow("climate")
    return flow.total if flow is not None else float("nan")
