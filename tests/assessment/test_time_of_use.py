"""Electricity over time: an hourly grid profile, the carbon-aware training scenario and 'when'."""

from __future__ import annotations

import shutil

import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.engine import compile_model, deterministic, scenario_totals
from lca.assessment.inventory import build_inventory
from lca.assessment.time_sensitivity import time_of_use
from lca.study.grid_profile import read_profile
from lca.study.loading import load_study
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import REPO
from tests.practitioner_fixtures import cli
from tests.records_factory import bench, energy
from tests.study_files import edited_copy

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"
PROFILE = REPO / "examples" / "time_of_use" / "SYNTHETIC_grid_profile_SE.csv"
RUN_ID = "manual__2025-03-04T17:20:00+00:00"


def profile_study(tmp_path, **profile):
    shutil.copy(PROFILE, tmp_path / PROFILE.name)  # a study names files relative to its own folder
    spec = {
        "profile": PROFILE.name,
        "source": "SYNTHETIC example profile (tests)",
        "carbon_aware_window_hours": 3,
        "carbon_aware_horizon_hours": 24,
        **profile,
    }
    path = edited_copy(TINY, tmp_path, lca__grid_profile=spec, impact_methods=[list(m) for m in FOUR_METHODS])
    return load_study(path)


def inventory(study, run_id=RUN_ID):
    names = study.variant_names()
    return build_inventory(
        study,
        run_id,
        training=energy("training", 0.05, duration_s=7200.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks={n: bench(n, 2e-7 / (i + 1)) for i, n in enumerate(names)},
    )


def test_without_a_profile_nothing_is_time_dependent():
    inv = inventory(load_study(TINY))
    assert inv.time_of_use is None
    assert not [p.name for p in inv.providers if "@" in p.name]


def test_training_is_booked_when_the_run_happened_and_inference_over_the_year(tmp_path):
    inv = inventory(profile_study(tmp_path))
    profile = read_profile(str(PROFILE))
    info = inv.time_of_use
    start = profile.index_at(profile.times[0].replace(month=3, day=4, hour=17))
    assert info.run_start.startswith("2025-03-04T17:00")
    assert info.run_kg_co2e_per_kwh == pytest.approx(sum(profile.climate[start : start + 3]) / 3)
    assert info.inference_kg_co2e_per_kwh == pytest.approx(sum(profile.climate) / len(profile.climate))
    assert info.aware_kg_co2e_per_kwh <= info.run_kg_co2e_per_kwh
    grids = {a.key: a for a in inv.background}
    assert grids["grid::SWE@run"].flow("climate").total == pytest.approx(info.run_kg_co2e_per_kwh)
    training = inv.provider("training_run")
    assert training.uses[0].input.endswith("@run")


def test_a_declared_inference_load_weights_the_hours(tmp_path):
    night = [1.0] * 6 + [0.0] * 18
    info = inventory(profile_study(tmp_path, inference_load=night)).time_of_use
    profile = read_profile(str(PROFILE))
    nights = [v for t, v in zip(profile.times, profile.climate) if t.hour < 6]
    assert info.inference_kg_co2e_per_kwh == pytest.approx(sum(nights) / len(nights))


def test_scores_on_a_profile_equal_brightways_and_the_carbon_aware_scenario_saves(tmp_path, bw_project):
    inv = inventory(profile_study(tmp_path))
    database = write_inventory(inv, project=bw_project)
    results = compute_scores(inv, database, FOUR_METHODS, project=bw_project)
    model = compile_model(inv, FOUR_METHODS)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    for s in results.scores:
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)

    units = {tuple(m): "" for m in FOUR_METHODS}
    found = time_of_use(inv, FOUR_METHODS, units, 400, seed=3)
    climate = [r for r in found.carbon_aware if r.method == tuple(FOUR_METHODS[0])]
    assert len(climate) == len([s for s in inv.scenarios if not s.is_reference])  # each ML variant
    info = inv.time_of_use
    expected_ratio = info.aware_kg_co2e_per_kwh / info.run_kg_co2e_per_kwh
    for row in climate:
        assert row.saving > 0 and row.saving_p2_5 > 0 and row.p_saves == 1.0  # paired: always a saving
        assert row.carbon_aware < row.as_run
    assert expected_ratio < 1
    when = [w for w in found.when if w.method == tuple(FOUR_METHODS[0]) and w.scenario == "baseline"]
    assert len(when) == 24 and sum(w.is_run_time for w in when) == 1
    best = min(when, key=lambda w: w.score)
    assert best.score >= min(r.carbon_aware for r in climate if r.scenario == "baseline") - 1e-12


def test_a_bad_profile_fails_validation_naming_the_file_line_and_column(tmp_path):
    bad = tmp_path / "profile.csv"
    bad.write_text(
        "timestamp,g_co2e_per_kwh\n"
        + "".join(f"2025-01-01T{h:02d}:00:00,40\n" for h in range(23))
        + "2025-01-01T23:00:00,lots\n"
    )
    path = edited_copy(TINY, tmp_path, lca__grid_profile={"profile": "profile.csv", "source": "test profile"})
    done = cli("validate", str(path))
    assert done.returncode == 1
    assert f"{bad}:25" in done.stderr and "g_co2e_per_kwh" in done.stderr and "'lots'" in done.stderr
