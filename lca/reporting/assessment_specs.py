"""Vega-Lite specs of the interpretation's charts (contributions, uncertainty, break-even, countries, tornado).

The twins of :mod:`lca.reporting.assessment_charts`' PNGs, with the same titles, axes, units and intervals;
the shared style and the score and Pareto charts are in :mod:`lca.reporting.vega_specs`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from lca.reporting.formats import sig
from lca.reporting.vega_specs import (
    CONFIG,
    ML_COLOR,
    REFERENCE_COLOR,
    ROW_PX,
    base,
    finite,
    lines,
    method_name,
    scale,
    title_lines,
)


def contributions(
    method: tuple[str, ...],
    unit: str,
    scenarios: list[tuple[str, str]],
    shares: dict[str, dict[str, float]],
    totals: dict[str, float],
    colors: dict[str, str],
) -> dict[str, Any]:
    """100 % stacked bars of each scenario's score by life-cycle stage, its total under its name."""
    stages = [s for s in colors if any(shares[name].get(s) for name, _ in scenarios)]
    stages += sorted({s for name, _ in scenarios for s in shares[name]} - set(stages))
    rows = {name: f"{label}|total {sig(totals[name])} {unit}" for name, label in scenarios}
    values = [
        {
            "scenario": rows[name],
            "name": label,
            "stage": stage,
            "share": 100 * shares[name].get(stage, 0.0),
            "score": shares[name].get(stage, 0.0) * totals[name],
            "total": f"{sig(totals[name])} {unit}",
        }
        for name, label in scenarios
        for stage in stages
        if shares[name].get(stage)
    ]
    y = {
        "field": "scenario",
        "type": "nominal",
        "sort": [rows[name] for name, _ in scenarios],
        "title": None,
        "axis": {"labelExpr": "split(datum.label, '|')"},  # the scenario, then its total
    }
    return {
        **base(method_name(method), 40 + 36 * len(scenarios)),
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": y,
            "x": {
                "field": "share",
                "type": "quantitative",
                "stack": "zero",
                "title": lines("share of the scenario's score [%] (total under each name)"),
                "scale": {"domain": [0, 100], "nice": False},
            },
            "color": {
                "field": "stage",
                "type": "nominal",
                "title": "stage",
                "sort": stages,
                "scale": {"domain": stages, "range": [colors.get(s, "#cbd5e0") for s in stages]},
            },
            "order": {"field": "stage_order", "type": "quantitative"},
            "tooltip": [
                {"field": "name", "title": "scenario"},
                {"field": "stage"},
                {"field": "share", "title": "share [%]", "format": ".1f"},
                {"field": "score", "title": f"score [{unit}]", "format": ".3g"},
                {"field": "total", "title": "scenario total"},
            ],
        },
        "transform": [{"calculate": f"indexof({json.dumps(stages)}, datum.stage)", "as": "stage_order"}],
    }


