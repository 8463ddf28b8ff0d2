"""Interpretation stages: the paired Monte Carlo, the sensitivity analyses, the Brightway export, the comparison."""

from __future__ import annotations

from lca.orchestration.run import Run, stage
from lca.orchestration.stages.assessment import data_preparation
from lca.records import EnergyRecord, LciaResults, StudyInventory, Variant, VariantBenchmark
from lca.run_layout import beside


def _quality(run: Run):
    """The paired bootstrap of the test set (written by score_variants) and its draws, if this run has them."""
    import numpy as np

    from lca.records import QualityBootstrap

    key = run.layout.quality_bootstrap
    if not run.is_stored(key):
        return None, None
    record = run.load(QualityBootstrap, key)
    with np.load(run.fetch(beside(key, record.draws_file))) as data:
        names = [str(n) for n in data["variants"]]
        shares = data["routed_share"].astype(float)
    order = [names.index(v.variant) for v in record.variants]
    return record, shares[order]


def _units(methods) -> dict[tuple[str, ...], str]:
    from lca.assessment.brightway.project import method_units

    return method_units(methods)


@stage
def uncertainty(run: Run, inventory_key: str) -> str:
    """Paired Monte Carlo of every scenario, probabilities of beating the reference and the baseline, break-even."""
    import numpy as np

    from lca.assessment.interpretation.monte_carlo import monte_carlo

    spec = run.study.lca
    inventory = run.load(StudyInventory, inventory_key)
    draws_key = run.layout.monte_carlo_draws
    quality, shares = _quality(run)
    results, draws = monte_carlo(
        inventory,
        run.study.impact_methods,
        _units(run.study.impact_methods),
        spec.monte_carlo_iterations,
        spec.seed,
        run_id=run.run_id,
        draws_file=draws_key,
        quality=quality,
        quality_shares=shares,
    )
    np.savez_compressed(run.local(draws_key), **draws)
    run.put(draws_key)  # before the results that point at it
    return run.save(results, run.layout.monte_carlo)


@stage
def sensitivity(run: Run, inventory_key: str) -> str:
    """The study on each sensitivity country's grid, and the one-at-a-time tornado of the uncertain inputs."""
    from lca.assessment.interpretation.monte_carlo import bootstrap_supplied
    from lca.assessment.interpretation.sensitivity import sensitivity as analyse
    from lca.errors import StudyError

    spec = run.study.lca
    inventory = run.load(StudyInventory, inventory_key)
    whole_key = run.layout.whole_machine_inventory
    whole = run.load(StudyInventory, whole_key) if run.is_stored(whole_key) else None
    supplied = bootstrap_supplied(inventory, *_quality(run))
    try:
        results = analyse(
            inventory,
            run.study.impact_methods,
            _units(run.study.impact_methods),
            spec.sensitivity_countries,
            spec.sensitivity_iterations,
            spec.seed,
            spec.tornado_parameters,
            supplied=supplied,
            whole_machine=whole,
        )
    except StudyError as exc:
        raise StudyError(f"{run.study_path}: {exc}") from None
    results = results.model_copy(update={"excluded_stages": _excluded_stages(run, inventory)})
    return run.save(results, run.layout.sensitivity)


def _excluded_stages(run: Run, inventory: StudyInventory) -> list:
    """Each stage the study left out at a cited typical value, from this run's own measurements."""
    from lca.assessment.excluded_sensitivity import excluded_stage_sensitivity

    # the models and their energy are the measuring run's; the scored benchmarks are this run's (a
    # reassessment copies them, with the routed share of its own rule)
    models = run.stored_files(run.measured.models_folder, ".json")
    variants = {v.name: v for v in (run.load(Variant, k) for k in models)}
    energy = {name: run.load(EnergyRecord, v.energy_path) for name, v in variants.items()}
    scored = run.stored_files(run.layout.scored_folder, ".json")
    benchmarks = {b.variant: b for b in (run.load(VariantBenchmark, k) for k in scored)}
    return excluded_stage_sensitivity(
        run.study,
        inventory,
        run.study.impact_methods,
        _units(run.study.impact_methods),
        training=energy["baseline"],
        compression={name: record for name, record in energy.items() if name != "baseline"},
        benchmarks=benchmarks,
        data_preparation=data_preparation(run),
    )


@stage
def export_inventory(run: Run, inventory_key: str) -> str:
    """The foreground and the background it uses as a bw2io Excel file (importable in Activity Browser)."""
    from lca.assessment.brightway.export import export_excel
    from lca.assessment.brightway.foreground import ensure_foreground

    inventory = run.load(StudyInventory, inventory_key)
    database = ensure_foreground(inventory, run.study.impact_methods)
    export_excel(inventory, database, run.local(run.layout.export))
    return run.put(run.layout.export)


@stage
def compare(
    run: Run,
    lcia_key: str,
    inventory_key: str,
    benchmark_keys: list[str],
    monte_carlo_key: str | None = None,
) -> str:
    """The comparison table (comparison.csv) and, beside it, the rebound scenario the report shows (rebound.json)."""
    import csv

    from lca.assessment.comparison import result_rows
    from lca.assessment.rebound import rebound_rows
    from lca.records import MonteCarloResults, ReboundResults

    lcia = run.load(LciaResults, lcia_key)
    inventory = run.load(StudyInventory, inventory_key)
    rows = result_rows(
        lcia,
        inventory,
        [run.load(VariantBenchmark, k) for k in benchmark_keys],
        run.load(MonteCarloResults, monte_carlo_key) if monte_carlo_key else None,
    )
    rebound = ReboundResults(study=run.study.name, run_id=run.run_id, rows=rebound_rows(inventory, lcia))
    run.save(rebound, run.layout.rebound)
    path = run.local(run.layout.comparison)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return run.put(run.layout.comparison)
