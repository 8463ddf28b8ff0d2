"""The trigger form of a study's DAG: the Params a person fills in to run a what-if.

Apart from :mod:`lca.orchestration.dag_factory` (which only wires tasks): the form reads the
study's values, the reference data's country and PUE lists and the earlier runs of the study.
"""

from __future__ import annotations

import logging

from airflow.sdk import Param

from lca.study.schema import Study

log = logging.getLogger(__name__)

# How many earlier runs the form proposes for reuse_measurements_from (newest first).
PROPOSED_RUNS = 20
_WHAT_IF = "What-if: assumptions for this run only"
_REUSE = "Reuse an earlier run's measurements"
_ADVANCED = "Any other field of the study"


def what_if_params(study: Study) -> dict[str, Param]:
    """The trigger form's fields: assumptions to change for this run only, and measurements to reuse.

    Each field starts at the study file's value, so the form shows what a run assumes; a value
    equal to the file's is not an override (lca.orchestration.stages.settings drops it), so a run
    triggered unchanged is a plain run, not a what-if. Country and PUE are picked from the
    reference data (include/data) the assessment can use; earlier runs are proposed, not imposed
    (Airflow's ``examples``: a run id typed by hand is accepted), since the list is read when the
    DAG file is parsed and a newer run may exist. The first task checks every value with the study
    schema (lca.study.overrides), so a bad value fails the run with the study file's own error message.
    """
    from lca.study.reference_data import grid_table, parameters

    grid = grid_table().factors
    countries = sorted(set(grid) | {study.deployment.country})
    known = parameters()
    pue = study.deployment.pue if isinstance(study.deployment.pue, str) else None
    pues = {pid: p for pid, p in known.items() if pid.startswith("pue_") or pid == pue}
    routing = study.routing.confidence_threshold
    return {
        "country": Param(
            study.deployment.country,
            type=["null", "string"],
            title="Electricity grid (country)",
            description="The country whose grid electricity the model is trained and served on "
            "(study field deployment.country). Grid intensities: include/data/grid_electricity.csv.",
            enum=[*countries, None],
            values_display={
                **{c: _country_label(grid.get(c), c) for c in countries},
                None: "as in the study file",
            },
            section=_WHAT_IF,
        ),
        "pue": Param(
            pue,
            type=["null", "string"],
            title="Data centre overhead (PUE)",
            description="Power usage effectiveness of the data centre: total facility energy over IT energy "
            "(study field deployment.pue).",
            enum=[*sorted(pues), None],
            values_display={
                **{
                    pid: f"{p.value:g}: {pid.removeprefix('pue_').replace('_', ' ')} ({p.source.split(',')[0]})"
                    for pid, p in sorted(pues.items())
                },
                None: "as in the study file",
            },
            section=_WHAT_IF,
        ),
        "items": Param(
            study.functional_unit.items,
            type=["null", "integer"],
            minimum=1,
            title=f"Items in the functional unit ({study.functional_unit.item})",
            description=f"How many items the service handles over {study.functional_unit.period} "
            "(study field functional_unit.items); every result is per functional unit.",
            section=_WHAT_IF,
        ),
        "routing_threshold": Param(
            routing,
            type=["null", "number"],
            exclusiveMinimum=0,
            exclusiveMaximum=1,
            title="Routing threshold (top-class probability)",
            description="Items the model is less sure of than this go to a person "
            "(sets routing.rule to low_confidence and routing.confidence_threshold). Empty: as in the study file.",
            section=_WHAT_IF,
        ),
        "monte_carlo_iterations": Param(
            study.lca.monte_carlo_iterations,
            type=["null", "integer"],
            minimum=1,
            title="Monte Carlo draws",
            description=(
                "Paired Monte Carlo draws for the uncertainty intervals (study field lca.monte_carlo_iterations)."
            ),
            section=_WHAT_IF,
        ),
        "reuse_measurements_from": Param(
            None,
            type=["null", "string"],
            title="Run whose measurements to reuse",
            description="Empty: measure again (train, compress, benchmark). A run id of an earlier run of this "
            "study: reuse its checked energy records and benchmarks and redo only the inventory, impact "
            "assessment and report (minutes instead of the whole run).",
            section=_REUSE,
            **({"examples": runs} if (runs := _earlier_runs(study.name)) else {}),
        ),
        "overrides": Param(
            {},
            type=["null", "object"],
            title="Other study fields (optional)",
            description='Any other study field by dotted path, e.g. {"lca.system_boundary": "devices_only"}. '
            "Empty: none.",
            section=_ADVANCED,
        ),
    }


def _country_label(factor, code: str) -> str:
    if factor is None:
        return code
    return f"{factor.country} ({code}, {factor.kg_co2e_per_kwh * 1000:.0f} g CO2e/kWh, {factor.year})"


def _earlier_runs(study_name: str) -> list[str]:
    """The newest runs of the study with a report (folder names, which name the run as its id does)."""
    try:
        from lca.reporting.index import list_runs
        from lca.storage import reports_dir

        return [r.run for r in list_runs(reports_dir(), study_name) if r.complete][:PROPOSED_RUNS]
    except Exception as exc:  # noqa: BLE001 - a store that cannot be listed must not take the DAG down
        log.warning("cannot list the earlier runs of %s for the trigger form: %s", study_name, exc)
        return []


# A variant record's key, runs/<study>/<run>/models/<variant>.json, read as the variant's name.
