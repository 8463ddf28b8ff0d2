"""Correctness: a case computed by hand, its paired Monte Carlo against the analytic answer, and BLOOM.

Hand case: one grid with a lognormal CO2 factor g (median 0.5 kg/kWh, GSD 1.2) and a
certain water factor. ML: 4 kWh training + 2 kWh inference at PUE 1.25. Reference:
30 hours of a 100 W computer. So ML = 7.5 g, reference = 3 g, and the paired
difference ML - reference = 4.5 g: lognormal with median 2.25 and log-SD ln 1.2.

BLOOM: Luccioni, Viguier and Ligozat, "Estimating the Carbon Footprint of BLOOM, a
176B Parameter Language Model", JMLR 24(253), 2023: dynamic training consumption
433,196 kWh on a grid of 57 gCO2eq/kWh, 24.69 t CO2eq (PUE not applied).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores_and_stages
from lca.assessment.brightway.montecarlo import paired_draws
from lca.assessment.engine import compile_model, deterministic, evaluate, sample, scenario_totals
from lca.assessment.inventory import build_inventory
from lca.study.life_cycle import GridOverride, LcaSpec
from lca.study.loading import load_study
from lca.study.reference_data import Parameter
from lca.uncertainty import NO_UNCERTAINTY
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import REPO
from tests.lca_cases import G_GSD, G_MEDIAN, hand_inventory
from tests.records_factory import bench, energy

GWP, WATER = FOUR_METHODS[0], FOUR_METHODS[3]
AWARE = 42.95


@pytest.fixture(scope="module")
def hand(bw_project):
    inv = hand_inventory("hand-1")
    return inv, write_inventory(inv, project=bw_project)


def test_the_hand_case_is_reproduced_by_brightway_and_by_the_engine_to_1e6(hand, bw_project):
    inv, database = hand
    expected = {
        ("ml", GWP): 6 * 1.25 * 0.5,  # 3.75 kg CO2-eq
        ("reference", GWP): 30 * 0.1 * 0.5,  # 1.5
        ("ml", WATER): 6 * 1.25 * 0.002 * AWARE,
        ("reference", WATER): 3 * 0.002 * AWARE,
    }
    results, stages = compute_scores_and_stages(inv, database, [GWP, WATER], project=bw_project)
    bw = {(s.scenario, tuple(s.method)): s.score for s in results.scores}
    assert bw == pytest.approx(expected, rel=1e-6)
    assert {(s.scenario, s.stage): s.score for s in stages if tuple(s.method) == GWP} == pytest.approx(
        {("ml", "training"): 2.5, ("ml", "inference"): 1.25, ("reference", "human work"): 1.5}, rel=1e-6
    )
    model = compile_model(inv, [GWP, WATER])
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    mine = {(name, m): totals[i, j] for i, name in enumerate(model.scenario_names) for j, m in enumerate(model.methods)}
    assert mine == pytest.approx(expected, rel=1e-6)


def _analytic_difference():
    """ML - reference = 4.5 g, lognormal: median 2.25, log-SD ln 1.2."""
    median, sigma = 4.5 * G_MEDIAN, math.log(G_GSD)
    mean = median * math.exp(sigma**2 / 2)
    sd = mean * math.sqrt(math.exp(sigma**2) - 1)
    q = {p: median * math.exp(sigma * NormalDist().inv_cdf(p)) for p in (0.025, 0.5, 0.975)}
    return mean, sd, q


def test_the_engines_paired_difference_has_the_analytic_distribution(hand):
    inv, _ = hand
    model = compile_model(inv, [GWP])
    totals = scenario_totals(model, evaluate(model, sample(model, 100_000, seed=5)))[:, 0, :]
    difference = totals[0] - totals[1]
    mean, sd, q = _analytic_difference()
    assert abs(difference.mean() - mean) < 4 * sd / math.sqrt(difference.size)
    for p, value in q.items():
        assert np.quantile(difference, p) == pytest.approx(value, rel=0.01)
    assert np.allclose(totals[0] / totals[1], 2.5, rtol=1e-12)  # paired: one draw of g for both


def test_brightways_paired_monte_carlo_gives_the_same_difference(hand, bw_project):
    inv, database = hand
    draws = paired_draws(inv, database, [GWP], iterations=400, seed=9, project=bw_project)[:, 0, :]
    difference = draws[0] - draws[1]
    mean, sd, _ = _analytic_difference()
    assert abs(difference.mean() - mean) < 4 * sd / math.sqrt(difference.size)
    assert np.allclose(draws[0] / draws[1], 2.5, rtol=1e-6)


BLOOM_KWH = 433_196
BLOOM_TONNES = 24.69


def _bloom_study():
    study = load_study(REPO / "tests" / "data" / "tiny_digits.yaml")
    grid = Parameter(
        value=57,
        unit="g/kWh",
        source="Luccioni, Viguier, Ligozat, JMLR 24(253), 2023: carbon intensity of the grid of Jean Zay (France)",
        uncertainty=NO_UNCERTAINTY,
    )
    pue = Parameter(
        value=1.0,
        unit="dimensionless",
        source="BLOOM's dynamic consumption is reported before PUE",
        uncertainty=NO_UNCERTAINTY,
    )
    return study.model_copy(
        update={
            "deployment": study.deployment.model_copy(update={"pue": pue}),
            "lca": LcaSpec(grid_override=GridOverride(climate=grid)),
        }
    )


def test_blooms_training_emissions_are_reproduced_within_one_percent_through_the_inventory_and_brightway(bw_project):
    study = _bloom_study()
    names = study.variant_names()
    inv = build_inventory(
        study,
        "bloom",
        training=energy("training", BLOOM_KWH, duration_s=118 * 24 * 3600.0),
        compression={n: energy(f"compression:{n}", 0.0) for n in names[1:]},
        benchmarks={n: bench(n, 1e-9) for n in names},
    )
    database = write_inventory(inv, project=bw_project)
    _, stages = compute_scores_and_stages(inv, database, [GWP], project=bw_project)
    training = next(s.score for s in stages if s.scenario == "baseline" and s.stage == "training")
    assert training / 1000 == pytest.approx(BLOOM_TONNES, rel=0.01)
    assert training == pytest.approx(BLOOM_KWH * 0.057, rel=1e-6)
    model = compile_model(inv, [GWP])
    index = next(
        i
        for i, (s, name, *_r) in enumerate(model.stages)
        if model.scenario_names[s] == "baseline" and name == "training"
    )
    assert deterministic(model)[index, 0, 0] == pytest.approx(training, rel=1e-6)


def test_the_digits_people_stages_are_recomputed_by_hand_to_1e6_with_the_new_terms():
    """Digits (France, devices and office): the reference, development and retraining, written out.

    One clerk hour  = 70 W desktop x 1 h x g + embodied of desktop and monitor per hour of use + one office hour
    One office hour = 95 kWh/m2/yr x 0.75 (not workstations) x 10.9 m2 / 1700 h x g
                      + 120 kWh/m2/yr x 10.9 m2 / 1700 h x (4799.0 / 5764.8 = 0.8325: France's heating degree
                        days over the UK's, GCAM population-weighted °F-days) x 0.20196 kg/kWh gas
    Reference       = 1e6 digits x 0.55 s (KLM: M + 5 K = 1.35 + 5 x 0.28 = 2.75 s per 5-digit field) / 3600 s/h
                      x one clerk hour
    Engineer hour   = 75 W laptop x 1 h x g + the laptop's embodied share per hour + one office hour
    Development     = 40 h x engineer hour x (1 year / 3 years of service life)
    Retraining      = 4 builds a year x 4 h x engineer hour
    """
    from lca.assessment.hardware import hardware_table

    study = load_study(REPO / "include" / "studies" / "digits.yaml")
    assert study.lca.service_life == "model_service_life_years" and study.lca.retraining_hours is not None
    inv = build_inventory(
        study.model_copy(update={"deployment": study.deployment.model_copy(update={"allocation": "whole_machine"})}),
        "hand-digits",
        training=energy("training", 0.02, duration_s=40.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in study.variant_names()[1:]},
        benchmarks={n: bench(n, 2e-9) for n in study.variant_names()},
    )
    g = inv.grid_kg_co2e_per_kwh
    table = hardware_table()

    def embodied_per_hour(device_id):
        d = table.device(device_id)
        return d.totals["climate"] / (d.lifetime_hours * d.use_ratio)

    office_h = 95 * 0.75 * 10.9 / 1700 * g + 120 * 10.9 / 1700 * (4799.0 / 5764.8) * 0.20196
    clerk_h = 0.070 * g + embodied_per_hour("desktop_pro") + embodied_per_hour("monitor") + office_h
    engineer_h = 0.075 * g + embodied_per_hour("laptop_pro") + office_h
    expected = {
        ("reference", "human work"): 1e6 * 0.55 / 3600 * clerk_h,
        ("baseline", "development"): 40 * engineer_h * (1 / 3),
        ("baseline", "retraining (engineers)"): 4 * 4 * engineer_h,
    }
    model = compile_model(inv, [GWP])
    scores = deterministic(model)
    mine = {}
    for i, (s, name, *_r) in enumerate(model.stages):
        key = (model.scenario_names[s], name)
        if key in expected:
            mine[key] = mine.get(key, 0.0) + scores[i, 0, 0]
    assert mine == pytest.approx(expected, rel=1e-6)
