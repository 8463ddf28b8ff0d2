"""From measured energy and cited parameters to a life-cycle inventory.

Pure functions, no Brightway: the inventory is a plain record that can be
checked by hand, written to Brightway (:mod:`lca.assessment.brightway.foreground`),
evaluated by the vectorised engine (:mod:`lca.assessment.engine`) and shown in the
report. Amounts are per functional unit (all items over the study's period).

Structure (each name below is a provider, i.e. one shared activity):

* ``it_electricity``: 1 kWh at the IT equipment draws PUE kWh from the grid;
* ``measured::<method>``: 1 kWh as a measurement method reports it is 1 kWh at the
  IT equipment, with the method's uncertainty. Every stage measured the same way
  shares that one error draw: an estimate that is 2x too high is 2x too high for
  every variant, so comparisons between variants are not blurred by it;
* ``training_run``: one training run as measured (shared by every ML variant);
* ``server_hour`` / ``gpu_hour``: one hour of the whole server (GPU), i.e. its
  embodied impacts / its hours of use over its lifetime;
* ``server_running_hour`` / ``server_share_hour``: one hour of the server running
  (idle draw + embodied) and the service's declared share of it, one exchange
  (:mod:`.allocation`: the one rule for the server's energy and hardware);
* ``clerk_hour`` / ``engineer_hour``: one hour of a person's work, with their
  devices' electricity and embodied share, and the office if the boundary says so;
* ``office_hour``: the office building per occupied workplace hour;
* ``manual_item``: one item done the reference way (time per item x clerk hours),
  shared by the reference and by the residual work of every ML variant;
* ``development``: building the model once (engineers' hours).

One module per thing modelled: :mod:`.electricity`, :mod:`.people`, :mod:`.office`,
:mod:`.hardware_use`, :mod:`.scenarios`; :mod:`.parts` collects the shared activities
and :mod:`.names` holds the names the writer and the report use.
"""

from __future__ import annotations

from lca.assessment.inventory.allocation import server_allocation
from lca.assessment.inventory.dqi import dqi_rows
from lca.assessment.inventory.electricity import add_grid, add_it_electricity, add_measured
from lca.assessment.inventory.framing import framework_statement, rebound_setting
from lca.assessment.inventory.hardware_use import threads_share
from lca.assessment.inventory.hosts import check_idle_hosts
from lca.assessment.inventory.names import (
    CLERK_HOUR,
    DATA_PREPARATION,
    DEVELOPMENT,
    ENGINEER_HOUR,
    GPU_HOUR,
    IT_ELECTRICITY,
    MANUAL_ITEM,
    OFFICE_HOUR,
    REFERENCE,
    SERVER_HOUR,
    STAGE_ORDER,
    TRAINING_RUN,
    measured_provider_name,
)
from lca.assessment.inventory.parts import InventoryParts
from lca.assessment.inventory.people import add_development, add_manual_item, add_review_item
from lca.assessment.inventory.scenarios import ml_scenario, reference_scenario
from lca.assessment.inventory.serving import serving_statement
from lca.assessment.inventory.spread import binomial_uncertainty, lognormal_product
from lca.assessment.inventory.time_of_use import add_time_of_use
from lca.records import BackgroundActivity, EnergyRecord, StudyInventory, VariantBenchmark
from lca.study.schema import Study

__all__ = [
    "CLERK_HOUR",
    "DATA_PREPARATION",
    "DEVELOPMENT",
    "ENGINEER_HOUR",
    "GPU_HOUR",
    "IT_ELECTRICITY",
    "MANUAL_ITEM",
    "OFFICE_HOUR",
    "REFERENCE",
    "SERVER_HOUR",
    "STAGE_ORDER",
    "TRAINING_RUN",
    "binomial_uncertainty",
    "build_inventory",
    "lognormal_product",
    "measured_provider_name",
]


def sensitivity_grids(parts: InventoryParts, links: dict[str, BackgroundActivity] | None) -> list[BackgroundActivity]:
    """Linked grids of other countries (the practitioner's own markets), kept for the country sensitivity only."""
    used = {a.key for a in parts.background()}
    return [a for key, a in (links or {}).items() if key.startswith("grid::") and key not in used]


