"""The project's vectorised engine computes what Brightway computes, deterministically and in distribution."""

from __future__ import annotations

import numpy as np
import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores_and_stages
from lca.assessment.brightway.montecarlo import paired_draws
from lca.assessment.engine import compile_model, deterministic, draw, evaluate, quantile, sample, scenario_totals
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty
from tests.bw_fixtures import FOUR_METHODS
from tests.records_factory import digits_inventory


@pytest.fixture(scope="module")
def written(bw_project):
    inv = digits_inventory("engine-1")
    return inv, write_inventory(inv, project=bw_project)


def test_deterministic_scenario_and_stage_scores_equal_brightways_to_1e6(written, bw_project):
    inv, database = written
    results, stages = compute_scores_and_stages(inv, database, FOUR_METHODS, project=bw_project)
    model = compile_model(inv, FOUR_METHODS)
    stage_scores = deterministic(model)
    totals = scenario_totals(model, stage_scores)[:, :, 0]
    assert len(results.scores) == len(inv.scenarios) * 4
    for s in results.scores:
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)
    index = {(model.scenario_names[sc], name): i for i, (sc, name, *_rest) in enumerate(model.stages)}
    for s in stages:
        assert stage_scores[index[(s.scenario, s.stage)], model.methods.index(tuple(s.method)), 0] == pytest.approx(
            s.score, rel=1e-6, abs=1e-12
        )


def test_monte_carlo_means_agree_with_brightways_paired_multilca_within_their_statistical_error(written, bw_project):
    inv, database = written
    bw = paired_draws(inv, database, FOUR_METHODS, iterations=300, seed=11, project=bw_project)
    model = compile_model(inv, FOUR_METHODS)
    mine = scenario_totals(model, evaluate(model, sample(model, 20_000, seed=12)))
    se = np.sqrt(bw.var(axis=2, ddof=1) / bw.shape[2] + mine.var(axis=2, ddof=1) / mine.shape[2])
    z = np.abs(bw.mean(axis=2) - mine.mean(axis=2)) / se
    assert z.max() < 4.5, z.round(1)
    # and the medians, which the heavy lognormal tails do not dominate
    assert np.median(bw, axis=2) == pytest.approx(np.median(mine, axis=2), rel=0.12)


def test_shared_inputs_are_drawn_once_per_iteration_for_every_scenario():
    # Only the grid's CO2 factor is uncertain: every scenario scales with the same draw, ratios stay put.
    inv = digits_inventory("engine-paired")
    calm = inv.model_copy(
        update={
            "providers": [
                p.model_copy(
                    update={
                        "uncertainty": NO_UNCERTAINTY,
                        "uses": [u.model_copy(update={"uncertainty": NO_UNCERTAINTY}) for u in p.uses],
                    }
                )
                for p in inv.providers
            ],
            "scenarios": [
                s.model_copy(
                    update={"stages": [f.model_copy(update={"uncertainty": NO_UNCERTAINTY}) for f in s.stages]}
                )
                for s in inv.scenarios
            ],
            "background": [
                a.model_copy(
                    update={
                        "flows": [
                            f
                            if (a.key.startswith("grid::") and f.category == "climate")
                            else f.model_copy(update={"uncertainty": NO_UNCERTAINTY})
                            for f in a.flows
                        ]
                    }
                )
                for a in inv.background
            ],
        }
    )
    model = compile_model(calm, FOUR_METHODS[:1])
    (grid_co2,) = [i for i, e in enumerate(model.exchanges) if e.uncertain]
    # Each scenario's score is a + b g in the grid factor g: find a and b, then read g back from every draw.
    at = model.amounts[:, None].repeat(2, axis=1)
    at[grid_co2] = [0.0, 1.0]
    a, a_plus_b = scenario_totals(model, evaluate(model, at))[:, 0, :].T
    draws = scenario_totals(model, evaluate(model, sample(model, 50, seed=3)))[:, 0, :]
    g = (draws - a[:, None]) / (a_plus_b - a)[:, None]
    assert np.allclose(g, g[0], rtol=1e-9)  # the same draw of g in every scenario
    assert np.unique(g[0].round(12)).size == 50  # ... and a new one at every iteration


@pytest.mark.parametrize(
    "u",
    [
        Uncertainty(distribution="lognormal", gsd=1.6),
        Uncertainty(distribution="normal", relative_sd=0.1),
        Uncertainty(distribution="uniform", minimum=1.0, maximum=4.0),
        Uncertainty(distribution="triangular", minimum=1.0, maximum=4.0),
    ],
)
def test_draws_follow_the_declared_distribution_and_its_quantiles(u):
    amount = 2.0
    values = draw(np.random.Generator(np.random.PCG64(1)), amount, u, 200_000)
    for p in (0.025, 0.5, 0.975):
        assert np.quantile(values, p) == pytest.approx(quantile(amount, u, p), rel=0.01)
    if u.distribution == "lognormal":
        assert np.median(values) == pytest.approx(amount, rel=0.01)  # stats_arrays: the amount is the median
