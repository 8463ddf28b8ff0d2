"""What the report charts: the study's headline impact categories (``report.headline_methods``).

A practitioner's method set can hold sixteen categories (EF 3.1). One chart per category
for each of the results, the contributions, the Monte Carlo, the break-even and the
countries would bury the few that matter, so the report charts only the headline
categories; every category stays in the results table and in every CSV. The default is
each method when a study names at most :data:`DEFAULT_HEADLINE` of them, else its
climate change method(s) (the category most readers came for), else its first three.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from lca.study.strict_model import StrictModel

DEFAULT_HEADLINE = 3
MAX_HEADLINE = 4  # charts beyond this stop being a headline


class ReportSpec(StrictModel):
    headline_methods: list[tuple[str, ...]] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_HEADLINE,
        description="the impact_methods the report charts (every one stays in its tables and CSVs); default: all "
        f"when there are at most {DEFAULT_HEADLINE}, else the climate change method(s), else the first "
        f"{DEFAULT_HEADLINE}",
    )


def _is_climate(method: tuple[str, ...]) -> bool:
    """The climate change category itself, not its parts (EF's 'climate change: fossil', ...)."""
    return any(part.strip().lower() == "climate change" for part in method)


def headline_methods(spec: ReportSpec, methods: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The study's headline methods, in the order of ``methods`` (the study's impact_methods)."""
    named = [tuple(m) for m in methods]
    if spec.headline_methods is not None:
        chosen = {tuple(m) for m in spec.headline_methods}
        return [m for m in named if m in chosen]
    if len(named) <= DEFAULT_HEADLINE:
        return named
    climate = [m for m in named if _is_climate(m)][:DEFAULT_HEADLINE]
    return climate or named[:DEFAULT_HEADLINE]


def check_headline(spec: ReportSpec, methods: Sequence[Sequence[str]]) -> None:
    """Each headline method must be one of the study's impact methods: a ValueError names the one that is not."""
    known = [tuple(m) for m in methods]
    for i, method in enumerate(spec.headline_methods or []):
        if tuple(method) not in known:
            listed = "; ".join(" | ".join(m) for m in known)
            raise ValueError(
                f"report.headline_methods.{i}: value {' | '.join(method)!r} is not one of the study's "
                f"impact_methods ({listed}): a headline category must be assessed to be charted"
            )
    names = [tuple(m) for m in spec.headline_methods or []]
    repeated = sorted({" | ".join(m) for m in names if names.count(m) > 1})
    if repeated:
        raise ValueError(f"report.headline_methods names {repeated} more than once")
