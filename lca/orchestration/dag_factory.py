"""Build one Airflow DAG per study file (TaskFlow API of ``airflow.sdk``).

The DAG only wires stages together: each task calls the matching function of
:mod:`lca.orchestration.stages`, imported inside the task so that parsing the DAG file
stays cheap (no torch, pandas or Brightway at parse time). Tasks pass file
paths, never data, through XCom. ``run_id`` is a task-context variable that
Airflow injects by name; it keeps each run's files apart.

Every task holds the host lock of :mod:`lca.ml.host_lock` for its whole duration: the
tasks that measure energy exclusively (:func:`_measured`), all others shared
(:func:`_unmeasured`), so a measurement never runs beside another task of this project
on its host, whatever the DAG it belongs to.

Retries come from the deployment (``[core] default_task_retries``: 2 with a 30 s delay
in deploy/airflow.env; Airflow's default 0 in the embedded ``make demo``). A failure
that a retry would only repeat fails the task at once: a data-quality gate's verdict
on the same files (:class:`~lca.errors.DataQualityError`) and a malformed study
(:class:`~lca.errors.StudyError`) are raised as Airflow's ``AirflowFailException``
(no retry), while a killed worker or a lost connection during the same task is
retried as any other.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from pathlib import Path

from airflow.sdk import Param, dag, task

from lca.errors import StudyError
from lca.study.loading import load_study
from lca.study.schema import Study

log = logging.getLogger(__name__)


def what_if_params() -> dict[str, Param]:
    """The trigger form's fields: assumptions to change for this run only, and measurements to reuse.

    Empty means "as in the study file". The first task checks them with the study schema
    (lca.study.overrides), so a bad value fails the run with the study file's own error message.
    """

    def optional(kind: str, description: str, **extra) -> Param:
        return Param(None, type=["null", kind], description=description, **extra)

    return {
        "reuse_measurements_from": optional(
            "string",
            "Run id of an earlier run of this study: reuse its checked energy records and benchmarks "
            "(no training, compression or benchmarking) and redo the inventory, LCIA and report.",
        ),
        "country": optional("string", "Grid country (ISO 3166 alpha-2 or alpha-3) instead of deployment.country."),
        "pue": optional("string", "PUE parameter id (include/data/parameters.yaml) instead of deployment.pue."),
        "items": optional("integer", "Items in the functional unit instead of functional_unit.items.", minimum=1),
        "routing_threshold": optional(
            "number", "Route items whose top class probability is below this to a person (routing.rule low_confidence)."
        ),
        "monte_carlo_iterations": optional(
            "integer", "Paired Monte Carlo draws instead of lca.monte_carlo_iterations.", minimum=1
        ),
        "overrides": Param(
            {},
            type="object",
            description='Any other study field by dotted path, e.g. {"lca.system_boundary": "devices_only"}.',
        ),
    }


def _items(paths) -> list[str]:
    """A mapped task's results as a list, in one request (iterating Airflow's lazy sequence asks for one
    item past the end, which its client logs as an error)."""
    return list(paths[:]) if paths else []


def _with_host_lock(mode: str):
    """Run the task under the host lock; fail it for good when retrying cannot help."""

    def wrap(fn):
        @functools.wraps(fn)  # keeps the name (task id) and the signature Airflow injects context by
        def run(*args, **kwargs):
            from airflow.sdk.exceptions import AirflowFailException

            from lca import host_lock
            from lca.errors import DataQualityError, StudyError

            with host_lock.exclusive() if mode == "exclusive" else host_lock.shared():
                try:
                    return fn(*args, **kwargs)
                except (DataQualityError, StudyError) as exc:  # the same inputs give the same verdict
                    raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc

        run.host_lock_mode = mode
        return run

    return wrap


_measured = _with_host_lock("exclusive")  # alone on the host for the whole task
_unmeasured = _with_host_lock("shared")  # beside other unmeasured tasks, never beside a measurement


def build_study_dag(study_path: str | Path, study: Study | None = None):
    """The DAG of one study; ``study`` may be passed when already validated."""
    study_path = str(Path(study_path).resolve())
    study = study or load_study(study_path)
    compression_names = [spec.name for spec in study.compression]

    @dag(
        dag_id=study.name,
        description=study.functional_unit.description,
        schedule=study.schedule,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["lca", "ml"],
        doc_md=f"**{study.name}**: {study.description}\n\nStudy file: `{study_path}`",
        # dags/lca_studies.py puts every valid DAG in its globals; not auto-registering keeps a
        # DAG that fails validation in build_all out of the DagBag (it would fail the whole file).
        auto_register=False,
        params=what_if_params(),
    )
    def study_dag():
        # Every measuring task asks `_source` first: in a what-if run it returns the earlier run's file.
        def _source(run_id):
            from lca.orchestration import stages

            return stages.Run(Path(study_path), run_id).source

        @task
        @_unmeasured
        def settings(run_id: str | None = None, params: dict | None = None) -> str:
            from lca.orchestration import reassess

            return reassess.write_settings(study_path, run_id, params)

        @task
        @_measured
        def prepare_data(settings_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.dataset(source)
            return stages.prepare_data(study_path, run_id)

        @task
        @_unmeasured
        def check_data(dataset_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.data_gate(source)
            return stages.check_data(study_path, run_id, dataset_path)

        @task
        @_measured
        def train(dataset_path: str, data_gate: str, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.variant(source, "baseline")
            return stages.train(study_path, run_id, dataset_path)

        @task
        @_measured
        def compress(dataset_path: str, baseline_path: str, name: str, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.variant(source, name)
            return stages.compress(study_path, run_id, dataset_path, baseline_path, name)

        @task
        @_unmeasured
        def collect_variants(baseline_path: str, compressed_paths) -> list[str]:
            return [baseline_path, *_items(compressed_paths)]

        @task
        @_measured
        def measure_idle(variant_paths: list[str], run_id: str | None = None) -> str:
            # After every compression task, so the idle window sees no training.
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.idle(source)
            return stages.measure_idle(study_path, run_id)

        # Two energy windows sharing a CPU would each count the other's work: the exclusive host
        # lock keeps benchmarks (of any DAG) apart on a host, while two hosts benchmark in parallel.
        @task
        @_measured
        def benchmark(dataset_path: str, idle_path: str, variant_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if source := _source(run_id):
                return reassess.benchmark(stages.Run(Path(study_path), run_id), source, variant_path)
            return stages.benchmark(study_path, run_id, dataset_path, variant_path, idle_path)

        @task
        @_unmeasured
        def score_variants(benchmark_paths, run_id: str | None = None) -> list[str]:
            from lca.orchestration import reassess, stages

            if _source(run_id):
                return reassess.scored(stages.Run(Path(study_path), run_id), _items(benchmark_paths))
            return stages.score_variants(study_path, run_id, _items(benchmark_paths))

        @task
        @_unmeasured
        def check_benchmarks(benchmark_paths, run_id: str | None = None) -> str:
            from lca.orchestration import reassess, stages

            if (source := _source(run_id)) and (
                gate := reassess.benchmark_gate(stages.Run(Path(study_path), run_id), source)
            ):
                return gate
            return stages.check_benchmarks(study_path, run_id, _items(benchmark_paths))

        @task
        @_unmeasured
        def build_inventory(
            variant_paths: list[str], benchmark_paths, benchmark_gate: str, run_id: str | None = None
        ) -> str:
            from lca.orchestration import stages

            return stages.build_inventory(study_path, run_id, variant_paths, _items(benchmark_paths))

        @task
        @_unmeasured
        def lcia(inventory_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import stages

            return stages.lcia(study_path, run_id, inventory_path)

        # The interpretation tasks read the inventory and the checked LCIA; they run side by side.
        @task
        @_unmeasured
        def uncertainty(inventory_path: str, lcia_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import stages

            return stages.uncertainty(study_path, run_id, inventory_path)

        @task
        @_unmeasured
        def sensitivity(inventory_path: str, lcia_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import stages

            return stages.sensitivity(study_path, run_id, inventory_path)

        @task
        @_unmeasured
        def export_inventory(inventory_path: str, lcia_path: str, run_id: str | None = None) -> str:
            from lca.orchestration import stages

            return stages.export_inventory(study_path, run_id, inventory_path)

        @task
        @_unmeasured
        def compare(
            lcia_path: str, inventory_path: str, benchmark_paths, monte_carlo_path: str, run_id: str | None = None
        ) -> str:
            from lca.orchestration import stages

            return stages.compare(
                study_path, run_id, lcia_path, inventory_path, _items(benchmark_paths), monte_carlo_path
            )

        @task
        @_unmeasured
        def report(
            variant_paths: list[str],
            benchmark_paths,
            data_gate: str,
            benchmark_gate: str,
            inventory_path: str,
            lcia_path: str,
            comparison_path: str,
            dataset_path: str,
            monte_carlo_path: str,
            sensitivity_path: str,
            export_path: str,
            run_id: str | None = None,
        ) -> str:
            from lca.orchestration import stages

            return stages.report(
                study_path,
                run_id,
                variant_paths=variant_paths,
                benchmark_paths=_items(benchmark_paths),
                gate_paths=[data_gate, benchmark_gate],
                inventory_path=inventory_path,
                lcia_path=lcia_path,
                dataset_path=dataset_path,
                monte_carlo_path=monte_carlo_path,
                sensitivity_path=sensitivity_path,
                export_path=export_path,
            )

        dataset = prepare_data(settings())
        data_gate = check_data(dataset)
        baseline = train(dataset, data_gate)
        compressed = (
            compress.partial(dataset_path=dataset, baseline_path=baseline).expand(name=compression_names)
            if compression_names
            else []
        )
        variants = collect_variants(baseline, compressed)
        idle = measure_idle(variants)
        measured = benchmark.partial(dataset_path=dataset, idle_path=idle).expand(variant_path=variants)
        benchmarks = score_variants(measured)
        benchmark_gate = check_benchmarks(benchmarks)
        inventory = build_inventory(variants, benchmarks, benchmark_gate)
        results = lcia(inventory)
        monte_carlo = uncertainty(inventory, results)
        sensitivities = sensitivity(inventory, results)
        exported = export_inventory(inventory, results)
        comparison = compare(results, inventory, benchmarks, monte_carlo)
        report(
            variants,
            benchmarks,
            data_gate,
            benchmark_gate,
            inventory,
            results,
            comparison,
            dataset,
            monte_carlo,
            sensitivities,
            exported,
        )

    return study_dag()


def build_all(studies_dir: str | Path) -> dict[str, object]:
    """A DAG per valid ``*.yaml`` study; an invalid file is logged with its error and skipped.

    One bad study must not take down the DAGs of the others, so the error is
    logged (visible in the DAG processor log) rather than raised. Files declaring
    the same name are all skipped (lca.study.catalogue): which one Airflow would
    keep is an accident of parse order.
    """
    from lca.study.catalogue import clash_message, name_clashes, study_files

    dags = {}
    paths = study_files(Path(studies_dir))
    clashing = set()
    for name, files in name_clashes(paths).items():
        log.error("skipping study files %s:\n%s", ", ".join(map(str, files)), clash_message(name, files))
        clashing.update(files)
    for path in paths:
        if path in clashing:
            continue
        try:
            study = load_study(path)
        except StudyError as exc:
            log.error("skipping study %s:\n%s", path, exc)
            continue
        try:
            built = build_study_dag(path, study)
            built.validate()  # what DagBag checks later (the schedule...), and fails for the whole file
            dags[study.name] = built
        except Exception as exc:  # noqa: BLE001 - e.g. a schedule Airflow refuses: one study, not the file
            log.error("skipping study %s: Airflow refused its DAG: %s", path, exc)
    return dags
