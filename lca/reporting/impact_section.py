"""The report's impact assessment (template ``report_impact.html.j2``): ``results.csv`` and one chart per method.

The rows are :func:`lca.assessment.comparison.result_rows` (every scenario and method
against the reference, with the benchmarks and the Monte Carlo interval); the table
the HTML shows and the CSV a reader takes away are the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lca.assessment.comparison import MONTE_CARLO_COLUMNS
from lca.reporting import chart_style, vega_specs
from lca.reporting.formats import sig
from lca.reporting.tables import write_csv

RESULTS_CSV = "results.csv"
# Above this max/min ratio a linear axis shows the smaller bars as zero.
LOG_SCALE_SPREAD = 100.0

RESULT_COLUMNS = (
    "scenario",
    "label",
    "is_reference",
    "perfect_detector",
    "method",
    "unit",
    "score",
    "ratio_to_reference",
    "grid_electricity_kwh",
    "accuracy",
    "primary_metric",
    "primary_value",
    "quality_loss",
    "exceeds_max_quality_loss",
    "energy_per_item_kwh",
    "dynamic_energy_per_item_kwh",
    "energy_resolved",
    "energy_bound",
    "energy_contended",
    "energy_foreign_cores",
    "energy_interval_low_kwh_per_item",
    "energy_interval_high_kwh_per_item",
    "energy_method",
    "energy_cpu_model",
    "energy_uncertainty",
    "speed_verdicts",
    "energy_verdict",
    *MONTE_CARLO_COLUMNS,
)


@dataclass(frozen=True)
class Chart:
    method: str
    unit: str
    file: str
    log_scale: bool
    spec: dict[str, Any] | None = None  # the interactive version (lca.reporting.vega_specs); the PNG prints


def write_results_csv(folder: Path, rows: list[dict[str, Any]]) -> str:
    return write_csv(folder / RESULTS_CSV, rows, RESULT_COLUMNS)


def _interval(part: list[dict[str, Any]]) -> tuple[list[float] | None, list[float] | None]:
    """The error bars (below, above each score) from the Monte Carlo 95 % interval; None when a row has none."""
    low, high = [], []
    for r in part:
        p2, p97 = r.get("mc_p2_5"), r.get("mc_p97_5")
        if p2 is None or p97 is None or p2 != p2 or p97 != p97:
            return None, None
        low.append(max(r["score"] - p2, 0.0))
        high.append(max(p97 - r["score"], 0.0))
    return low, high


def write_score_charts(folder: Path, rows: list[dict[str, Any]]) -> list[Chart]:
    """One horizontal bar chart per method.

    The reference bar is highlighted; each bar shows its 95 % Monte Carlo interval.
    """
    # The object-oriented API renders with Agg and never touches pyplot's global
    # backend, so it is safe in a worker, a test or a notebook alike.
    from matplotlib.figure import Figure

    charts = []
    for i, method in enumerate(dict.fromkeys(r["method"] for r in rows), start=1):
        part = [r for r in rows if r["method"] == method]
        values = [r["score"] for r in part]
        positive = [v for v in values if v > 0]
        log_scale = (
            len(positive) == len(values) and len(values) > 1 and max(positive) / min(positive) > LOG_SCALE_SPREAD
        )
        fig = Figure(figsize=(chart_style.WIDTH_IN, 1.4 + 0.6 * len(part)), layout="constrained")
        ax = fig.add_subplot()
        colors = ["#d9822b" if r["is_reference"] else "#2b6cb0" for r in part]
        bars = ax.barh([r["label"] for r in part], values, color=colors)
        ax.invert_yaxis()  # first scenario on top, as in the table
        low, high = _interval(part)
        if low is not None:
            ax.errorbar(values, range(len(part)), xerr=[low, high], fmt="none", ecolor="#1a202c", capsize=3, lw=1)
        if log_scale:
            ax.set_xscale("log")
        for k, (bar, r) in enumerate(zip(bars, part)):
            note = "reference" if r["is_reference"] else f"{sig(r['ratio_to_reference'])} x ref."
            ax.annotate(
                f" {sig(r['score'])} ({note})",
                (bar.get_width() + (high[k] if low is not None else 0), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=chart_style.TEXT,
            )
        ax.margins(x=0.35)
        unit = part[0]["unit"]
        ax.set_xlabel(
            f"{unit} per functional unit"
            + (" (log scale)" if log_scale else "")
            + ("; bars: 95 % interval" if low is not None else "")
        )
        ax.set_title(chart_style.title(method), fontsize=chart_style.TITLE)
        name = f"scores_{i:02d}.png"
        fig.savefig(folder / name, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
        spec = vega_specs.scores(method, unit, part, log_scale, interval=low is not None)
        charts.append(Chart(method=method, unit=unit, file=name, log_scale=log_scale, spec=spec))
    return charts
