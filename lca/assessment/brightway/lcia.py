"""Impact scores of a run's scenarios, and of each of their life-cycle stages.

All scenarios and stages are demands of one ``bw2calc.MultiLCA``: one
technosphere and one biosphere matrix serve them all. That is cheaper, and it
is what makes a paired Monte Carlo possible later: build the calculation with
``use_distributions=True`` and a seed, and every ``next(calculation.mlca)``
draws the shared matrices once for all demands, so differences between
scenarios are not blurred by independent draws of the factors they share.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from lca.assessment.brightway.bundled import MethodName
from lca.assessment.brightway.foreground import stage_code
from lca.assessment.brightway.layout import biosphere_databases, resolve_methods
from lca.assessment.brightway.project import activate, current_project
from lca.errors import LcaError
from lca.records import ImpactScore, LciaResults, StageScore, StudyInventory


@dataclass
class Calculation:
    """A MultiLCA over a run's scenarios (and stages), with the bookkeeping to read it back."""

    inv: StudyInventory
    database: str
    project: str
    methods: list[MethodName]  # as the study names them
    bw_methods: dict[MethodName, MethodName]  # study's name -> the project's (prefixed in an ecoinvent project)
    units: dict[MethodName, str]
    scenario_demands: dict[str, str]  # demand label -> scenario name
    stage_demands: dict[str, tuple[str, str]]  # demand label -> (scenario name, stage)
    mlca: Any  # bw2calc.MultiLCA; Any so importing this module does not import bw2calc

    def scores(self) -> list[ImpactScore]:
        """Scores of the current iteration (the deterministic one unless ``next(mlca)`` was called)."""
        raw = self.mlca.scores
        return [
            ImpactScore(
                scenario=scenario,
                method=method,
                unit=self.units[method],
                score=float(raw[(self.bw_methods[method], label)]),
            )
            for label, scenario in self.scenario_demands.items()
            for method in self.methods
        ]

    def stage_scores(self) -> list[StageScore]:
        raw = self.mlca.scores
        return [
            StageScore(
                scenario=scenario,
                stage=stage,
                method=method,
                unit=self.units[method],
                score=float(raw[(self.bw_methods[method], label)]),
            )
            for label, (scenario, stage) in self.stage_demands.items()
            for method in self.methods
        ]

    def results(self) -> LciaResults:
        return LciaResults(
            study=self.inv.study,
            run_id=self.inv.run_id,
            scores=self.scores(),
            brightway_project=self.project,
            foreground_database=self.database,
            stages=self.stage_scores() if self.stage_demands else [],
        )


def build_calculation(
    inv: StudyInventory,
    database: str,
    methods: Iterable[Sequence[str]],
    project: str | None = None,
    *,
    stages: bool = True,
    use_distributions: bool = False,
    seed: int | None = None,
) -> Calculation:
    """Load the matrices and compute the deterministic scores (or the first draw, with distributions).

    Demand labels are opaque (``scenario 0``, ``stage 0.1``) so no scenario name
    can collide with them; the :class:`Calculation` maps them back.
    """
    method_names = [tuple(m) for m in methods]
    project = current_project(project)
    bd = activate(project)
    if database not in bd.databases:
        raise LcaError(
            f"no foreground database {database!r} in Brightway project {project!r}: write the inventory first"
        )
    bw_methods = resolve_methods(bd, method_names)

    ids = {node["code"]: node.id for node in bd.Database(database)}

    def node_id(code: str) -> int:
        if code not in ids:
            raise LcaError(
                f"foreground database {database!r} has no activity {code!r}: was it written from this inventory?"
            )
        return ids[code]

    demands: dict[str, dict[int, float]] = {}
    scenario_demands: dict[str, str] = {}
    stage_demands: dict[str, tuple[str, str]] = {}
    for i, scenario in enumerate(inv.scenarios):
        label = f"scenario {i}"
        demands[label] = {node_id(scenario.name): 1.0}
        scenario_demands[label] = scenario.name
        if stages:
            for j, flow in enumerate(scenario.stages):
                label = f"stage {i}.{j}"
                demands[label] = {node_id(stage_code(scenario.name, flow.stage)): 1.0}
                stage_demands[label] = (scenario.name, flow.stage)

    mlca = run_multi_lca(
        bd,
        demands,
        list(bw_methods.values()),
        use_distributions=use_distributions,
        seed=seed,
        zero_expected={bw_methods[m] for m in _nothing_to_characterise(inv, method_names)},
    )
    return Calculation(
        inv=inv,
        database=database,
        project=project,
        methods=method_names,
        bw_methods=bw_methods,
        units={m: bd.methods[bw_methods[m]].get("unit", "") for m in method_names},
        scenario_demands=scenario_demands,
        stage_demands=stage_demands,
        mlca=mlca,
    )


