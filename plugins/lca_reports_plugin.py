"""Airflow UI plugin: browse the LCA report of every study run, behind Airflow's own login.

Adds "LCA reports" under Browse in the Airflow UI, an "LCA report" tab on each
DAG run (and an "LCA reports" tab on each DAG), all served by a small FastAPI app
mounted at ``/lca-reports`` by the API server.

Apps a plugin mounts are NOT behind Airflow's authentication, so every route
depends on :func:`study_access`, which authenticates the caller exactly as
Airflow's REST API does and asks Airflow's auth manager which studies (DAG ids)
they may read. Which files a URL may reach is decided by :mod:`lca.reporting.index`.
Reports are read from the artefact store (``LCA_ARTIFACT_ROOT``, see :mod:`lca.storage`),
the same root the workers publish them to, so the api-server needs no worker's disk.

Every Airflow component imports this file, so it imports nothing heavy: the
Airflow security machinery is imported on the first request, in the API server.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from lca.reporting import index as report_index
from lca.reporting import run_summary
from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir

URL_PREFIX = "/lca-reports"

# A report is data, not an application: even if some text escaped escaping,
# no script may run in the Airflow origin. Images and styles are the report's own;
# the one exception is a report page's charts script, by its hash (_report_headers).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

# A report's charts are drawn by one inline script, written by lca.reporting.vega_bundle: the report's
# manifest.json lists its hash, and only a script with that exact text runs ('unsafe-eval': Vega compiles
# its chart expressions with Function). Text that escaped escaping still cannot run.
SCRIPT_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")

StudyAccess = Callable[[str], bool]


async def authenticated_user(request: Request) -> Any:
    """The caller as Airflow's REST API sees them; 401 without a token, 403 with a bad one.

    Delegates to ``airflow.api_fastapi.core_api.security.get_user``: a Bearer
    token in the Authorization header wins, else the UI's ``_token`` JWT cookie
    (which the browser sends to this same-origin app, iframe included).
    """
    from airflow.api_fastapi.core_api.security import get_user

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    bearer = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    return await get_user(request, _oauth_token=None, bearer_credentials=bearer)


def study_access(user: Any = Depends(authenticated_user)) -> StudyAccess:
    """Which studies the caller may read: the DAGs whose runs Airflow lets them see.

    The FastAPI dependency every route uses; tests override it.
    """
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
    from airflow.models.dag import DagModel

    manager = get_auth_manager()
    decided: dict[str, bool] = {}

    def can_read(study: str) -> bool:
        if study not in decided:
            decided[study] = manager.is_authorized_dag(
                method="GET",
                access_entity=DagAccessEntity.RUN,
                details=DagDetails(id=study, team_name=DagModel.get_team_name(study)),
                user=user,
            )
        return decided[study]

    return can_read


app = FastAPI(title="LCA reports", docs_url=None, redoc_url=None, openapi_url=None)
Access = Depends(study_access)


@app.middleware("http")
async def security_headers(request: Request, call_next):
    """The headers on every response: pages, files, and JSON errors (401, 403, 404, 422) alike."""
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@app.get("/", response_class=HTMLResponse)
def index(can_read: StudyAccess = Access) -> HTMLResponse:
    """Every study the caller may read, newest run first. Links are relative to this page."""
    root = reports_dir()
    studies = [s for s in report_index.list_studies(root) if can_read(s)]
    body = "".join(_study_section(root, s, prefix="files/") for s in studies)
    if not body:
        return _page("LCA reports", f"<p>No reports yet in <code>{html.escape(str(root))}</code>.</p>")
    return _page("LCA reports", _compare_form(body, "compare"))


@app.get("/studies/{study}", response_class=HTMLResponse)
def study_runs(study: str, can_read: StudyAccess = Access) -> HTMLResponse:
    """The runs of one study: the target of the tab on each DAG."""
    root = reports_dir()
    # Existence first: a 10,000-character name never reaches the auth manager or the disk.
    if study not in report_index.list_studies(root) or not can_read(study):
        return _page("No LCA reports", f"<p>No LCA reports for DAG <code>{html.escape(study)}</code>.</p>", 404)
    return _page(f"LCA reports: {study}", _compare_form(_study_section(root, study, prefix="../files/"), "../compare"))


@app.get("/compare", response_class=HTMLResponse)
def compare(run: list[str] = Query(default=[]), can_read: StudyAccess = Access) -> HTMLResponse:
    """Two or more runs side by side: the study fields that differ, and each result with its 95 % interval."""
    root = reports_dir()
    chosen = []
    for item in dict.fromkeys(run):
        study, _, name = item.partition("/")
        found = report_index.find_run(root, study, name) if study and name else None
        if found is None or not found.complete or not can_read(study):
            return _page("Cannot compare", f"<p>No complete report <code>{html.escape(item)}</code>.</p>", 404)
        chosen.append(found)
    if len(chosen) < 2:
        return _page("Cannot compare", "<p>Choose two or more runs (the boxes in the run lists).</p>", 400)
    snapshots = [run_summary.study_snapshot(runs_dir() / r.study / r.run) for r in chosen]
    units = {run_summary.functional_unit(s) for s in snapshots}
    if len({r.study for r in chosen}) > 1 and len(units) > 1:
        listed = "; ".join(html.escape(" x ".join(str(v) for v in u)) for u in units)
        return _page(
            "Cannot compare",
            f"<p>Runs of different studies compare only with the same functional unit; these have {listed}.</p>",
            400,
        )
    return _page("Run comparison", _comparison(chosen, snapshots))


def _comparison(chosen, snapshots) -> str:
    esc = html.escape
    heads = "".join(
        f'<th><a href="files/{quote(r.report_path)}">{esc(r.study)}<br><span class="run">{esc(r.run)}</span></a></th>'
        for r in chosen
    )
    inputs = run_summary.input_differences(snapshots)
    input_rows = (
        "".join(
            f"<tr><td><code>{esc(path)}</code></td>" + "".join(f"<td>{esc(v)}</td>" for v in values) + "</tr>"
            for path, values in inputs
        )
        or f'<tr><td colspan="{len(chosen) + 1}">The runs assume the same study.</td></tr>'
    )
    results = run_summary.result_differences([run_summary.results(r.path) for r in chosen])
    result_rows = "".join(
        f'<tr><td>{esc(d["scenario"])}<br><span class="small">{esc(d["method"])} [{esc(d["unit"])}]</span></td>'
        + "".join(
            f'<td class="num{" moved" if c["outside_first"] else ""}">{esc(c["score"])}'
            f'<br><span class="small">{esc(c["interval"])}</span></td>'
            for c in d["cells"]
        )
        + "</tr>"
        for d in results
    )
    return (
        "<h2>Inputs that differ</h2>"
        f'<div class="table-scroll"><table><tr><th>Study field</th>{heads}</tr>{input_rows}</table></div>'
        "<h2>Results</h2><p>Score per functional unit and its 95 % Monte Carlo interval; highlighted: outside the "
        "first run's interval.</p>"
        f'<div class="table-scroll"><table><tr><th>Scenario</th>{heads}</tr>{result_rows}</table></div>'
    )


@app.get("/runs/{dag_id}/{run_id}", response_model=None)
def run_report(
    request: Request, dag_id: str, run_id: str, can_read: StudyAccess = Access
) -> RedirectResponse | HTMLResponse:
    """The report of one DAG run (the tab on each DAG run): a redirect, so its relative links work."""
    run = report_index.find_run(reports_dir(), dag_id, run_id)
    run = run if run is not None and can_read(dag_id) else None
    if run is None or not run.complete:
        message = (
            f"<p>No LCA report for run <code>{html.escape(run_id)}</code> "
            f"of DAG <code>{html.escape(dag_id)}</code>.</p>"
            "<p>The report is written by the last task of a study DAG: runs still going or failed before it, "
            'and DAGs that are not LCA studies, have none.</p><p><a href="../../">All LCA reports</a></p>'
        )
        return _page("No LCA report", message, 404)
    return RedirectResponse(request.url_for("report_file", relative=run.report_path).path, status_code=307)


@app.get("/api/runs")
def runs_json(can_read: StudyAccess = Access) -> list[dict[str, Any]]:
    """The same listing as the index page, for scripts."""
    root = reports_dir()
    return [
        {
            "study": r.study,
            "run": r.run,
            "modified": r.modified.isoformat(),
            "complete": r.complete,
            "report": f"files/{r.report_path}",
        }
        for study in report_index.list_studies(root)
        if can_read(study)
        for r in report_index.list_runs(root, study)
    ]


@app.get("/files/{relative:path}", name="report_file")
def report_file(relative: str, can_read: StudyAccess = Access) -> Response:
    """A file of a run's report folder; 404 for anything outside it or not the caller's to read."""
    root = reports_dir()
    try:
        path = report_index.resolve_file(root, relative)
    except report_index.ReportNotFound:
        raise HTTPException(status_code=404, detail="No such report file") from None
    if not can_read(report_index.study_of(root, path)):
        # 404 rather than 403: do not confirm that another team's report exists.
        raise HTTPException(status_code=404, detail="No such report file")
    headers = _report_headers(path) if path.name == report_index.REPORT_HTML else SECURITY_HEADERS
    if isinstance(path, Path):
        return FileResponse(path, headers=headers)
    # An object store: report files are small (HTML, CSV, PNG, one xlsx), read whole.
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


def _report_headers(path: Any) -> dict[str, str]:
    """The security headers of a report page: its charts' script allowed by the hash its manifest records."""
    try:
        listed = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8")).get("scripts_sha256", [])
    except (OSError, ValueError, AttributeError):
        return SECURITY_HEADERS
    hashes = [h for h in listed if isinstance(h, str) and SCRIPT_HASH.fullmatch(h)] if isinstance(listed, list) else []
    if not hashes:
        return SECURITY_HEADERS
    sources = " ".join(f"'sha256-{h}'" for h in hashes)
    csp = SECURITY_HEADERS["Content-Security-Policy"] + f"; script-src {sources} 'unsafe-eval'"
    return {**SECURITY_HEADERS, "Content-Security-Policy": csp}


