"""Brightway's own Monte Carlo, to validate and to time the project's engine against.

Two loops over ``bw2calc``'s sampled matrices:

* :func:`paired_draws`: one ``MultiLCA`` over every scenario with
  ``use_distributions=True``; each ``next()`` draws the matrices once for all
  scenarios (paired, like :mod:`lca.assessment.engine`);
* :func:`per_scenario_draws`: the classic loop, one calculation per scenario,
  each drawing its own matrices (unpaired), as Brightway 2 users wrote it with
  ``MonteCarloLCA``.

Both return totals of shape (scenarios, methods, iterations).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lca.assessment.brightway.layout import resolve_methods
from lca.assessment.brightway.lcia import build_calculation, run_multi_lca
from lca.assessment.brightway.project import activate
from lca.records import StudyInventory


def paired_draws(
    inv: StudyInventory,
    database: str,
    methods: Sequence[Sequence[str]],
    iterations: int,
    seed: int,
    project: str | None = None,
) -> np.ndarray:
    calc = build_calculation(inv, database, methods, project, stages=False, use_distributions=True, seed=seed)
    labels = list(calc.scenario_demands)
    out = np.empty((len(labels), len(calc.methods), iterations))
    for k in range(iterations):
        next(calc.mlca)
        raw = calc.mlca.scores
        for i, label in enumerate(labels):
            for j, method in enumerate(calc.methods):
                out[i, j, k] = raw[(calc.bw_methods[method], label)]
    return out


def per_scenario_draws(
    inv: StudyInventory,
    database: str,
    methods: Sequence[Sequence[str]],
    iterations: int,
    seed: int,
    project: str | None = None,
) -> np.ndarray:
    bd = activate(project)
    names = resolve_methods(bd, methods)
    methods = [names[tuple(m)] for m in methods]
    ids = {node["code"]: node.id for node in bd.Database(database)}
    out = np.empty((len(inv.scenarios), len(methods), iterations))
    for i, scenario in enumerate(inv.scenarios):
        demands = {"scenario": {ids[scenario.name]: 1.0}}
        mlca = run_multi_lca(bd, demands, methods, use_distributions=True, seed=seed + i)
        for k in range(iterations):
            next(mlca)
            for j, method in enumerate(methods):
                out[i, j, k] = mlca.scores[(method, "scenario")]
    return out
