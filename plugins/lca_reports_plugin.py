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
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from lca.reporting import index as report_index
from lca.storage import reports_dir

URL_PREFIX = "/lca-reports"

# A report is data, not an application: even if some text escaped escaping,
# no script may run in the Airflow origin. Images and styles are the report's own.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

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
    return _page("LCA reports", body or f"<p>No reports yet in <code>{html.escape(str(root))}</code>.</p>")


@app.get("/studies/{study}", response_class=HTMLResponse)
def study_runs(study: str, can_read: StudyAccess = Access) -> HTMLResponse:
    """The runs of one study: the target of the tab on each DAG."""
    root = reports_dir()
    # Existence first: a 10,000-character name never reaches the auth manager or the disk.
    if study not in report_index.list_studies(root) or not can_read(study):
        return _page("No LCA reports", f"<p>No LCA reports for DAG <code>{html.escape(study)}</code>.</p>", 404)
    return _page(f"LCA reports: {study}", _study_section(root, study, prefix="../files/"))


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
    if isinstance(path, Path):
        return FileResponse(path, headers=SECURITY_HEADERS)
    # An object store: report files are small (HTML, CSV, PNG, one xlsx), read whole.
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), media_type=media_type, headers=SECURITY_HEADERS)


def _study_section(root, study: str, *, prefix: str) -> str:
    rows = []
    for run in report_index.list_runs(root, study):
        link = prefix + quote(run.report_path)
        name = html.escape(run.run)
        cell = f'<a href="{link}">{name}</a>' if run.complete else f"{name} <em>(incomplete)</em>"
        csv_link = prefix + quote(f"{run.study}/{run.run}/results.csv")
        extra = f' &middot; <a href="{csv_link}">results.csv</a>' if run.complete else ""
        rows.append(f"<tr><td>{cell}{extra}</td><td>{run.modified:%Y-%m-%d %H:%M} UTC</td></tr>")
    table = "".join(rows) or '<tr><td colspan="2">No runs yet.</td></tr>'
    history = report_index.history_page(root, study)
    link = (
        f'<p><a href="{prefix + quote(history)}">History of {html.escape(study)} across runs</a></p>' if history else ""
    )
    return f"<h2>{html.escape(study)}</h2>{link}<table><tr><th>Run</th><th>Written</th></tr>{table}</table>"


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a202c}"
        "table{border-collapse:collapse}td,th{border:1px solid #e2e8f0;padding:.3rem .6rem;text-align:left}"
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