def _dag_run_states(study: str) -> dict[str, str]:
    """Airflow's state of each run of the study's DAG, by report folder name; empty outside the API server."""
    try:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            found = session.execute(select(DagRun.run_id, DagRun.state).where(DagRun.dag_id == study)).all()
        return {safe_name(run_id): str(getattr(state, "value", state)) for run_id, state in found}
    except Exception:  # noqa: BLE001 - no metadata database here (a test, a script): the folders still say enough
        return {}


def _status(run, states: dict[str, str]) -> str:
    state = states.get(run.run)
    if run.complete:
        return "report complete" + (f" (run {state})" if state and state != "success" else "")
    return f"no report yet (run {state})" if state else "incomplete report"


def _study_section(root, study: str, *, prefix: str) -> str:
    """The study's runs, newest first, each with its status, headline figure and energy method, and a box to compare."""
    states = _dag_run_states(study)
    rows = []
    for run in report_index.list_runs(root, study):
        link = prefix + quote(run.report_path)
        name = html.escape(run.run)
        summary = run_summary.summarise(study, run.run, run.complete, run.path, runs_dir() / study / run.run)
        cell = f'<a class="run" href="{link}">{name}</a>' if run.complete else f'<span class="run">{name}</span>'
        if run.complete:
            csv_link = prefix + quote(f"{run.study}/{run.run}/results.csv")
            cell += f'<br><a href="{csv_link}">results.csv</a>'
            if (run.path / run_summary.TABLES_XLSX).is_file():
                xlsx_link = prefix + quote(f"{run.study}/{run.run}/{run_summary.TABLES_XLSX}")
                cell += f' &middot; <a href="{xlsx_link}">{run_summary.TABLES_XLSX}</a>'
        what_if = ""
        if summary.what_if:
            parts = [f"from {html.escape(summary.source_run)}"] if summary.source_run else []
            parts += [html.escape(f"{k}={v}") for k, v in summary.overrides.items()]
            what_if = f'<span class="whatif">what-if</span> {"; ".join(parts)}'
        box = f'<input type="checkbox" name="run" value="{html.escape(study)}/{name}" aria-label="compare {name}">'
        rows.append(
            f"<tr><td>{box if run.complete else ''}</td><td>{cell}</td><td>{html.escape(_status(run, states))}</td>"
            f"<td>{html.escape(summary.headline)}</td><td>{html.escape(summary.energy_method)}</td><td>{what_if}</td>"
            f"<td>{run.modified:%Y-%m-%d %H:%M} UTC</td></tr>"
        )
    table = "".join(rows) or '<tr><td colspan="7">No runs yet.</td></tr>'
    history = report_index.history_page(root, study)
    link = (
        f'<p><a href="{prefix + quote(history)}">History of {html.escape(study)} across runs</a></p>' if history else ""
    )
    return (
        f'<h2>{html.escape(study)}</h2>{link}<div class="table-scroll"><table><tr><th>Compare</th><th>Run</th>'
        "<th>Status</th><th>Headline (GWP100 per functional unit)</th><th>Energy method</th><th>What-if</th>"
        f"<th>Written</th></tr>{table}</table></div>"
    )


