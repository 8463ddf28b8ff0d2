"""Charts of the LCA interpretation: contributions, uncertainty, break-even, countries, tornado.

Matplotlib's object-oriented API only (``Figure`` renders with Agg and never
touches pyplot's global state), so charts are safe in a worker or a test. Each
function writes one PNG and returns its file name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lca.reporting import chart_style

REFERENCE_COLOR = "#d9822b"
ML_COLOR = "#2b6cb0"
STAGE_COLORS = {
    "data preparation": "#a0aec0",
    "training": "#2b6cb0",
    "compression": "#805ad5",
    "inference": "#38a169",
    "server share (idle power and embodied)": "#a0aec0",
    "embodied hardware": "#718096",
    "embodied hardware (GPU)": "#4a5568",
    "development": "#d53f8c",
    "residual human work": "#c53030",
    "human work": "#d9822b",
}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _short(method: tuple[str, ...]) -> str:
    return " | ".join(method)


def contributions_chart(
    path: Path,
    method: tuple[str, ...],
    unit: str,
    scenarios: list[tuple[str, str]],
    shares: dict[str, dict[str, float]],
    totals: dict[str, float],
) -> str:
    """100 % stacked bars: each scenario's score split by life-cycle stage, the total written at the end."""
    stages = [s for s in STAGE_COLORS if any(shares[name].get(s) for name, _ in scenarios)]
    stages += sorted({s for name, _ in scenarios for s in shares[name]} - set(stages))
    fig = _figure(9, 1.4 + 0.42 * len(scenarios))
    ax = fig.add_subplot()
    labels = [label for _, label in scenarios]
    left = np.zeros(len(scenarios))
    for stage in stages:
        values = np.array([100 * shares[name].get(stage, 0.0) for name, _ in scenarios])
        ax.barh(labels, values, left=left, color=STAGE_COLORS.get(stage, "#cbd5e0"), label=stage)
        left += values
    for y, (name, _) in enumerate(scenarios):
        ax.annotate(f" {totals[name]:.3g} {unit}", (100, y), va="center", fontsize=chart_style.TEXT)
    ax.invert_yaxis()
    ax.set_xlim(0, 135)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("share of the scenario's score [%] (total at the right)")
    ax.set_title(chart_style.title(_short(method)), fontsize=chart_style.TITLE)
    ax.legend(fontsize=chart_style.TEXT, ncols=min(4, len(stages)), loc="lower center", bbox_to_anchor=(0.5, 1.06))
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path.name


def uncertainty_chart(
    path: Path, method: tuple[str, ...], unit: str, labels: list[str], draws: list[np.ndarray], reference: int
) -> str:
    """Box plots of each scenario's Monte Carlo draws (whiskers: 2.5 % to 97.5 %)."""
    fig = _figure(9, 1.4 + 0.42 * len(labels))
    ax = fig.add_subplot()
    box = ax.boxplot(draws, vert=False, whis=(2.5, 97.5), showfliers=False, patch_artist=True)
    for i, patch in enumerate(box["boxes"]):
        patch.set_facecolor(REFERENCE_COLOR if i == reference else ML_COLOR)
        patch.set_alpha(0.6)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    ax.invert_yaxis()
    positive = all(np.all(d > 0) for d in draws)
    spread = max(np.percentile(d, 97.5) for d in draws) / max(min(np.percentile(d, 2.5) for d in draws), 1e-300)
    if positive and spread > 100:
        ax.set_xscale("log")
    ax.set_xlabel(f"{unit} per functional unit (box: 25-75 %, whiskers: 2.5-97.5 %)")
    ax.set_title(chart_style.title(_short(method)), fontsize=chart_style.TITLE)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path.name


