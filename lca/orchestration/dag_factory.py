"""Build one Airflow DAG per study file (TaskFlow API of ``airflow.sdk``).

The DAG only wires stages together: each task is one call of the matching stage of
:mod:`lca.orchestration.stages` (which import their heavy libraries inside, so parsing
the DAG file stays cheap: no torch, pandas or Brightway at parse time). Tasks pass keys
of the artefact store, never data, through XCom; where a task needs another done first
without reading its output, ``>>`` says so. ``run_id`` is a task-context variable that
Airflow injects by name; it keeps each run's files apart. Whether a run reuses an
earlier run's measurements is the stages' decision, not the DAG's: the DAG is the same
for every run.

No task holds the host for itself. A stage's energy is attributed to its own process tree
(:mod:`lca.ml.energy`): the kernel counts CPU time per process, so a neighbour, of this
project or not, does not enter the figure, and two workers on one host measure at once.
Where a counter cannot be shared out (a GPU board's energy counter), the energy window
itself takes the host lock of :mod:`lca.host_lock` exclusively, for that window only.

Every task is a :class:`StageOperator`, whose ``on_kill()`` stops the task: Airflow calls it
from the SIGTERM handler it installs for each task, so a stop request is honoured before,
during and after the stage itself (lca.orchestration.termination).

Retries come from the deployment (``[core] default_task_retries``: 2 with a 30 s delay
in deploy/airflow.env; Airflow's default 0 in the embedded ``make demo``). They are spent
on faults only: a failure that a retry would only repeat (:func:`lca.errors.is_deterministic`:
every :class:`~lca.errors.DeterministicError` of the product, such as a gate's verdict, a
malformed study, a contradictory measurement, a missing or damaged stored file, and a
``ValueError`` raised by the product's own checks) is raised as Airflow's
``AirflowFailException`` (no retry), while a killed worker, a lost connection, a full
disk or a ``ValueError`` from inside a library is retried as any other.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from pathlib import Path

from airflow.providers.standard.decorators.python import _PythonDecoratedOperator
from airflow.sdk import dag
from airflow.sdk.bases.decorator import task_decorator_factory

from lca.errors import StudyError
from lca.orchestration import stages
from lca.orchestration.run import Run
from lca.orchestration.trigger_form import what_if_params
from lca.study.loading import load_study
from lca.study.schema import Study

log = logging.getLogger(__name__)


class StageOperator(_PythonDecoratedOperator):
    """Airflow's ``@task`` operator, stopped by SIGTERM: ``on_kill()`` (which Airflow's handler calls) raises."""

    def on_kill(self) -> None:
        from lca.orchestration.termination import stop

        stop(f"task {self.task_id} received SIGTERM: stopped")


def task(python_callable=None, **kwargs):
    """``@task`` with :class:`StageOperator`: every task of a study's DAG stops on SIGTERM."""
    return task_decorator_factory(python_callable=python_callable, decorated_operator_class=StageOperator, **kwargs)


_VARIANT_OF_KEY = "{{ task.op_kwargs['variant_key'].split('/')[-1] | replace('.json', '') }}"


def _items(paths) -> list[str]:
    """A mapped task's results as a list, in one request (iterating Airflow's lazy sequence asks for one
    item past the end, which its client logs as an error)."""
    return list(paths[:]) if paths else []


def _fails_fast(fn):
    """Fail the task for good when retrying cannot help (the same inputs give the same failure)."""

    @functools.wraps(fn)  # keeps the name (task id) and the signature Airflow injects context by
    def run(*args, **kwargs):
        from airflow.sdk.exceptions import AirflowFailException

        from lca.errors import is_deterministic

        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if is_deterministic(exc):
                raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
            raise

    return run


