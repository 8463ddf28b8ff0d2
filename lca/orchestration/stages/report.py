"""The report stage: the run's report folder, published once, and the study's history."""

from __future__ import annotations

from pathlib import Path

from lca.errors import LcaError
from lca.orchestration.run import Run, stage
from lca.orchestration.termination import raise_if_terminated
from lca.records import EnergyRecord, LciaResults, StudyInventory, Variant, VariantBenchmark
from lca.run_layout import report_folder


@stage
def report(  # noqa: PLR0913  # keyword-only, one store key per record in the report
    run: Run,
    *,
    variant_keys: list[str],
    benchmark_keys: list[str],
    gate_keys: list[str],
    inventory_key: str,
    lcia_key: str,
    dataset_key: str | None = None,
    monte_carlo_key: str | None = None,
    sensitivity_key: str | None = None,
    export_key: str | None = None,
) -> str:
    """Publish the run's report folder and return its key; a retry finds it complete and returns it.

    Publication is the last step, after the study's history is updated: a run that fails (a
    damaged history, a SIGTERM, a full disk) fails before anything of it is published, and
    its rows are taken out of the history again. The other order would publish a report and
    then fail the run at its history, or would need the history update to swallow its errors;
    the history heals itself (lca.reporting.history), so failing on it is rare and honest.
    """
    from lca.ml.datasets.card import sha256
    from lca.records import GateResult, MonteCarloResults, ReboundResults, RuntimeSweep, SensitivityResults
    from lca.reporting import history
    from lca.reporting.impact_section import RESULTS_CSV
    from lca.reporting.run_report import write_report

    inputs: dict[str, Path] = {}  # every stored file the report is made from, by key

    def fetch(key: str) -> Path:
        inputs[key] = run.fetch(key)
        return inputs[key]

    def load(record_type, key: str):
        return record_type.load(fetch(key), key=key)

    variants = {v.name: v for v in (load(Variant, k) for k in variant_keys)}
    energy = {name: load(EnergyRecord, v.energy_path) for name, v in variants.items()}
    monte_carlo = None
    if monte_carlo_key:
        monte_carlo = load(MonteCarloResults, monte_carlo_key)
        # The report reads the draws from this host's copy; the record keeps the key.
        monte_carlo = monte_carlo.model_copy(update={"draws_file": str(fetch(monte_carlo.draws_file))})
    card = None
    if dataset_key:
        from lca.ml.data import load_card
        from lca.ml.datasets.card import card_key

        fetch(card_key(dataset_key))
        card = load_card(run.local(dataset_key))  # the card beside where the dataset would be
    # written by the compare task, which runs first; a run from before it existed has none
    rebound = load(ReboundResults, run.layout.rebound).rows if run.is_stored(run.layout.rebound) else None
    # each variant in every runtime (the runtimes stage); a run from before that stage has none
    sweep_keys = [run.measured.runtimes(name) for name in variants]
    runtime_sweeps = [load(RuntimeSweep, k) for k in sweep_keys if run.is_stored(k)]
    folder = report_folder(run.study_name, run.run_id)
    rows_written = []  # this attempt's rows in the history, taken out again if nothing is published

    def record_history(staging: Path) -> None:
        """Between building the folder and publishing it: the history first, then a last check for SIGTERM."""
        raise_if_terminated()
        if not run.store.is_file(history.rows_key(run.study.name, run.run_id)):
            rows_written.append(run.run_id)
        history.record_run(
            staging / RESULTS_CSV,
            study_name=run.study.name,
            study_path=run.study_path,
            run_id=run.run_id,
            run_folder=folder.rsplit("/", 1)[-1],
            source_run=run.settings.reuse_measurements_from,
            overrides=run.settings.overrides,
            store=run.store,
        )
        raise_if_terminated()

    try:
        out = write_report(
            study=run.study,
            study_path=run.study_path,
            run_id=run.run_id,
            inventory=load(StudyInventory, inventory_key),
            lcia=load(LciaResults, lcia_key),
            benchmarks=[load(VariantBenchmark, k) for k in benchmark_keys],
            training_energy=energy["baseline"],
            compression_energy={n: r for n, r in energy.items() if n != "baseline"},
            gates=[load(GateResult, k) for k in gate_keys],
            **({"dataset_card": card} if card is not None else {}),
            monte_carlo=monte_carlo,
            sensitivity=load(SensitivityResults, sensitivity_key) if sensitivity_key else None,
            rebound=rebound,
            export_path=fetch(export_key) if export_key else None,
            whatif=_whatif(run),
            runtime_sweeps=runtime_sweeps,
            inputs={key: sha256(path) for key, path in sorted(inputs.items())},
            before_publish=record_history,
        )
    except BaseException:
        if rows_written and not run.store.is_file(f"{folder}/report.html"):
            history.forget(run.store, run.study.name, run.run_id)
        raise
    key = run.store.key_of(out)
    if key != folder:
        raise LcaError(f"{key}: the report was published outside the run's report folder")
    return key


def _whatif(run: Run) -> dict | None:
    """What the report says about a reassessment; None for a plain run."""
    from lca.study import overrides as ov

    settings = run.settings
    if not settings.overrides and not settings.reuse_measurements_from:
        return None
    return {
        "source_run": settings.reuse_measurements_from,
        # each override beside the value of the study file as written when the run started
        "overrides": ov.describe(run.fetch(run.layout.study_as_written), settings.overrides),
    }
