"""The LCA sections of a run's report, in the shape ISO 14044 asks for.

:func:`lca_context` gathers what the LCA partials of the template need, one
module per partial: goal and scope (:mod:`~lca.reporting.goal_scope_section`, with the framework and rebound of
:mod:`~lca.reporting.framework_section`),
inventory (:mod:`~lca.reporting.inventory_section`), interpretation
(:mod:`~lca.reporting.interpretation_section`, with the 'when' and the excluded
stages), what the quality claims rest on (:mod:`~lca.reporting.claims_section`)
and recommendations in plain words (:mod:`~lca.reporting.recommendations_section`).
The sections write their tables (CSV) and charts into the report's staging folder.

Every section copes with a missing input (a run without Monte Carlo, an old
inventory): it then says what was not computed instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.records import (
    EnergyRecord,
    LciaResults,
    MonteCarloResults,
    ReboundRow,
    SensitivityResults,
    StudyInventory,
    VariantBenchmark,
)
from lca.reporting.claims_section import claims_context
from lca.reporting.energy_section import energy_context
from lca.reporting.framework_section import framework_context
from lca.reporting.goal_scope_section import goal_scope_context
from lca.reporting.in_short import in_short_context
from lca.reporting.interpretation_section import interpretation_context
from lca.reporting.inventory_section import inventory_context
from lca.reporting.latency_section import latency_table
from lca.reporting.recommendations_section import recommendation_parts
from lca.reporting.routing_section import perfect_detector_caveat, routing_context
from lca.study.report_spec import headline_methods
from lca.study.schema import Study


def lca_context(  # noqa: PLR0913 - the LCA part of the report gathers every record of the run
    folder: Path,
    *,
    study: Study,
    inventory: StudyInventory,
    lcia: LciaResults,
    monte_carlo: MonteCarloResults | None = None,
    sensitivity: SensitivityResults | None = None,
    export_path: Path | None = None,
    rebound: list[ReboundRow] | None = None,
    benchmarks: list[VariantBenchmark] | None = None,
    energy: list[EnergyRecord] | None = None,
) -> dict[str, Any]:
    """The template's ``lca`` variable: one flat namespace, as the partials read it (``lca.tornado``...).

    ``benchmarks`` and ``energy`` (every measured window but the benchmarks') feed the routing and
    energy statements; ``caveats`` are what the 'In short' box must say beside the results.
    """
    benchmarks = benchmarks or []
    ml = [s.name for s in inventory.scenarios if not s.is_reference]
    energy_ctx = energy_context(inventory, lcia, benchmarks, energy or [], folder)
    caveats = [perfect_detector_caveat(study, ml), *energy_ctx["energy_warnings"], energy_ctx["dominance"]]
    methods = list(dict.fromkeys(tuple(s.method) for s in lcia.scores))
    units = {tuple(s.method): s.unit for s in lcia.scores}
    headline = headline_methods(study.report, methods)
    # one sentence per headline category; sixteen would bury the advice (the others: section 3's table)
    by_category, rest = recommendation_parts(
        inventory, lcia, monte_carlo, sensitivity, headline, benchmarks, study.task.k
    )
    if len(headline) < len(methods):
        rest.append(
            f"The {len(methods) - len(headline)} other impact categories assessed are not summarised here: see "
            "section 3's table of other impact categories."
        )
    context = {
        **goal_scope_context(inventory, methods, units),
        **framework_context(folder, inventory, rebound),
        **inventory_context(folder, inventory, export_path),
        **interpretation_context(
            folder,
            study=study,
            inventory=inventory,
            lcia=lcia,
            monte_carlo=monte_carlo,
            sensitivity=sensitivity,
            methods=methods,
            units=units,
            headline=headline,
        ),
        "claims": claims_context(inventory, monte_carlo, sensitivity, methods),
        "recommendations": [*by_category, *rest],
        "in_short": {**in_short_context(inventory, lcia, monte_carlo, sensitivity, headline, units), "more": rest},
        "routing": routing_context(study, benchmarks),
        "latency": latency_table(folder, benchmarks),
        "caveats": [c for c in caveats if c],
        **energy_ctx,
    }
    context["limitations"] = [*energy_ctx["energy_warnings"], *context["limitations"]]
    return context
