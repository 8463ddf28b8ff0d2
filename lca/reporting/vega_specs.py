"""Vega-Lite specs of the report's charts: the same titles, axes, units and intervals as their PNGs.

This module holds the shared style, the score charts and the Pareto chart; the interpretation's charts are
in :mod:`lca.reporting.assessment_specs`. Each function takes what its matplotlib twin draws from and returns
a plain dict, shown on screen by :mod:`lca.reporting.vega_bundle`; the PNG is what prints. A spec carries
summary figures (quantiles, not the Monte Carlo draws), so the page stays small. Text is at least 11 px and
the SVG is drawn at its column's width, never scaled down: the 10 px floor at 1280 px holds (tests/browser).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lca.reporting import chart_style
from lca.reporting.formats import sig

REFERENCE_COLOR = "#d9822b"
ML_COLOR = "#2b6cb0"
CONFIG = {
    "font": "system-ui, sans-serif",
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "top", "columns": 2, "labelLimit": 200},
    "title": {"fontSize": 13, "anchor": "start"},
    "text": {"fontSize": 11},
    "view": {"stroke": None},
}
ROW_PX = 30  # height of one scenario's bar
# Characters per line of a chart title (13 px) and an axis title (12 px): a chart is 372 px wide on a 390 px
# phone and its plot area about 230 px beside the scenario names; an SVG text is clipped, not wrapped, at its edge.
TITLE_WRAP = 44
AXIS_WRAP = 30


def base(title: str, height: int) -> dict[str, Any]:
    return {
        "title": {"text": title_lines(title)},
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
    }


def lines(text: str, width: int = AXIS_WRAP) -> list[str]:
    """A long axis title on as many lines as it needs (an SVG text is clipped, not wrapped, at the chart's edge)."""
    return chart_style.title(text, width).split("\n")


def title_lines(text: str) -> list[str]:
    """A chart's title on as many lines as a phone's width needs."""
    return chart_style.title(text, TITLE_WRAP).split("\n")


def finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def method_name(method: tuple[str, ...] | str) -> str:
    return method if isinstance(method, str) else " | ".join(method)


def scale(log: bool, domain: list[float] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "log"} if log else {"zero": True}
    if domain is not None:
        out |= {"domain": domain, "nice": False}
    return out


def scores(method: str, unit: str, part: list[dict[str, Any]], log_scale: bool, interval: bool) -> dict[str, Any]:
    """Each scenario's score (reference highlighted), its 95 % Monte Carlo interval as an error bar, its ratio."""
    values = []
    for r in part:
        lo, hi = (r.get("mc_p2_5"), r.get("mc_p97_5")) if interval else (None, None)
        has_interval = finite(lo, hi)
        note = "reference" if r["is_reference"] else f"{sig(r['ratio_to_reference'])} x ref."
        end = max(r["score"], hi) if has_interval and hi is not None else r["score"]
        values.append(
            {
                "scenario": r["label"],
                "score": r["score"],
                "low": lo if has_interval else None,
                "high": hi if has_interval else None,
                "interval": f"{sig(lo)} to {sig(hi)}" if has_interval else "not computed",
                "end": end,
                "note": f"{sig(r['score'])} ({note})",
                "role": "reference" if r["is_reference"] else "machine learning",
            }
        )
    ends = [v["end"] for v in values]
    starts = [v["low"] if v["low"] is not None and v["low"] > 0 else v["score"] for v in values]
    # Room on the right for the written score, as the PNG's margins give it.
    if log_scale:
        low, high = min(starts) / 2, max(ends)
        domain = [low, high * (high / low) ** 0.45]
    else:
        domain = [min(0.0, *starts), max(ends) * 1.55 if max(ends) > 0 else 1.0]
    y = {"field": "scenario", "type": "nominal", "sort": None, "title": None}
    tooltip = [
        {"field": "scenario", "title": "scenario"},
        {"field": "score", "title": f"score [{unit}]", "format": ".3g"},
        {"field": "interval", "title": "95 % interval"},
        {"field": "note", "title": "ratio"},
    ]
    x_title = f"{unit} per functional unit" + (" (log scale)" if log_scale else "")
    x_title += "; bars: 95 % interval" if interval else ""
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "height": {"band": 0.7}},
            "encoding": {
                "y": y,
                "x": {
                    "field": "score",
                    "type": "quantitative",
                    "title": lines(x_title),
                    "scale": scale(log_scale, domain),
                },
                "color": {
                    "field": "role",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": ["reference", "machine learning"], "range": [REFERENCE_COLOR, ML_COLOR]},
                },
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "color": "#1a202c"},
            "encoding": {"y": y, "x": {"field": "end", "type": "quantitative"}, "text": {"field": "note"}},
        },
    ]
    if interval:
        layers.insert(
            1,
            {
                "transform": [{"filter": "datum.low != null && datum.high != null"}],
                "mark": {"type": "errorbar", "ticks": True, "color": "#1a202c"},
                "encoding": {
                    "y": y,
                    "x": {"field": "low", "type": "quantitative", "title": lines(x_title)},
                    "x2": {"field": "high"},
                    "tooltip": tooltip,
                },
            },
        )
    return {**base(method, 40 + ROW_PX * len(part)), "data": {"values": values}, "layer": layers}


def pareto(benchmarks: Sequence[Any], front: list[str]) -> dict[str, Any] | None:
    """Quality against inference energy per item: the Pareto front joined, over-limit variants marked."""
    scored = [b for b in benchmarks if b.primary_value is not None and finite(b.energy_per_item_kwh)]
    if not scored:
        return None
    energies = [b.energy_per_item_kwh for b in scored]
    log = min(energies) > 0 and max(energies) / min(energies) > 20
    metric = scored[0].primary_metric
    direction = "higher is better" if scored[0].higher_is_better else "lower is better"
    values = [
        {
            "variant": b.variant,
            "energy": b.energy_per_item_kwh,
            "quality": b.primary_value,
            "kind": "beyond the max quality loss"
            if b.exceeds_max_quality_loss
            else ("Pareto front" if b.variant in front else "dominated"),
            "front": b.variant in front,
        }
        for b in scored
    ]
    x = {
        "field": "energy",
        "type": "quantitative",
        "title": lines("inference energy per item [kWh] (total, idle included; lower is better)"),
        "scale": scale(log) | {"zero": False, "padding": 60},  # room for the rightmost label
        "axis": {"format": ".2~e"},
    }
    y = {"field": "quality", "type": "quantitative", "title": f"{metric} ({direction})", "scale": {"zero": False}}
    kinds = ["Pareto front", "dominated", "beyond the max quality loss"]
    return {
        **base("Quality vs energy per item: blue = Pareto front, red x = beyond the study's max quality loss", 320),
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum.front"}],
                "mark": {"type": "line", "color": ML_COLOR},
                "encoding": {"x": x, "y": y, "order": {"field": "energy"}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": kinds, "range": [ML_COLOR, "#718096", "#c53030"]},
                    },
                    "shape": {
                        "field": "kind",
                        "type": "nominal",
                        "scale": {"domain": kinds, "range": ["circle", "circle", "cross"]},
                    },
                    "tooltip": [
                        {"field": "variant"},
                        {"field": "energy", "title": "kWh per item", "format": ".3g"},
                        {"field": "quality", "title": metric, "format": ".4g"},
                        {"field": "kind", "title": "status"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7},
                "encoding": {"x": x, "y": y, "text": {"field": "variant"}},
            },
        ],
    }
