"""Command line: validate studies, prepare the offline Brightway project, run a study.

``lca-ml demo`` runs a study through its real Airflow DAG with ``dag.test()``
on the embedded default (SQLite metadata database, tasks in this process).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import typer

from lca.errors import LcaError
from lca.settings import reports_dir, runs_dir, safe_name, studies_dir

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _study_files(names: list[str]) -> list[Path]:
    """Study files from names, files or folders (every ``*.yaml`` in it); all of the studies folder by default."""
    if not names:
        return sorted(studies_dir().glob("*.yaml"))
    files: list[Path] = []
    for n in names:
        if n.endswith((".yaml", ".yml")):
            files.append(Path(n))
        elif Path(n).is_dir():
            files.extend(sorted(Path(n).glob("*.yaml")))
        else:
            files.append(studies_dir() / f"{n}.yaml")
    return files


@app.command()
def validate(studies: list[str] = typer.Argument(None, help="study names, files or folders; all by default")) -> None:
    """Check study files against the schema and the cited reference data."""
    failed = False
    for path in _study_files(studies or []):
        try:
            study = _checked_study(path, data_file=True)
            typer.echo(f"ok   {path} ({study.name}: {len(study.variant_names())} variants)")
        except LcaError as exc:
            failed = True
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
    if failed:
        raise typer.Exit(code=1)


def _checked_study(path: Path, *, data_file: bool):
    """The study of ``path`` with every check that can run before anything trains.

    Its name must be its own in the studies folder and its own folder (the DAG id);
    with ``data_file``, a bring-your-own data file's header and rows are read too
    (lca.ml.datasets.preflight; the Great Expectations gate in the DAG stays the full check).
    """
    from lca.study.catalogue import check_unique_name
    from lca.study.schema import load_study

    study = load_study(path)
    check_unique_name(path, study.name, [studies_dir(), Path(path).parent])
    if data_file and study.dataset.file is not None:
        from lca.ml.datasets.preflight import check_data_file

        check_data_file(study, Path(path))
    return study


@app.command("setup-brightway")
def setup_brightway() -> None:
    """Create the offline Brightway project with every impact method the studies name (idempotent)."""
    from lca.assessment.brightway.project import ensure_project
    from lca.study.schema import GWP100, load_study

    methods = {GWP100}
    for path in _study_files([]):
        try:
            methods.update(load_study(path).impact_methods)
        except LcaError as exc:
            typer.secho(f"skipping invalid study: {exc}", fg=typer.colors.YELLOW, err=True)
    started = time.perf_counter()
    ensure_project(sorted(methods))
    typer.echo(f"Brightway project ready ({len(methods)} impact method(s), {time.perf_counter() - started:.1f} s)")


@app.command()
def setup() -> None:
    """Prepare the embedded Airflow metadata database and the Brightway project (idempotent)."""
    from lca.orchestration import embedded_airflow

    embedded_airflow.configure()
    setup_brightway()
    embedded_airflow.migrate_db()
    typer.echo(f"Airflow metadata database ready in {embedded_airflow.airflow_home_in_use()}")


@app.command()
def demo(study: str = typer.Argument("digits", help="study name (file in include/studies) or path")) -> None:
    """Run one study end to end through its Airflow DAG, in this process, and print a summary."""
    from lca.orchestration import embedded_airflow

    path = _study_files([study])[0]
    try:
        parsed = _checked_study(path, data_file=True)
    except LcaError as exc:
        _fail(str(exc))
    embedded_airflow.configure()
    embedded_airflow.migrate_db()
    from airflow.dag_processing.dagbag import DagBag

    from lca.settings import REPO_ROOT

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    if bag.import_errors:
        _fail(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags.get(parsed.name)
    if dag is None:
        _fail(f"no DAG '{parsed.name}' in {REPO_ROOT / 'dags'} (is {path} in {studies_dir()}?)")
    started = time.perf_counter()
    run = dag.test()
    elapsed = time.perf_counter() - started
    _exit_now_if_terminated(run.run_id)
    state = str(getattr(run.state, "value", run.state))
    if state != "success":
        _fail(f"DAG run {run.run_id} ended in state '{state}' after {elapsed:.0f} s; see the task logs above.")
    print_summary(parsed.name, run.run_id, elapsed)


def _exit_now_if_terminated(run_id: str) -> None:
    """After SIGTERM, exit at once (status 143, as a process killed by SIGTERM).

    The stage stopped within a second and ``dag.test()`` then failed the remaining tasks;
    a normal interpreter exit would spend several more seconds collecting the million
    objects Airflow and torch leave behind. Everything the run wrote is closed by now.
    """
    from lca.orchestration.termination import terminated

    if terminated():
        typer.secho(f"DAG run {run_id} stopped by SIGTERM; nothing was published.", fg=typer.colors.RED, err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(143)


def print_summary(study: str, run_id: str, elapsed: float) -> None:
    from lca.records import LciaResults, StudyInventory
    from lca.reporting.run_report import summary_lines

    run_dir = runs_dir() / study / safe_name(run_id)
    report = reports_dir() / study / safe_name(run_id)
    lcia = LciaResults.load(run_dir / "lca" / "lcia.json")
    inventory = StudyInventory.load(run_dir / "lca" / "inventory.json")
    typer.echo("")
    typer.secho(f"Study '{study}', run {run_id}: success in {elapsed:.0f} s", bold=True)
    for line in summary_lines(lcia, inventory):
        typer.echo(line)
    typer.echo(f"Report: {report / 'report.html'}")
    typer.echo(f"Tables: {report / 'results.csv'}")


def main() -> None:  # pragma: no cover - entry point
    try:
        app()
    except LcaError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