def compute_scores(
    inv: StudyInventory, database: str, methods: Iterable[Sequence[str]], project: str | None = None
) -> LciaResults:
    """Deterministic score of every scenario for every method."""
    return build_calculation(inv, database, methods, project, stages=False).results()


def stage_contributions(
    inv: StudyInventory, database: str, methods: Iterable[Sequence[str]], project: str | None = None
) -> list[StageScore]:
    """Deterministic score of every (scenario, stage) for every method."""
    return build_calculation(inv, database, methods, project).stage_scores()


def compute_scores_and_stages(
    inv: StudyInventory, database: str, methods: Iterable[Sequence[str]], project: str | None = None
) -> tuple[LciaResults, list[StageScore]]:
    """Both of the above from one matrix build."""
    calculation = build_calculation(inv, database, methods, project)
    return calculation.results(), calculation.stage_scores()


def _nothing_to_characterise(inv: StudyInventory, methods: list[MethodName]) -> list[MethodName]:
    """Methods whose bundled category the inventory books nothing in, with nothing linked: their zero is right."""
    from lca.study.impact_methods import bundled_category

    activities = inv.background_activities()
    if any(a.linked for a in activities):
        return []
    booked = {flow.category for a in activities for flow in a.flows if flow.amount > 0}
    return [m for m in methods if bundled_category(m) is not None and bundled_category(m) not in booked]


def run_multi_lca(
    bd: Any,
    demands: dict,
    methods: list,
    *,
    use_distributions: bool = False,
    seed=None,
    zero_expected: AbstractSet[MethodName] = frozenset(),
) -> Any:
    """bw2calc's MultiLCA of ``demands`` under ``methods`` (the project's names), inventory and impact assessment done.

    Quiet about bw2calc's advice to install pypardiso, loud about the rest: a method whose
    characterisation matrix is all zero for these demands characterises none of the flows
    they emit (a method written for another biosphere database, typically), and a score of
    zero from it would be a silent error, so it raises with the fix; unless the caller knows
    the demands book nothing in that method's category (``zero_expected``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import bw2calc

    config = {"impact_categories": methods}
    with warnings.catch_warnings():
        # Raised below with the fix, rather than warned.
        warnings.filterwarnings("ignore", message="All values in characterization matrix", category=UserWarning)
        mlca = bw2calc.MultiLCA(
            demands,
            config,
            bd.get_multilca_data_objs(demands, config),
            use_distributions=use_distributions,
            seed_override=seed,
        )
        mlca.lci()
        mlca.lcia()
    empty = [
        m
        for m in methods
        if tuple(m) not in zero_expected and mlca.characterization_matrices[tuple(m)].count_nonzero() == 0
    ]
    if empty:
        raise LcaError(all_zero_message(bd, empty))
    return mlca


def all_zero_message(bd: Any, methods: Sequence[MethodName]) -> str:
    """Why a characterisation matrix is all zero, and what to do about it."""
    biospheres = biosphere_databases(bd)
    lines = []
    for method in methods:
        written_for = bd.methods.get(tuple(method), {}).get("database")
        lines.append(f"{tuple(method)!r}" + (f" (written for biosphere {written_for!r})" if written_for else ""))
    return (
        f"Brightway project {bd.projects.current!r}: the characterisation matrix of "
        + "; ".join(lines)
        + " is all zero: it characterises none of the elementary flows these activities emit, so every score "
        "would be 0. The project's biosphere database(s): "
        f"{biospheres}. Name a method written for the biosphere the activities use (an ecoinvent project "
        "imported by bw2io.import_ecoinvent_release prefixes its methods, e.g. ('ecoinvent-3.10', 'IPCC 2021', "
        "...)), or one that characterises what they emit"
    )
