"""Charts of the ML stage: quality against inference energy, with the Pareto front.

Uses matplotlib's object-oriented API (``Figure`` renders with Agg and never
touches pyplot's global state), so it is safe in an Airflow worker or a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lca.records import VariantBenchmark
from lca.reporting import chart_style
from lca.reporting.labels import place_labels

PARETO_PNG = "pareto_quality_energy.png"


def pareto_front(benchmarks: Sequence[VariantBenchmark]) -> list[str]:
    """Variants no other variant beats on both energy per item (lower) and the primary metric."""

    def better_or_equal(a: VariantBenchmark, b: VariantBenchmark) -> bool:
        quality_ok = a.primary_value >= b.primary_value if a.higher_is_better else a.primary_value <= b.primary_value
        return a.energy_per_item_kwh <= b.energy_per_item_kwh and quality_ok

    def strictly_better(a: VariantBenchmark, b: VariantBenchmark) -> bool:
        return better_or_equal(a, b) and (
            a.energy_per_item_kwh < b.energy_per_item_kwh or a.primary_value != b.primary_value
        )

    scored = [b for b in benchmarks if b.primary_value is not None]
    return [b.variant for b in scored if not any(strictly_better(o, b) for o in scored if o is not b)]


def write_pareto(folder: Path, benchmarks: Sequence[VariantBenchmark]) -> str | None:
    """The report's quality-vs-energy chart (its file name), when the variants carry a primary metric."""
    if not any(b.primary_value is not None for b in benchmarks):
        return None
    return pareto_chart(benchmarks, folder / PARETO_PNG).name


def pareto_chart(benchmarks: Sequence[VariantBenchmark], path: str | Path) -> Path:
    """Scatter of primary quality metric vs energy per item, Pareto front joined, over-limit variants marked."""
    path = Path(path)
    fig, _ = pareto_figure(benchmarks)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing cut at the edge
    return path


def pareto_figure(benchmarks: Sequence[VariantBenchmark]):
    """The figure of :func:`pareto_chart` and its point labels (for the overlap check)."""
    from matplotlib.figure import Figure

    scored = [b for b in benchmarks if b.primary_value is not None]
    if not scored:
        raise ValueError("no benchmark has a primary metric value to plot")
    front = set(pareto_front(scored))
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for b in scored:
        over = b.exceeds_max_quality_loss
        ax.scatter(
            b.energy_per_item_kwh,
            b.primary_value,
            s=70 if b.variant in front else 40,
            marker="x" if over else "o",
            color="#c53030" if over else ("#2b6cb0" if b.variant in front else "#718096"),
            zorder=3,
        )
    line = sorted((b for b in scored if b.variant in front), key=lambda b: b.energy_per_item_kwh)
    if len(line) > 1:
        ax.plot([b.energy_per_item_kwh for b in line], [b.primary_value for b in line], color="#2b6cb0", lw=1, zorder=2)
    energies = [b.energy_per_item_kwh for b in scored]
    if min(energies) > 0 and max(energies) / min(energies) > 20:
        ax.set_xscale("log")
    metric = scored[0].primary_metric
    direction = "higher is better" if scored[0].higher_is_better else "lower is better"
    ax.set_xlabel("inference energy per item [kWh] (total, idle included; lower is better)")
    ax.set_ylabel(f"{metric} ({direction})")
    ax.set_title(
        chart_style.title(
            "Quality vs energy per item: blue = Pareto front, red x = beyond the study's max quality loss"
        ),
        fontsize=chart_style.TITLE,
    )
    ax.grid(alpha=0.3)
    ax.margins(x=0.25, y=0.15)
    # Labels last, once the axes' limits and scale are final: variants often nearly coincide.
    texts = place_labels(
        fig,
        ax,
        [b.energy_per_item_kwh for b in scored],
        [b.primary_value for b in scored],
        [f" {b.variant}" for b in scored],
    )
    return fig, texts