def build_study_dag(study_path: str | Path, study: Study | None = None):  # noqa: C901  # wires each optional part of the study
    """The DAG of one study; ``study`` may be passed when already validated."""
    study_path = Path(study_path).resolve()
    study = study or load_study(study_path)
    compression_names = [spec.name for spec in study.compression]

    def run(run_id: str) -> Run:
        """The run a task works on: the DAG's study (its id is the study's name) and Airflow's run id."""
        return Run(study_path, study.name, run_id)

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
        params=what_if_params(study),
    )
    def study_dag():  # noqa: C901  # wires each optional part of the study
        @task
        @_fails_fast
        def settings(run_id: str | None = None, params: dict | None = None) -> str:
            return stages.settings.write_settings(run(run_id), params)

        @task
        @_fails_fast
        def prepare_data(run_id: str | None = None) -> str:
            return stages.data.prepare_data(run(run_id))

        @task
        @_fails_fast
        def check_data(dataset_key: str, run_id: str | None = None) -> str:
            return stages.data.check_data(run(run_id), dataset_key)

        @task
        @_fails_fast
        def train(dataset_key: str, run_id: str | None = None) -> str:
            return stages.models.train(run(run_id), dataset_key)

        @task(map_index_template="{{ task.op_kwargs['name'] }}")  # the UI names each mapped task by its variant
        @_fails_fast
        def compress(dataset_key: str, baseline_key: str, name: str, run_id: str | None = None) -> str:
            return stages.models.compress(run(run_id), dataset_key, baseline_key, name)

        @task
        @_fails_fast
        def fit_classical(dataset_key: str, run_id: str | None = None) -> str:
            return stages.models.fit_classical(run(run_id), dataset_key)

        @task
        @_fails_fast
        def collect_variants(baseline_key: str, compressed_keys, classical_key: str | None = None) -> list[str]:
            """In the study's order (Study.variant_names): baseline, compressed variants, classical baseline."""
            return [baseline_key, *_items(compressed_keys), *([classical_key] if classical_key else [])]

        @task
        @_fails_fast
        def runtimes(dataset_key: str, variant_key: str, run_id: str | None = None) -> str:
            return stages.runtimes.runtimes(run(run_id), dataset_key, variant_key)

        @task
        @_fails_fast
        def measure_idle(run_id: str | None = None) -> str:
            return stages.benchmarks.measure_idle(run(run_id))

        @task(map_index_template=_VARIANT_OF_KEY)
        @_fails_fast
        def benchmark(dataset_key: str, idle_key: str, variant_key: str, run_id: str | None = None) -> str:
            return stages.benchmarks.benchmark(run(run_id), dataset_key, variant_key, idle_key)

        @task
        @_fails_fast
        def score_variants(benchmark_keys, run_id: str | None = None) -> list[str]:
            return stages.benchmarks.score_variants(run(run_id), _items(benchmark_keys))

        @task
        @_fails_fast
        def check_benchmarks(benchmark_keys, run_id: str | None = None) -> str:
            return stages.benchmarks.check_benchmarks(run(run_id), _items(benchmark_keys))

        @task
        @_fails_fast
        def build_inventory(variant_keys: list[str], benchmark_keys, run_id: str | None = None) -> str:
            return stages.assessment.build_inventory(run(run_id), variant_keys, _items(benchmark_keys))

        @task
        @_fails_fast
        def lcia(inventory_key: str, run_id: str | None = None) -> str:
            return stages.assessment.lcia(run(run_id), inventory_key)

        @task
        @_fails_fast
        def uncertainty(inventory_key: str, run_id: str | None = None) -> str:
            return stages.interpretation.uncertainty(run(run_id), inventory_key)

        @task
        @_fails_fast
        def sensitivity(inventory_key: str, run_id: str | None = None) -> str:
            return stages.interpretation.sensitivity(run(run_id), inventory_key)

        @task
        @_fails_fast
        def export_inventory(inventory_key: str, run_id: str | None = None) -> str:
            return stages.interpretation.export_inventory(run(run_id), inventory_key)

        @task
        @_fails_fast
        def compare(
            lcia_key: str, inventory_key: str, benchmark_keys, monte_carlo_key: str, run_id: str | None = None
        ) -> str:
            return stages.interpretation.compare(
                run(run_id), lcia_key, inventory_key, _items(benchmark_keys), monte_carlo_key
            )

        @task
        @_fails_fast
        def report(  # noqa: PLR0913  # one XCom store key per upstream record
            variant_keys: list[str],
            benchmark_keys,
            data_gate: str,
            benchmark_gate: str,
            inventory_key: str,
            lcia_key: str,
            dataset_key: str,
            monte_carlo_key: str,
            sensitivity_key: str,
            export_key: str,
            run_id: str | None = None,
        ) -> str:
            return stages.report.report(
                run(run_id),
                variant_keys=variant_keys,
                benchmark_keys=_items(benchmark_keys),
                gate_keys=[data_gate, benchmark_gate],
                inventory_key=inventory_key,
                lcia_key=lcia_key,
                dataset_key=dataset_key,
                monte_carlo_key=monte_carlo_key,
                sensitivity_key=sensitivity_key,
                export_key=export_key,
            )

        # What each task reads comes in as an argument; `>>` orders the rest.
        dataset = prepare_data()
        settings() >> dataset  # the run's settings and study snapshot come first
        data_gate = check_data(dataset)
        baseline = train(dataset)
        data_gate >> baseline  # nothing trains on data that failed the gate
        compressed = (
            compress.partial(dataset_key=dataset, baseline_key=baseline).expand(name=compression_names)
            if compression_names
            else []
        )
        classical = fit_classical(dataset) if study.classical_names() else None
        if classical is not None:
            data_gate >> classical
        variants = collect_variants(baseline, compressed, classical)
        deployed = runtimes.partial(dataset_key=dataset).expand(variant_key=variants)
        idle = measure_idle()
        deployed >> idle  # after every training, compression and compilation, so the idle window sees none
        measured = benchmark.partial(dataset_key=dataset, idle_key=idle).expand(variant_key=variants)
        benchmarks = score_variants(measured)
        benchmark_gate = check_benchmarks(benchmarks)
        inventory = build_inventory(variants, benchmarks)
        benchmark_gate >> inventory  # no assessment of benchmarks that failed the gate
        results = lcia(inventory)
        # The interpretation tasks read the inventory once Brightway and the engine agree on it; they run side by side.
        monte_carlo = uncertainty(inventory)
        sensitivities = sensitivity(inventory)
        exported = export_inventory(inventory)
        results >> [monte_carlo, sensitivities, exported]
        comparison = compare(results, inventory, benchmarks, monte_carlo)
        published = report(
            variants,
            benchmarks,
            data_gate,
            benchmark_gate,
            inventory,
            results,
            dataset,
            monte_carlo,
            sensitivities,
            exported,
        )
        comparison >> published  # the report is the run's last word

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