def build_inventory(
    study: Study,
    run_id: str,
    training: EnergyRecord,
    compression: dict[str, EnergyRecord],
    benchmarks: dict[str, VariantBenchmark],
    data_preparation: EnergyRecord | None = None,
    links: dict[str, BackgroundActivity] | None = None,
    background_draws: str = "",
) -> StudyInventory:
    """The run's inventory; ``links`` (from :func:`lca.assessment.brightway.linking.linked_activities`) replace
    background activities by key, ``background_draws`` names the file of their Brightway Monte Carlo draws."""
    missing = [name for name in study.variant_names() if name not in benchmarks]
    if missing:
        raise ValueError(f"no benchmark for variant(s) {missing}")
    absent = [name for name in study.variant_names()[1:] if name not in compression]
    if absent:
        raise ValueError(f"variant(s) {absent} have no compression energy record")
    check_idle_hosts(benchmarks)
    records = [training, *compression.values(), *(b.energy for b in benchmarks.values())]
    records += [b.runtime_preparation for b in benchmarks.values() if b.runtime_preparation is not None]
    if data_preparation is not None:
        records.append(data_preparation)
    if study.lca.background is not None and study.lca.background.slots() and not links:
        raise ValueError(f"study {study.name!r} links background activities: resolve them first (links=...)")

    parts = InventoryParts(study, links)

    baseline = benchmarks[study.variant_names()[0]]
    alloc = server_allocation(study, benchmarks, records, threads_share(parts, baseline, training))
    if alloc.rule != "whole_machine":
        records.append(baseline.idle_energy)
    parts.notes.extend(alloc.notes)
    if study.deployment.serving == "online" and alloc.rule == "whole_machine":
        parts.notes.append(
            "Online serving under 'whole_machine': the server's embodied share is charged for the provisioned time, "
            "but its idle draw outside the measured compute time is not (no idle measurement to charge it from)."
        )
    parts.notes.extend(
        f"Energy of stage '{r.stage}' ({r.duration_s:.3g} s) is shorter than one sampling interval "
        f"({r.sampling_interval_s:g} s): flagged, and booked at its upper bound from its duration (see the inventory)."
        for r in records
        if r.below_sampling_interval
    )

    grid = add_grid(parts)
    add_it_electricity(parts)
    for record in records:
        add_measured(parts, record)
    add_manual_item(parts)
    add_review_item(parts)
    add_development(parts)
    time_of_use = add_time_of_use(parts, run_id, training, training.duration_s * study.lca.training_runs.total)
    if data_preparation is None:
        parts.notes.append(
            "Data preparation was not measured in this run (no energy record): its energy is not counted."
        )
    # trained from scratch (architectures, the classical baseline): their record is their training
    own_training = set(study.architecture_names()) | set(study.classical_names())
    scenarios = [
        ml_scenario(parts, name, compression[name], None, benchmarks[name], data_preparation, alloc, own_training=True)
        if name in own_training
        else ml_scenario(parts, name, training, compression.get(name), benchmarks[name], data_preparation, alloc)
        for name in study.variant_names()
    ]
    scenarios.append(reference_scenario(parts))
    climate = grid.flow("climate")
    if grid.linked:
        from lca.assessment.inventory.electricity import linked_grid_climate

        climate = linked_grid_climate(grid, study.impact_methods)
    if (proxies := parts.proxy_note()) is not None:
        parts.notes.append(proxies)
    linked = [a for a in parts.background() if a.linked]
    if linked:
        n = study.lca.background_draws or max(study.lca.monte_carlo_iterations, study.lca.sensitivity_iterations)
        parts.notes.append(
            f"Linked background: its uncertainty is {n:,} paired Brightway Monte Carlo draws of the linked activities "
            f"(one MultiLCA over all of them, seed {study.lca.seed})"
            + (
                f", reused in turn over the {study.lca.monte_carlo_iterations:,} iterations"
                if n < study.lca.monte_carlo_iterations
                else ""
            )
            + "."
        )
    return StudyInventory(
        study=study.name,
        run_id=run_id,
        country=study.deployment.country,
        grid_kg_co2e_per_kwh=climate.total,
        grid_uncertainty=climate.uncertainty,
        grid_source=climate.source,
        functional_unit=study.functional_unit.description,
        items=study.functional_unit.items,
        providers=parts.providers(),
        scenarios=scenarios,
        background=parts.background() + sensitivity_grids(parts, links),
        boundary=study.lca.system_boundary,
        notes=parts.notes,
        allocation=alloc.rule,
        allocation_statement=alloc.statement,
        host_warnings=list(alloc.host_warnings),
        serving=study.deployment.serving,
        serving_statement=serving_statement(study),
        framework=study.lca.framework.kind,
        framework_statement=framework_statement(study),
        rebound=rebound_setting(study),
        dqi=(dqi := dqi_rows(study)),
        judgement_inputs=[row.label for row in dqi if row.judgement],
        background_draws=background_draws if linked else "",
        time_of_use=time_of_use,
    )