def uncertainty(
    method: tuple[str, ...], unit: str, labels: list[str], draws: Sequence[np.ndarray], reference: int
) -> dict[str, Any]:
    """Each scenario's Monte Carlo distribution as a box (25-75 %), whiskers (2.5-97.5 %) and median."""
    quantiles = [[float(q) for q in np.percentile(d, [2.5, 25, 50, 75, 97.5])] for d in draws]
    values: list[dict[str, Any]] = [
        {"scenario": label, "p2_5": p2, "p25": p25, "median": p50, "p75": p75, "p97_5": p97}
        | {"role": "reference" if i == reference else "machine learning"}
        for i, (label, (p2, p25, p50, p75, p97)) in enumerate(zip(labels, quantiles))
    ]
    positive = all(np.all(d > 0) for d in draws)
    spread = max(q[4] for q in quantiles) / max(min(q[0] for q in quantiles), 1e-300)
    log = bool(positive and spread > 100)
    title = f"{unit} per functional unit (box: 25-75 %, whiskers: 2.5-97.5 %)"
    y = {"field": "scenario", "type": "nominal", "sort": None, "title": None}
    tooltip = [{"field": "scenario"}] + [
        {"field": f, "title": f"{t} [{unit}]", "format": ".3g"}
        for f, t in (("p2_5", "2.5 %"), ("p25", "25 %"), ("median", "median"), ("p75", "75 %"), ("p97_5", "97.5 %"))
    ]
    x = {"type": "quantitative", "title": lines(title), "scale": scale(log) | ({} if log else {"zero": False})}
    return {
        **base(method_name(method), 40 + ROW_PX * len(labels)),
        "data": {"values": values},
        "encoding": {"y": y, "tooltip": tooltip},
        "layer": [
            {"mark": {"type": "rule"}, "encoding": {"x": {"field": "p2_5", **x}, "x2": {"field": "p97_5"}}},
            {
                "mark": {"type": "bar", "height": {"band": 0.6}, "opacity": 0.7},
                "encoding": {
                    "x": {"field": "p25", **x},
                    "x2": {"field": "p75"},
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": ["reference", "machine learning"], "range": [REFERENCE_COLOR, ML_COLOR]},
                    },
                },
            },
            {
                "mark": {"type": "tick", "color": "#1a202c", "thickness": 2},
                "encoding": {"x": {"field": "median", **x}},
            },
        ],
    }


def break_even(
    method: tuple[str, ...],
    unit: str,
    items: int,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    reference: str,
    crossings: dict[str, float | None],
    max_items: float,
) -> dict[str, Any]:
    """Cumulative impact against items (log-log): median lines, 95 % bands of the reference and the
    uncompressed model, break-even points as dotted rules, the functional unit as a dashed one."""
    crossed = [n for n in crossings.values() if n is not None and n > 0]
    low = max(1.0, min([items, *crossed]) / 100)
    x = np.geomspace(low, max_items, 40)
    rows = []
    for name, (fixed, per_item) in curves.items():
        cumulative = fixed[:, None] + per_item[:, None] * x[None, :]
        lo, med, hi = np.percentile(cumulative, [2.5, 50, 97.5], axis=0)
        band = name in (reference, "baseline")
        for k in range(len(x)):
            if finite(med[k]) and med[k] > 0:
                row = {"scenario": name, "items": float(x[k]), "median": float(med[k])}
                if band and lo[k] > 0 and finite(lo[k], hi[k]):
                    row |= {"low": float(lo[k]), "high": float(hi[k])}
                rows.append(row)
    marks = [{"scenario": n, "items": float(v)} for n, v in crossings.items() if v is not None and 0 < v <= max_items]
    color = {"field": "scenario", "type": "nominal", "title": None, "scale": {"scheme": "tableau20"}}
    x_enc = {"field": "items", "type": "quantitative", "scale": {"type": "log"}, "title": "items processed (log scale)"}
    return {
        **base(f"{method_name(method)}: break-even (dotted) and 95 % bands (reference, baseline)", 300),
        "layer": [
            {
                "data": {"values": [r for r in rows if "low" in r]},
                "mark": {"type": "area", "opacity": 0.15},
                "encoding": {"x": x_enc, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}
                | {"color": color | {"legend": None}},  # the lines' legend, at full colour
            },
            {
                "data": {"values": rows},
                "mark": {"type": "line"},
                "encoding": {
                    "x": x_enc,
                    "y": {
                        "field": "median",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "title": f"cumulative {unit}",
                    },
                    "color": color,
                    "tooltip": [
                        {"field": "scenario"},
                        {"field": "items", "format": ".3s"},
                        {"field": "median", "title": f"median [{unit}]", "format": ".3g"},
                        {"field": "low", "title": "2.5 %", "format": ".3g"},
                        {"field": "high", "title": "97.5 %", "format": ".3g"},
                    ],
                },
            },
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "strokeDash": [2, 3]},
                "encoding": {"x": x_enc, "color": color, "tooltip": [{"field": "scenario"}, {"field": "items"}]},
            },
            {
                "data": {"values": [{"items": float(items), "label": "functional unit"}]},
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#1a202c"},
                "encoding": {"x": x_enc, "tooltip": [{"field": "label"}, {"field": "items", "format": ","}]},
            },
        ],
    }


