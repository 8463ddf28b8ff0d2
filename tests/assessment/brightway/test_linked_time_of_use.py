"""A linked electricity market on an hourly profile: the hour says when, the practitioner's market says how much.

Issue 21: each time slot is the linked market with its scores multiplied by the slot's
intensity relative to the profile's mean; checked here against a hand calculation from the
profile's CSV rows, against Brightway's own scores of the exported foreground, and in the
paired draws.
"""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.brightway.linking import linked_background
from lca.assessment.engine import compile_model, deterministic, sample, scenario_totals
from lca.assessment.inventory import build_inventory
from lca.assessment.time_sensitivity import time_of_use
from lca.records import method_key
from lca.study.impact_methods import GWP100
from lca.study.loading import load_study
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import REPO
from tests.practitioner_fixtures import LINKS
from tests.records_factory import bench, energy
from tests.study_files import edited_copy

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"  # runs in Sweden, as LINKS' market does
PROFILE = REPO / "examples" / "time_of_use" / "SYNTHETIC_grid_profile_SE.csv"
RUN_ID = "manual__2025-03-04T17:20:00+00:00"  # training booked 3 h from 17:00 UTC


def _hand_ratios() -> tuple[float, float]:
    """(training window, flat inference) intensity over the profile's mean, from the CSV rows themselves."""
    with PROFILE.open(newline="") as fh:
        rows = {r["timestamp"]: float(r["g_co2e_per_kwh"]) for r in csv.DictReader(fh)}
    mean = sum(rows.values()) / len(rows)
    window = [rows[f"2025-03-04T{h}:00:00+00:00"] for h in (17, 18, 19)]
    return sum(window) / 3 / mean, 1.0


@pytest.fixture(scope="module")
def linked(practitioner_project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("linked-profile")
    shutil.copy(PROFILE, folder / PROFILE.name)
    spec = {
        "profile": PROFILE.name,
        "source": "SYNTHETIC example profile (tests)",
        "carbon_aware_window_hours": 3,
        "carbon_aware_horizon_hours": 24,
    }
    path = edited_copy(
        TINY,
        folder,
        lca__grid_profile=spec,
        lca__background=LINKS,
        impact_methods=[list(m) for m in FOUR_METHODS],
    )
    study = load_study(path)
    project = practitioner_project["project"]
    links, draws = linked_background(study, project)
    names = study.variant_names()
    inv = build_inventory(
        study,
        RUN_ID,
        training=energy("training", 0.05, duration_s=7200.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks={n: bench(n, 2e-7 / (i + 1)) for i, n in enumerate(names)},
        links=links,
        background_draws=draws,
    )
    return {"inv": inv, "project": project, "market": links["grid::SWE"]}


def test_each_slot_is_the_linked_market_scaled_by_its_hours_intensity_over_the_profiles_mean(linked):
    inv, market = linked["inv"], linked["market"]
    run_ratio, inference_ratio = _hand_ratios()
    grids = {a.key: a for a in inv.background}
    assert grids["grid::SWE"] == market  # people and offices: the linked market as it is
    for key, ratio in (("grid::SWE@run", run_ratio), ("grid::SWE@inference", inference_ratio)):
        slot = grids[key]
        assert slot.linked and (slot.database, slot.database_code) == (market.database, market.database_code)
        assert slot.unit_factor == pytest.approx(market.unit_factor * ratio, rel=1e-9)
        for method in FOUR_METHODS:
            assert slot.scores[method_key(method)] == pytest.approx(market.scores[method_key(method)] * ratio, rel=1e-9)
    assert run_ratio != pytest.approx(1.0, abs=0.05)  # the test can tell a scaled slot from an unscaled one
    info = inv.time_of_use
    gwp = market.scores[method_key(GWP100)]
    assert info.run_kg_co2e_per_kwh == pytest.approx(gwp * run_ratio, rel=1e-9)
    assert info.national_kg_co2e_per_kwh == pytest.approx(gwp)


def test_the_scaling_is_stated_in_the_notes_and_the_time_of_use_record(linked):
    info = linked["inv"].time_of_use
    assert (
        "relative to the profile's mean" in info.linked_scaling and LINKS["electricity"]["name"] in info.linked_scaling
    )
    assert any(info.linked_scaling in note for note in linked["inv"].notes)


def test_brightway_scores_the_exported_slots_as_the_engine_does(linked):
    inv, project = linked["inv"], linked["project"]
    database = write_inventory(inv, project=project)
    results = compute_scores(inv, database, FOUR_METHODS, project=project)
    model = compile_model(inv, FOUR_METHODS)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    for s in results.scores:
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)


def test_the_slots_draws_are_the_markets_brightway_draws_times_the_same_ratio(linked):
    inv = linked["inv"]
    model = compile_model(inv, FOUR_METHODS)
    values = sample(model, 50, seed=4)
    index = {key: b for b, (key, _) in enumerate(model.background)}
    market, slot = model.linked[index["grid::SWE"]], model.linked[index["grid::SWE@run"]]
    run_ratio, _ = _hand_ratios()
    for m in range(len(FOUR_METHODS)):
        assert np.allclose(values[slot[m]], values[market[m]] * run_ratio, rtol=1e-9)
        assert values[market[m]].std() > 0  # Brightway's draws, not a constant


def test_carbon_aware_training_on_a_linked_grid_saves_in_every_paired_draw(linked):
    inv = linked["inv"]
    found = time_of_use(inv, FOUR_METHODS, {tuple(m): "" for m in FOUR_METHODS}, 200, seed=3)
    climate = [r for r in found.carbon_aware if r.method == tuple(FOUR_METHODS[0])]
    assert climate and all(r.saving > 0 and r.p_saves == 1.0 for r in climate)
    assert found.linked_scaling == inv.time_of_use.linked_scaling  # what the report's When section states
    hours = [w for w in found.when if w.method == tuple(FOUR_METHODS[0]) and w.scenario == "baseline"]
    assert len(hours) == 24 and all(w.kg_co2e_per_kwh > 0 for w in hours)


def test_the_reports_when_section_states_the_scaling(linked, tmp_path):
    import jinja2

    from lca.records import SensitivityResults
    from lca.reporting.formats import sig
    from lca.reporting.when_section import when_context

    inv = linked["inv"]
    found = time_of_use(inv, FOUR_METHODS, {tuple(m): "" for m in FOUR_METHODS}, 100, seed=3)
    sensitivity = SensitivityResults(
        study=inv.study, run_id=inv.run_id, countries=[], country_iterations=0, tornado=[], time_of_use=found
    )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lca.reporting", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["sig"] = sig
    html = env.get_template("lca_when.html.j2").render(lca={"when": when_context(tmp_path, sensitivity)})
    assert "Linked electricity on the profile" in html and "relative to the profile&#39;s mean" in html
