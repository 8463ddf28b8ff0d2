"""The "In short" box for a decision-maker (template ``lca_in_short.html.j2``).

The box used to repeat the first sentence of every recommendation: four long sentences,
one per impact category, each with a ratio and no amount. A reader who has to decide wants
the answer first, then the figures behind it: so the box opens with one recommendation
sentence, then one row per impact category with the absolute score per functional unit
beside each ratio, and one relatable equivalent (km driven by an average new car, from a
cited figure in ``include/data/parameters_equivalents.yaml``, shown for both ends of its
range). Plain names: "uncompressed model" for the baseline, the study's own names for the
other variants; a method's full name is given once, in its row, and its category name after.

It never names a "best" option the data cannot separate: the options it names are the
lowest group of :mod:`lca.assessment.separation` (stored by the Monte Carlo), and a group
of several is named as such. Probabilities print as "> 99 %" / "< 1 %" at the ends
(:func:`~lca.assessment.separation.format_probability`). Recomputes nothing.
"""

from __future__ import annotations

import math
from typing import Any

from lca.assessment import separation
from lca.assessment.characterization import CARRIERS
from lca.assessment.separation import CLEAR, format_probability, name_options
from lca.records import LciaResults, MonteCarloResults, SensitivityResults, StudyInventory
from lca.reporting.formats import sig
from lca.reporting.run_summary import PLAIN_NAMES
from lca.reporting.tables import method_label
from lca.study.impact_methods import GWP100, bundled_category
from lca.study.reference_data import Parameter, parameter

CAR_KM = "car_co2_per_km_new_europe"  # include/data/parameters_equivalents.yaml


def plain_name(scenario: str) -> str:
    """What a decision-maker calls an option: "uncompressed model" for the baseline, the study's name otherwise."""
    return PLAIN_NAMES.get(scenario, scenario)


def short_name(method: tuple[str, ...]) -> str:
    """A method's name after its first mention: its category in lower case ("climate change")."""
    category = bundled_category(method)
    if category:
        return CARRIERS[category].label.split(" (")[0].lower()
    return method[1] if len(method) > 1 else method[0]


def category_name(method: tuple[str, ...]) -> str:
    """The short name of a method's category ("Climate change (GWP100)"), its full name when it has none."""
    category = bundled_category(method)
    return CARRIERS[category].label if category else method_label(method)


