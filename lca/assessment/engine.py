"""The project's own evaluation of an inventory: deterministic, Monte Carlo, one-at-a-time.

The foreground is linear in its inputs: a scenario's score is a sum over stages
of products of exchange amounts along the chain stage -> provider -> ... ->
background activity -> carrier flow x characterization factor. So instead of
building and solving matrices per draw (what Brightway does), the inventory is
compiled once into that chain and evaluated for all draws at once with numpy.

Every exchange of the Brightway foreground (and of the background activities it
uses) is one :class:`Exchange` here, with the same amount and distribution, and
each is drawn once per iteration for every scenario that uses it: the Monte
Carlo is paired by construction, exactly as a ``bw2calc.MultiLCA`` with
``use_distributions=True`` is. ``tests/test_engine.py`` checks the deterministic
scores against Brightway to 1e-6 and the Monte Carlo means against Brightway's
within their statistical error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from lca.assessment.characterization import CATEGORIES, cf_matrix
from lca.errors import LcaError
from lca.records import BackgroundActivity, StudyInventory, method_key
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

_Z = NormalDist()


@dataclass(frozen=True)
class Exchange:
    """One amount of the inventory and its distribution (stats_arrays semantics: the amount is the median/mode)."""

    amount: float
    uncertainty: Uncertainty
    group: str
    where: str  # for messages and the tornado's labels

    @property
    def uncertain(self) -> bool:
        return self.uncertainty.distribution != "none" and self.amount != 0


@dataclass
class Model:
    """An inventory compiled for evaluation; indices point into ``exchanges``."""

    inventory: StudyInventory
    methods: list[tuple[str, ...]]
    cf: np.ndarray  # (methods, categories)
    exchanges: list[Exchange] = field(default_factory=list)
    background: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)  # key, [(category, exchange)]
    # Linked activities of the practitioner's background: index in ``background`` -> one exchange per method holding
    # Brightway's characterised score per unit; their draws come from Brightway's own Monte Carlo (cached).
    linked: dict[int, list[int]] = field(default_factory=dict)
    linked_activities: dict[int, BackgroundActivity] = field(default_factory=dict)
    providers: list[tuple[str, int | None, list[tuple[str, int, int]]]] = field(default_factory=list)
    stages: list[tuple[int, str, int, int, float]] = field(
        default_factory=list
    )  # scenario, stage, provider, exch, share
    scenario_names: list[str] = field(default_factory=list)

    def _add(self, amount: float, uncertainty: Uncertainty, group: str, where: str) -> int:
        self.exchanges.append(Exchange(float(amount), uncertainty, group, where))
        return len(self.exchanges) - 1

    @property
    def amounts(self) -> np.ndarray:
        return np.array([e.amount for e in self.exchanges], dtype=float)

    def indices(self, group: str) -> list[int]:
        """Every exchange of a group, certain or not (supplied draws may widen a certain one)."""
        return [i for i, e in enumerate(self.exchanges) if (e.group or e.where) == group]

    def groups(self) -> dict[str, list[int]]:
        """Uncertain exchanges by group (one-at-a-time sensitivity varies a group together)."""
        out: dict[str, list[int]] = {}
        for i, e in enumerate(self.exchanges):
            if e.uncertain:
                out.setdefault(e.group or e.where, []).append(i)
        return out


def compile_model(  # noqa: C901  # one pass over the inventory, one branch per kind of exchange
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    background: dict[str, BackgroundActivity] | None = None,
) -> Model:
    """Compile ``inv`` for ``methods``; ``background`` replaces activities by key (e.g. another country's grid)."""
    methods = [tuple(m) for m in methods]
    model = Model(inventory=inv, methods=methods, cf=np.array(cf_matrix(tuple(methods)), dtype=float))
    activities = {a.key: a for a in inv.background_activities()}
    for key, replacement in (background or {}).items():
        activities[key] = replacement
    bg_index: dict[str, int] = {}
    for key, activity in activities.items():
        if activity.linked:
            missing = [m for m in methods if method_key(m) not in activity.scores]
            if missing:
                raise LcaError(f"linked activity {key!r} ({activity.linked}) has no score for method(s) {missing}")
            group = f"linked background: {activity.name}"
            bg_index[key] = len(model.background)
            model.linked_activities[len(model.background)] = activity
            model.linked[len(model.background)] = [
                model._add(activity.scores[method_key(m)], NO_UNCERTAINTY, group, f"{key} -> {method_key(m)}")
                for m in methods
            ]
            model.background.append((key, []))
            continue
        _check_characterisable(model, key, activity)
        flows = []
        for flow in activity.flows:
            group = f"{activity.name}: {flow.category}"
            if key.startswith("grid::"):
                group = f"grid electricity: {flow.category} per kWh"
            elif key.startswith("device::"):
                group = f"embodied impacts of {key.split('::', 1)[1]}"
            elif key.startswith("heat::"):
                group = f"heating fuel: {flow.category} per kWh"
            ex = model._add(flow.amount, flow.uncertainty, group, f"{key} -> {flow.category}")
            flows.append((CATEGORIES.index(flow.category), ex))
        bg_index[key] = len(model.background)
        model.background.append((key, flows))
    if inv.grid_key not in bg_index:
        raise LcaError(f"inventory {inv.study}/{inv.run_id}: no background activity {inv.grid_key!r}")

    by_name = {p.name: p for p in inv.providers}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise LcaError(f"inventory {inv.study}/{inv.run_id}: providers form a cycle: {' -> '.join(path + (name,))}")
        state[name] = 1
        for use in by_name[name].uses:
            if use.input in by_name:
                visit(use.input, path + (name,))
        state[name] = 2
        order.append(name)

    for name in by_name:
        visit(name, ())
    p_index: dict[str, int] = {}
    for name in order:
        provider = by_name[name]
        elec = None
        if provider.electricity_kwh_per_unit:
            group = provider.electricity_group or f"{name}: electricity"
            elec = model._add(provider.electricity_kwh_per_unit, provider.uncertainty, group, f"{name} -> grid")
        uses = []
        for use in provider.uses:
            if use.input in p_index:
                kind, target = "provider", p_index[use.input]
            elif use.input in bg_index:
                kind, target = "background", bg_index[use.input]
            else:
                raise LcaError(
                    f"inventory {inv.study}/{inv.run_id}: provider {name!r} uses unknown input {use.input!r}"
                )
            ex = model._add(
                use.amount, use.uncertainty, use.group or f"{name} -> {use.input}", f"{name} -> {use.input}"
            )
            uses.append((kind, target, ex))
        p_index[name] = len(model.providers)
        model.providers.append((name, elec, uses))

    for s_i, scenario in enumerate(inv.scenarios):
        model.scenario_names.append(scenario.name)
        for flow in scenario.stages:
            if flow.provider not in p_index:
                raise LcaError(
                    f"inventory {inv.study}/{inv.run_id}: scenario {scenario.name!r}, stage {flow.stage!r}: "
                    f"unknown provider {flow.provider!r}"
                )
            group = flow.group or f"{scenario.name}: {flow.stage} amount"
            ex = model._add(flow.amount, flow.uncertainty, group, f"{scenario.name}/{flow.stage}")
            model.stages.append((s_i, flow.stage, p_index[flow.provider], ex, flow.variable_share))
    return model


def _check_characterisable(model: Model, key: str, activity: BackgroundActivity) -> None:
    """A method with no bundled equivalent (NaN row) cannot score a bundled activity: refuse rather than give 0."""
    if not any(flow.amount for flow in activity.flows):
        return
    blind = [m for m, row in zip(model.methods, model.cf) if np.isnan(row).any()]
    if blind:
        slot = {
            "grid": "lca.background.electricity",
            "device": "lca.background.devices",
            "heat": "lca.background.office_heat",
        }
        field = slot.get(key.split("::", 1)[0], "lca.background")
        raise LcaError(
            f"inventory {model.inventory.study}/{model.inventory.run_id}: {key!r} ({activity.name}) comes from the "
            f"project's bundled background, whose cited totals cover climate, minerals, fossils and water only; "
            f"method(s) {blind} would score it 0. Link it to an activity of your Brightway project ({field}) or "
            "drop those methods from impact_methods"
        )


def evaluate(model: Model, values: np.ndarray, *, only_background: int | None = None) -> np.ndarray:
    """Stage scores, shape (stages, methods, draws), for exchange values of shape (exchanges, draws).

    ``only_background`` keeps one background activity (by index) and zeroes the others:
    the contribution of that activity.
    """
    n = values.shape[1]
    n_methods = model.cf.shape[0]
    bg = []
    for b, (_, flows) in enumerate(model.background):
        acc = np.zeros((n_methods, n))
        if only_background is None or only_background == b:
            for cat, ex in flows:
                acc += model.cf[:, cat, None] * values[ex][None, :]
            for m, ex in enumerate(model.linked.get(b, ())):
                acc[m] = values[ex]
        bg.append(acc)
    grid = next(i for i, (key, _) in enumerate(model.background) if key == model.inventory.grid_key)
    prov: list[np.ndarray] = []
    for _, elec, uses in model.providers:
        acc = np.zeros((n_methods, n))
        if elec is not None:
            acc += values[elec][None, :] * bg[grid]
        for kind, target, ex in uses:
            acc += values[ex][None, :] * (prov[target] if kind == "provider" else bg[target])
        prov.append(acc)
    out = np.empty((len(model.stages), n_methods, n))
    for i, (_, _, p, ex, _) in enumerate(model.stages):
        out[i] = values[ex][None, :] * prov[p]
    return out


def scenario_totals(model: Model, stage_scores: np.ndarray) -> np.ndarray:
    """(scenarios, methods, draws) from stage scores."""
    out = np.zeros((len(model.scenario_names), *stage_scores.shape[1:]))
    for i, (s, *_rest) in enumerate(model.stages):
        out[s] += stage_scores[i]
    return out


def fixed_and_variable(model: Model, stage_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per scenario: the fixed part and the part per item (for the break-even), each (scenarios, methods, draws)."""
    fixed = np.zeros((len(model.scenario_names), *stage_scores.shape[1:]))
    per_item = np.zeros_like(fixed)
    items = model.inventory.items
    for i, (s, _, _, _, share) in enumerate(model.stages):
        fixed[s] += stage_scores[i] * (1.0 - share)
        per_item[s] += stage_scores[i] * share / items
    return fixed, per_item


def deterministic(model: Model) -> np.ndarray:
    return evaluate(model, model.amounts[:, None])


def sample(model: Model, iterations: int, seed: int, supplied: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Exchange values (exchanges, iterations): one independent draw of each exchange per iteration.

    ``supplied`` gives the draws of some groups from elsewhere, in the exchanges' own
    unit, one value per iteration: the paired bootstrap of the test set supplies the
    residual human work of every variant this way (``lca.ml.quality_bootstrap``), so
    its draw ``i`` and every other input's draw ``i`` meet in iteration ``i``. A
    supplied group replaces the exchange's declared distribution, even for an amount
    of 0 (a share with none observed), which a declared spread cannot widen.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    values = np.empty((len(model.exchanges), iterations))
    supplied = supplied or {}
    for i, e in enumerate(model.exchanges):
        given = supplied.get(e.group)
        if given is not None:
            if len(given) < iterations:
                raise LcaError(
                    f"group {e.group!r}: {len(given)} supplied draws for {iterations} Monte Carlo iterations"
                )
            values[i] = given[:iterations]
        else:
            values[i] = draw(rng, e.amount, e.uncertainty, iterations)
    if model.linked:
        _linked_draws(model, values, iterations)
    return values


def _linked_draws(model: Model, values: np.ndarray, iterations: int) -> None:
    """Draw k of every linked activity is Brightway's k-th paired draw of the background (one sampled matrix)."""
    from lca.assessment.brightway.background_cache import load_draws

    path = model.inventory.background_draws
    if not path:
        raise LcaError(
            f"inventory {model.inventory.study}/{model.inventory.run_id} links background activities but "
            "names no file of their Monte Carlo draws (background_draws)"
        )
    indices = list(model.linked)
    refs = [(model.linked_activities[b].database, model.linked_activities[b].database_code) for b in indices]
    block = load_draws(path, refs, model.methods, iterations)
    for row, b in enumerate(indices):
        factor = model.linked_activities[b].unit_factor
        for m, ex in enumerate(model.linked[b]):
            values[ex] = block[row, m] * factor


def draw(rng: np.random.Generator, amount: float, u: Uncertainty, n: int) -> np.ndarray:
    """``n`` values of an amount with the same semantics as ``Uncertainty.stats_arrays`` gives Brightway."""
    if u.distribution == "none" or amount == 0:
        return np.full(n, amount)
    if u.distribution == "lognormal":
        return math.copysign(1.0, amount) * abs(amount) * np.exp(rng.normal(0.0, math.log(u.gsd), n))
    if u.distribution == "normal":
        return rng.normal(amount, abs(amount) * u.relative_sd, n)
    if u.distribution == "uniform":
        return rng.uniform(u.minimum, u.maximum, n)
    if u.distribution == "triangular":
        return rng.triangular(u.minimum, amount, u.maximum, n)
    raise LcaError(f"unknown distribution {u.distribution!r}")


def quantile(amount: float, u: Uncertainty, p: float) -> float:
    """The ``p`` quantile of an amount's distribution (for the one-at-a-time sensitivity)."""
    if u.distribution == "none" or amount == 0:
        return amount
    if u.distribution == "lognormal":
        return amount * u.gsd ** _Z.inv_cdf(p)
    if u.distribution == "normal":
        return amount + abs(amount) * u.relative_sd * _Z.inv_cdf(p)
    a, b = u.minimum, u.maximum
    if u.distribution == "uniform":
        return a + p * (b - a)
    c = amount
    cut = (c - a) / (b - a)
    if p < cut:
        return a + math.sqrt(p * (b - a) * (c - a))
    return b - math.sqrt((1 - p) * (b - a) * (b - c))