def _compare_form(body: str, action: str) -> str:
    return (
        f'<form method="get" action="{action}">{body}'
        '<p><button type="submit">Compare the selected runs</button> (two or more: runs of one study, or of '
        "studies with the same functional unit)</p></form>"
    )


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a202c}"
        "table{border-collapse:collapse}td,th{border:1px solid #e2e8f0;padding:.3rem .6rem;text-align:left;"
        "vertical-align:top}.table-scroll{overflow-x:auto}.run{font-family:monospace;font-size:.85rem;"
        "overflow-wrap:anywhere}.whatif{background:#ebf8ff;color:#2b6cb0;padding:0 .3rem;border-radius:3px}"
        ".small{font-size:.8rem;color:#4a5568}td.num{text-align:right}td.moved{background:#fff5f5;color:#c53030}"
    )
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


class LcaReportsPlugin(AirflowPlugin):
    name = "lca_reports"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "LCA reports"}]
    # hrefs are relative (no leading slash) so they resolve against the UI's
    # <base href>, i.e. keep working when Airflow is served under [api] base_url.
    # The UI substitutes {DAG_ID} and {RUN_ID} (URI-encoded) for dag and dag_run
    # destinations; a url_route makes the view an embedded tab/page.
    external_views = [
        {
            "name": "LCA reports",
            "href": URL_PREFIX.lstrip("/") + "/",
            "destination": "nav",
            "category": "browse",
            "url_route": "lca-reports",
        },
        {
            "name": "LCA reports",
            "href": URL_PREFIX.lstrip("/") + "/studies/{DAG_ID}",
            "destination": "dag",
            "url_route": "lca-study-reports",
        },
        {
            "name": "LCA report",
            "href": URL_PREFIX.lstrip("/") + "/runs/{DAG_ID}/{RUN_ID}",
            "destination": "dag_run",
            "url_route": "lca-run-report",
        },
    ]