def countries(
    method: tuple[str, ...], countries: list[str], scenarios: list[str], ratios: dict[tuple[str, str], float]
) -> dict[str, Any]:
    """Each ML scenario's score / reference score on each country's grid; the reference is the rule at 1."""
    shown = [(c, s, ratios[(c, s)]) for c in countries for s in scenarios if finite(ratios.get((c, s)))]
    values = [{"country": c, "scenario": s, "ratio": r} for c, s, r in shown]
    positive = [r for _, _, r in shown if r > 0]
    log = bool(positive) and len(positive) == len(values) and max(positive) / min(positive) > 20
    y = {"type": "quantitative", "title": "score / reference score", "scale": scale(log)}
    return {
        **base(f"{method_name(method)}: the whole system on each country's grid (reference = 1)", 260),
        "layer": [
            {
                "data": {"values": values},
                "mark": "bar",
                "encoding": {
                    "x": {
                        "field": "country",
                        "type": "nominal",
                        "sort": countries,
                        "title": None,
                        "axis": {"labelAngle": 0},
                    },
                    "xOffset": {"field": "scenario", "sort": scenarios},
                    "y": {"field": "ratio", **y},
                    "color": {
                        "field": "scenario",
                        "type": "nominal",
                        "sort": scenarios,
                        "title": None,
                        "scale": {"scheme": "tableau20"},
                    },
                    "tooltip": [{"field": "country"}, {"field": "scenario"}, {"field": "ratio", "format": ".3g"}],
                },
            },
            {
                "data": {"values": [{"ratio": 1.0}]},
                "mark": {"type": "rule", "color": REFERENCE_COLOR, "strokeWidth": 2},
                "encoding": {"y": {"field": "ratio", **y}},
            },
        ],
    }


def tornado(method: tuple[str, ...], panels: list[tuple[str, float, list[tuple[str, float, float]]]]) -> dict[str, Any]:
    """One panel per scenario: each input at its 2.5 % (blue) and 97.5 % (red) quantile, the others at their values."""
    charts = []
    for scenario, middle, bars in panels:
        values = [
            {"input": g, "end": v, "base": middle, "at": at}
            for g, low, high in bars
            for v, at in ((low, "2.5 %"), (high, "97.5 %"))
            if finite(v)
        ]
        y = {"field": "input", "type": "nominal", "sort": [g for g, _, _ in bars], "title": None}
        x = {
            "field": "end",
            "type": "quantitative",
            "title": lines(f"{method_name(method)}: score / reference score", 22),  # beside long input names,
        }
        charts.append(
            {
                "title": {"text": title_lines(f"{scenario}: score / reference")},
                "width": "container",
                "height": 20 + ROW_PX * len(bars),
                "layer": [
                    {
                        "data": {"values": values},
                        "mark": {"type": "bar", "height": {"band": 0.6}},
                        "encoding": {
                            "y": y,
                            "x": x | {"scale": {"zero": False}},
                            "x2": {"field": "base"},
                            "color": {
                                "field": "at",
                                "type": "nominal",
                                "title": "input at",
                                "scale": {"domain": ["2.5 %", "97.5 %"], "range": ["#3182ce", "#e53e3e"]},
                            },
                            "tooltip": [{"field": "input"}, {"field": "at", "title": "input at"}]
                            + [{"field": "end", "title": "score / reference", "format": ".3g"}],
                        },
                    },
                    {
                        "data": {"values": [{"base": middle}]},
                        "mark": {"type": "rule", "color": "#1a202c"},
                        "encoding": {"x": {"field": "base", "type": "quantitative"}},
                    },
                ],
            }
        )
    return {
        "title": {"text": title_lines(method_name(method))},
        "vconcat": charts,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
    }
