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
from lca.settings import studies_dir

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
    mismatched: dict[str, list[str]] = {}
    for path in _study_files(studies or []):
        try:
            study, links = _checked_study(path)
            linked = ", linked to " + "; ".join(links) if links else ""
            typer.echo(f"ok   {path} ({study.name}: {len(study.variant_names())} variants{linked})")
            _warn_excluded_stages(study, path)
            warning = _host_vs_server(study)
            if warning:
                mismatched.setdefault(warning, []).append(study.name)
        except LcaError as exc:
            failed = True
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
    for warning, names in mismatched.items():
        typer.secho(f"host (studies {', '.join(names)}): {warning}", fg=typer.colors.YELLOW, err=True)
    if failed:
        raise typer.Exit(code=1)


def _checked_study(path: Path, overrides: dict | None = None):
    """The study of ``path`` (with a reassessment's ``overrides``) and its Brightway links, after every check
    that can run before anything trains: the one set of checks of ``validate``, ``demo`` and ``reassess``.

    Its name must be its own in the studies folder and its own folder (the DAG id); a
    bring-your-own data file's header and rows are read (lca.ml.datasets.preflight; the
    Great Expectations gate in the DAG stays the full check); links to the practitioner's
    Brightway background are checked against the project, which must exist. Run inside
    the DAG instead, these checks would fail a minute in.
    """
    from lca.study.catalogue import check_unique_name
    from lca.study.loading import load_study
    from lca.study.overrides import apply_overrides

    study = apply_overrides(path, overrides) if overrides else load_study(path)
    check_unique_name(path, study.name, [studies_dir(), Path(path).parent])
    if study.dataset.file is not None:
        from lca.ml.datasets.preflight import check_data_file

        check_data_file(study, Path(path))
    return study, _background_links(study, path)


def _host_vs_server(study) -> str | None:
    """This host measures the energy; the study charges a share of a modelled server: a warning when they disagree.

    Only this host can be checked here (the run may measure elsewhere): the report checks the
    hosts its records name (lca.assessment.inventory.host_share). ``server_share: from_host``
    takes the measured host's share, so it cannot disagree.
    """
    from lca.energy.host import server_mismatch, this_host
    from lca.study.reference_data import hardware_data, resolve
    from lca.study.schema import FROM_HOST

    if study.deployment.allocation == "whole_machine":
        return None
    share = study.lca.hardware.server_share
    if study.deployment.allocation == "dedicated":
        share = 1.0
    elif share is None:
        if study.deployment.server_share == FROM_HOST:
            return None
        share = resolve(study.deployment.server_share).magnitude("dimensionless")
    server = study.lca.hardware.server
    threads = (hardware_data().get("devices") or {}).get(server, {}).get("threads")
    host = this_host()
    warning = server_mismatch(host.logical_cpus, host.virtual, server, int(threads or 0), float(share))
    return f"{warning} (deployment.server_share: {FROM_HOST} charges the measured host's share)" if warning else None


def _warn_excluded_stages(study, path: Path) -> None:
    """Valid, but the user must know which life-cycle stages are left at zero by default."""
    from lca.study.excluded_stages import excluded_stages

    for stage in excluded_stages(study):
        typer.secho(
            f"warn {path}: stage '{stage.stage}' is left out: {stage.why} (field '{stage.field}'); "
            f"typical: {stage.typical_label}",
            fg=typer.colors.YELLOW,
            err=True,
        )


def _background_links(study, path: Path) -> list[str]:
    """Links to the practitioner's Brightway background, checked against the project (Brightway only then)."""
    if study.lca.background is None or not study.lca.background.slots():
        return []
    from lca.assessment.brightway.linking import linked_activities, resolve_links

    try:
        links = resolve_links(study)
        linked_activities(links, study.impact_methods)  # Brightway's scores (cached): a silent zero fails here
    except LcaError as exc:
        raise LcaError(f"{path}: {exc}") from None
    return [f"{link.field} = {link.name!r} ({link.database})" for link in links]


_PROJECT_OPTION = typer.Option(
    None,
    "--brightway-project",
    help="use this existing Brightway project (e.g. your ecoinvent one); the product adds its databases beside yours",
)


def _point_at_project(name: str | None) -> None:
    if not name:
        return
    from lca.assessment.brightway.project import activate
    from lca.settings import brightway_project_file

    try:
        activate(name)  # must exist: never created, never copied
    except LcaError as exc:
        _fail(f"--brightway-project {name!r}: {exc}")
    target = brightway_project_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(name + "\n")
    typer.echo(f"The product now uses Brightway project {name!r} (recorded in {target})")


@app.command("setup-brightway")
def setup_brightway(brightway_project: str = _PROJECT_OPTION) -> None:
    """Create the offline Brightway project with every impact method the studies name (idempotent)."""
    from lca.assessment.brightway.provision import ensure_project, planned_additions
    from lca.study.impact_methods import GWP100
    from lca.study.loading import load_study

    _point_at_project(brightway_project)

    methods = {GWP100}
    for path in _study_files([]):
        try:
            methods.update(load_study(path).impact_methods)
        except LcaError as exc:
            typer.secho(f"skipping invalid study: {exc}", fg=typer.colors.YELLOW, err=True)
    started = time.perf_counter()
    from lca.orchestration.progress import quiet_airflow
    from lca.settings import brightway_project as current
    from lca.settings import var_dir

    plan = planned_additions(sorted(methods))
    if plan:  # listed before anything is written
        typer.echo(f"Adding to Brightway project {current()!r}:\n  - " + "\n  - ".join(plan))
    log_file = var_dir() / "logs" / "setup" / f"{time.strftime('%Y%m%dT%H%M%S')}.log"
    with quiet_airflow(log_file):  # Brightway's progress bars and warnings go to the log, not the console
        ensure_project(sorted(methods))
    typer.echo(
        f"Brightway project {current()!r} ready ({len(methods)} impact method(s), "
        f"{time.perf_counter() - started:.1f} s)"
    )