def plain_number(value: float) -> str:
    """Three significant digits without exponent where a reader expects none ('1,230', '31.5'), else as sig."""
    if value == 0 or not 1e-3 <= abs(value) < 1e7:
        return sig(value)
    rounded = float(f"{value:.3g}")
    text = f"{rounded:,.{max(0, 2 - math.floor(math.log10(abs(rounded))))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _span(values: list[float], fmt=plain_number) -> str:
    """'0.27' when the values agree at three digits, '0.27–0.28' otherwise."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def _probability(values: list[float]) -> str:
    lo, hi = format_probability(min(values)), format_probability(max(values))
    return lo if lo == hi else f"{lo} to {hi}"


def _verdict(compared: list[tuple[float | None, float | None]]) -> str:
    """Every named option against the reference, from its (P(lower), median change): one verdict for all of
    them, or "not clear" (the separation rule, :func:`lca.assessment.separation.verdict`)."""
    if not compared or any(p is None for p, _ in compared):
        return "not tested (no Monte Carlo)"
    said = {separation.verdict(p, change) for p, change in compared if p is not None}
    return said.pop() if len(said) == 1 else separation.NOT_CLEAR


def car_km(kg_co2e: float | list[float], car: Parameter) -> str:
    """Kilometres driven by an average new car for ``kg_co2e`` (one amount or a span of them), from the factor's
    highest to its lowest emission per km: '200–300 km'."""
    amounts = kg_co2e if isinstance(kg_co2e, list) else [kg_co2e]
    per_km = car.magnitude("kg / km")
    spread = car.uncertainty_in("kg / km")
    high = spread.maximum if spread.maximum is not None else per_km
    low = spread.minimum if spread.minimum is not None else per_km
    return f"{_span([min(amounts) / high, max(amounts) / low], _km)} km"


def _km(value: float) -> str:
    """Two significant digits: an equivalent is an order of magnitude, not a measurement."""
    return f"{float(f'{value:.2g}'):,.0f}" if value >= 10 else f"{value:.2g}"


def _members(method, ml: list[str], scores: dict, monte_carlo: MonteCarloResults | None) -> list[str]:
    """The ML options the box names for ``method``: the group the draws cannot separate from the lowest."""
    group = monte_carlo.lowest_group(method) if monte_carlo is not None else None
    if group is not None:
        return [m for m in group.members if m in ml] or [group.lowest]
    return [min(ml, key=lambda n: scores.get((n, method), math.inf))]


def category_row(method, ml, reference, scores, units, monte_carlo, car) -> dict[str, Any]:
    """One impact category: the reference and the lowest ML option(s), absolute per functional unit and as a ratio."""
    members = _members(method, ml, scores, monte_carlo)
    ref_score = scores[(reference, method)]
    values = [scores[(n, method)] for n in members]
    stats = {s.scenario: s for s in monte_carlo.stats if tuple(s.method) == tuple(method)} if monte_carlo else {}
    ps = [stats[n].p_beats_reference if n in stats else None for n in members]
    changes = [stats[n].change_vs_reference if n in stats else None for n in members]
    climate = tuple(method) == GWP100 or bundled_category(method) == "climate"
    unit = units.get(tuple(method), "")
    return {
        "category": category_name(method),
        "short": short_name(method),
        "method": method_label(method),
        "unit": unit,
        "reference": plain_number(ref_score),
        "options": [plain_name(n) for n in members],
        "score": _span(values),
        "ratio": _span([v / ref_score for v in values], lambda v: f"{v:.2g}"),
        "probability": _probability([p for p in ps if p is not None]) if all(p is not None for p in ps) else "–",
        "verdict": _verdict(list(zip(ps, changes))),
        "reference_equivalent": car_km(ref_score, car) if climate and car is not None else "",
        "option_equivalent": car_km(values, car) if climate and car is not None else "",
        "_members": members,
    }


def _options_text(names: list[str]) -> str:
    if len(names) == 1:
        return f"the {names[0]}" if names[0] in PLAIN_NAMES.values() else f"'{names[0]}'"
    return name_options([f"'{n}'" if n not in PLAIN_NAMES.values() else f"the {n}" for n in names]) + (
        " (the data cannot tell them apart)"
    )


def recommendation(rows: list[dict[str, Any]], pin_down: str | None) -> str:
    """One sentence: what to do, on the headline category, with its confidence; a trade-off elsewhere is named."""
    head = rows[0]
    options = _options_text(head["options"])
    name = head["short"]
    traded = [r["short"] for r in rows[1:] if r["verdict"] == "clearly higher"]
    but = f", but it is clearly higher on {name_options(traded)}" if traded else ""
    if head["verdict"] == "clearly lower":
        return (
            f"Do this job with {options} rather than by hand: its {name} impact is {head['ratio']} times that of "
            f"doing it by hand, lower with probability {head['probability']}{but}."
        )
    if head["verdict"] == "clearly higher":
        return (
            f"Keep doing this job by hand: even the lowest ML option, {options}, has {head['ratio']} times its "
            f"{name} impact (probability {head['probability']} that it is lower)."
        )
    if head["verdict"] == separation.PRACTICALLY_EQUAL:
        return (
            f"On {name}, doing this job with {options} and doing it by hand are practically equal ({head['ratio']} "
            f"times, apart by less than {separation.MATERIAL:.0%}){but}: decide on other grounds."
        )
    if head["verdict"].startswith("not tested"):
        return (
            f"No option can be recommended with a known confidence: the lowest {name} score is {options}'s, "
            f"{head['ratio']} times the impact of doing the job by hand, but no Monte Carlo was run to test it."
        )
    several = len(head["options"]) > 1
    then = f" {pin_down}" if pin_down else " better data are needed first."
    return (
        f"The data do not yet say whether ML lowers the {name} impact: {options} {'have' if several else 'has'} "
        f"{head['ratio']} times the impact of doing the job by hand, but the probability that "
        f"{'each' if several else 'it'} is lower is {head['probability']} (at least {CLEAR:.0%} is needed to call it "
        f"clearly lower);{then}"
    )


def _pin_down(sensitivity: SensitivityResults | None, method, scenario: str) -> str | None:
    if sensitivity is None:
        return None
    bars = [b for b in sensitivity.tornado if tuple(b.method) == tuple(method) and b.scenario == scenario]
    bars = (
        sorted(bars, key=lambda b: -b.swing)[:2]
        or sorted((b for b in sensitivity.tornado if tuple(b.method) == tuple(method)), key=lambda b: -b.swing)[:2]
    )
    return f"pin down {name_options([repr(b.group) for b in bars])} first." if bars else None


def in_short_context(
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None,
    sensitivity: SensitivityResults | None,
    methods: list[tuple[str, ...]],
    units: dict[tuple[str, ...], str],
) -> dict[str, Any]:
    """The box's recommendation and rows; empty when there is no reference or no ML option to compare."""
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    ml = [s.name for s in inventory.scenarios if not s.is_reference]
    scores = {(s.scenario, tuple(s.method)): s.score for s in lcia.scores}
    ordered = sorted(methods, key=lambda m: tuple(m) != GWP100)  # the headline category first
    usable = [m for m in ordered if reference and scores.get((reference, m)) and all((n, m) in scores for n in ml)]
    if not ml or not usable:
        return {"recommendation": "", "rows": [], "car": None}
    car = parameter(CAR_KM)
    rows = [category_row(m, ml, reference, scores, units, monte_carlo, car) for m in usable]
    pin = _pin_down(sensitivity, usable[0], rows[0]["_members"][0])
    return {
        "recommendation": recommendation(rows, pin),
        "rows": rows,
        "car": {
            "id": CAR_KM,
            "per_km": car.magnitude("kg / km"),
            "high": car.uncertainty_in("kg / km").maximum,
            "source": car.source,
            "basis": car.uncertainty.basis,
        },
    }