def break_even_chart(
    path: Path,
    method: tuple[str, ...],
    unit: str,
    items: int,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    reference: str,
    crossings: dict[str, float | None],
    max_items: float,
) -> str:
    """Cumulative impact against items (log-log, so fixed costs and the per-item slope both show): median line
    and 95 % band per scenario, break-even points marked."""
    finite = [n for n in crossings.values() if n is not None and n > 0]
    low = max(1.0, min([items, *finite]) / 100)
    x = np.geomspace(low, max_items, 60)  # smooth on a log axis; the quantiles over every draw are the cost
    fig = _figure(9, 5)
    ax = fig.add_subplot()
    colors = iter(["#2b6cb0", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#4a5568", "#e53e3e", "#3182ce"])
    for name, (fixed, per_item) in curves.items():
        cumulative = fixed[:, None] + per_item[:, None] * x[None, :]
        lo, med, hi = np.percentile(cumulative, [2.5, 50, 97.5], axis=0)
        color = REFERENCE_COLOR if name == reference else next(colors, "#718096")
        ax.plot(x, med, color=color, lw=2.2 if name == reference else 1.2, label=name)
        if name == reference or name == "baseline":
            ax.fill_between(x, lo, hi, color=color, alpha=0.15)
        n = crossings.get(name)
        if n is not None and 0 < n <= max_items:
            ax.axvline(n, color=color, lw=0.6, ls=":")
    ax.axvline(items, color="#1a202c", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.annotate(" functional unit", (items, ax.get_ylim()[1]), va="top", fontsize=chart_style.TEXT)
    ax.set_xlabel("items processed (log scale)")
    ax.set_ylabel(f"cumulative {unit}")
    ax.set_title(
        chart_style.title(f"{_short(method)}: break-even (dotted) and 95 % bands (reference, baseline)"),
        fontsize=chart_style.TITLE,
    )
    ax.legend(fontsize=chart_style.TEXT, ncols=2)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path.name


def countries_chart(
    path: Path,
    method: tuple[str, ...],
    countries: list[str],
    scenarios: list[str],
    ratios: dict[tuple[str, str], float],
) -> str:
    """Each ML scenario's score / reference score on each country's grid (log scale; below 1 is better)."""
    fig = _figure(10, 4.5)
    ax = fig.add_subplot()
    width = 0.8 / max(len(scenarios), 1)
    for k, name in enumerate(scenarios):
        values = [ratios.get((c, name), np.nan) for c in countries]
        ax.bar(np.arange(len(countries)) + k * width, values, width=width, label=name)
    ax.axhline(1.0, color=REFERENCE_COLOR, lw=1.5)
    ax.set_xticks(np.arange(len(countries)) + 0.4 - width / 2, countries)
    finite = [v for v in ratios.values() if np.isfinite(v) and v > 0]
    if finite and max(finite) / min(finite) > 20:
        ax.set_yscale("log")
    ax.set_ylabel("score / reference score")
    ax.set_title(
        chart_style.title(f"{_short(method)}: the whole system on each country's grid (reference = 1)"),
        fontsize=chart_style.TITLE,
    )
    ax.legend(fontsize=chart_style.TEXT, ncols=3)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path.name


def tornado_chart(
    path: Path, method: tuple[str, ...], panels: list[tuple[str, float, list[tuple[str, float, float]]]]
) -> str:
    """One panel per scenario: each input at its 2.5 % and 97.5 % quantile, the others at their values."""
    fig = _figure(10, 1.6 + 0.35 * max((len(bars) for _, _, bars in panels), default=1) * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (scenario, base, bars) in zip(axes, panels):
        labels = [g for g, _, _ in bars]
        for y, (_, low, high) in enumerate(bars):
            ax.barh(y, low - base, left=base, color="#3182ce", height=0.6)
            ax.barh(y, high - base, left=base, color="#e53e3e", height=0.6)
        ax.axvline(base, color="#1a202c", lw=0.8)
        ax.set_yticks(range(len(labels)), labels, fontsize=chart_style.TEXT)
        ax.invert_yaxis()
        ax.set_title(
            chart_style.title(f"{scenario}: score / reference (blue: input at 2.5 %, red: at 97.5 %)"),
            fontsize=chart_style.TITLE,
        )
    axes[-1].set_xlabel(f"{_short(method)}: score / reference score")
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path.name