@app.command()
def setup(brightway_project: str = _PROJECT_OPTION) -> None:
    """Prepare the embedded Airflow metadata database and the Brightway project (idempotent)."""
    from lca.orchestration import embedded_airflow
    from lca.orchestration.progress import quiet_airflow
    from lca.settings import var_dir

    embedded_airflow.configure()
    setup_brightway(brightway_project)
    with quiet_airflow(var_dir() / "logs" / "setup" / f"{time.strftime('%Y%m%dT%H%M%S')}-airflow.log"):
        embedded_airflow.migrate_db()
    typer.echo(f"Airflow metadata database ready in {embedded_airflow.airflow_home_in_use()}")


@app.command()
def demo(study: str = typer.Argument("digits", help="study name (file in include/studies) or path")) -> None:
    """Run one study end to end through its Airflow DAG, in this process, and print a summary."""

    path = _study_files([study])[0]
    try:
        parsed, _ = _checked_study(path)
    except LcaError as exc:
        _fail(str(exc))
    _run_dag(parsed, path, run_conf=None)


@app.command()
def reassess(
    study: str = typer.Argument(..., help="study name (file in include/studies) or path"),
    source: str = typer.Option(..., "--from", help="run id of the earlier run whose measurements are reused"),
    assignments: list[str] = typer.Option(
        [], "--set", help="override a study field for this run, e.g. --set deployment.country=SE (repeatable)"
    ),
) -> None:
    """Redo the inventory, impact assessment and report of an earlier run under other assumptions, without measuring.

    Every check of ``validate`` runs first, on the study with the overrides, then the earlier
    run's gates are read: a bad value, link or source fails here, before any task.
    """
    from lca.orchestration.run_settings import check_source
    from lca.storage import ArtifactStore
    from lca.study.loading import load_study
    from lca.study.overrides import parse_assignment

    path = _study_files([study])[0]
    try:
        overrides = dict(parse_assignment(a) for a in assignments)
        checked, _ = _checked_study(path, overrides)  # the study file's own errors, and validate's checks
        parsed = load_study(path) if overrides else checked  # the study file as the DAG was built from it
        check_source(ArtifactStore(), parsed.name, source, checked.variant_names())
    except LcaError as exc:
        _fail(str(exc))
    _run_dag(parsed, path, run_conf={"reuse_measurements_from": source, "overrides": overrides})


def _run_dag(parsed, path: Path, run_conf: dict | None) -> None:
    """The study's DAG with dag.test(): Airflow's output to a log file, one progress line per task here."""
    from lca.orchestration import embedded_airflow
    from lca.orchestration.progress import ProgressListener, quiet_airflow
    from lca.orchestration.termination import StageTerminated
    from lca.settings import REPO_ROOT, var_dir

    stamp = time.strftime("%Y%m%dT%H%M%S")
    log_file = var_dir() / "logs" / parsed.name / f"{stamp}.log"
    typer.echo(f"Running study '{parsed.name}' through Airflow; its log: {log_file}")
    started = time.perf_counter()
    with quiet_airflow(log_file) as console:
        embedded_airflow.configure()
        embedded_airflow.migrate_db()
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
        dag = bag.dags.get(parsed.name)
        listener = ProgressListener(parsed, console).register()
        try:
            run = dag.test(run_conf=run_conf) if dag is not None and not bag.import_errors else None
        except StageTerminated:  # SIGTERM between two tasks: raised in dag.test's own loop
            _exit_now_if_terminated("of this study")
    elapsed = time.perf_counter() - started
    if bag.import_errors:
        _fail(f"DAG import errors: {bag.import_errors}")
    if run is None:
        _fail(f"no DAG '{parsed.name}' in {REPO_ROOT / 'dags'} (is {path} in {studies_dir()}?)")
    _exit_now_if_terminated(run.run_id)
    state = str(getattr(run.state, "value", run.state))
    if state != "success":
        failed = ", ".join(listener.failed) or "see the log"
        _fail(
            f"DAG run {run.run_id} ended in state '{state}' after {elapsed:.0f} s (failed: {failed}); log: {log_file}"
        )
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
    from lca.orchestration.progress import measurement_warnings
    from lca.orchestration.run_settings import read_settings
    from lca.records import LciaResults, StudyInventory
    from lca.reporting.history import HISTORY_HTML
    from lca.reporting.impact_section import RESULTS_CSV
    from lca.reporting.index import REPORT_HTML
    from lca.reporting.run_report import summary_lines
    from lca.run_layout import RunLayout, report_folder
    from lca.storage import ArtifactStore

    store = ArtifactStore()
    run = RunLayout.of(study, run_id)
    report = store.path(report_folder(study, run_id))
    lcia = LciaResults.load(store.path(run.lcia), key=run.lcia)
    inventory = StudyInventory.load(store.path(run.inventory), key=run.inventory)
    typer.echo("")
    typer.secho(f"Study '{study}', run {run_id}: success in {elapsed:.0f} s", bold=True)
    for line in summary_lines(lcia, inventory, read_settings(store, run).overrides):
        typer.echo(line)
    for line in measurement_warnings(study, run_id):
        typer.secho(f"WARNING {line}", fg=typer.colors.YELLOW)
    typer.echo(f"Report: {report / REPORT_HTML}")
    typer.echo(f"Tables: {report / RESULTS_CSV}")
    typer.echo(f"History: {report.parent / HISTORY_HTML}")


def main() -> None:  # pragma: no cover - entry point
    try:
        app()
    except LcaError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
