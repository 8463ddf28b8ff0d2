"""Life-cycle assessment stages: the inventory of every scenario, and Brightway's scores checked against the engine."""

from __future__ import annotations

from lca.orchestration.run import Run, stage
from lca.records import EnergyRecord, StudyInventory, Variant, VariantBenchmark


@stage
def build_inventory(run: Run, variant_keys: list[str], benchmark_keys: list[str]) -> str:
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.linking import linked_background
    from lca.assessment.brightway.provision import ensure_project
    from lca.assessment.inventory import build_inventory as build

    variants = {v.name: v for v in (run.load(Variant, k) for k in variant_keys)}
    energy = {name: run.load(EnergyRecord, v.energy_path) for name, v in variants.items()}
    benchmarks = {b.variant: b for b in (run.load(VariantBenchmark, k) for k in benchmark_keys)}
    preparation = data_preparation(run)
    ensure_project(run.study.impact_methods)
    links, draws = linked_background(run.study)  # the practitioner's own background, if the study links to it

    def inventory_of(study):
        return build(
            study,
            run.run_id,
            training=energy["baseline"],
            compression={name: record for name, record in energy.items() if name != "baseline"},
            benchmarks=benchmarks,
            data_preparation=preparation,
            links=links,
            background_draws=draws,
        )

    inventory = inventory_of(run.study)
    inventory_key = run.save(inventory, run.layout.inventory)
    if inventory.allocation != "whole_machine":  # the same run booked the old way, for the sensitivity section
        whole = run.study.model_copy(
            update={"deployment": run.study.deployment.model_copy(update={"allocation": "whole_machine"})}
        )
        run.save(inventory_of(whole), run.layout.whole_machine_inventory)
    write_inventory(inventory)
    return inventory_key


def data_preparation(run: Run) -> EnergyRecord | None:
    """Written by prepare_data, in this run or in the run whose measurements it reuses (none in older runs)."""
    key = run.measured.data_preparation_energy
    return run.load(EnergyRecord, key) if run.is_stored(key) else None


# Brightway stores float32-friendly arrays: agreement to about 1e-7 is exact here.
ENGINE_TOLERANCE = 1e-5


@stage
def lcia(run: Run, inventory_key: str) -> str:
    """Brightway's scores of every scenario and stage, checked against the project's engine."""
    from lca.assessment.brightway.foreground import ensure_foreground
    from lca.assessment.brightway.lcia import compute_scores_and_stages
    from lca.assessment.engine import compile_model, deterministic, scenario_totals
    from lca.errors import LcaError

    inventory = run.load(StudyInventory, inventory_key)
    methods = run.study.impact_methods
    # This host's own Brightway project: the run's database is rebuilt here if another host wrote it.
    results, _ = compute_scores_and_stages(inventory, ensure_foreground(inventory, methods), methods)
    model = compile_model(inventory, methods)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    gaps = [
        abs(s.score - totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))])
        / max(abs(s.score), 1e-300)
        for s in results.scores
    ]
    results = results.model_copy(update={"engine_max_rel_diff": max(gaps, default=0.0)})
    if results.engine_max_rel_diff > ENGINE_TOLERANCE:
        raise LcaError(
            f"lca.assessment.engine and Brightway disagree on {inventory_key} by {results.engine_max_rel_diff:.2e} "
            "(relative): "
            "the Monte Carlo and sensitivity results would not describe Brightway's model"
        )
    return run.save(results, run.layout.lcia)
