"""The reports inside a live Airflow UI: api-server on a free loopback port, signed in as a user would be."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lca.settings import safe_name
from tests.browser import chromium
from tests.browser.reports import tiny_report

pytestmark = pytest.mark.browser

STUDY = "tiny_digits"
PASSWORD = secrets.token_urlsafe(12)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None, timeout: float = 5.0):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def report() -> Path:
    return tiny_report(STUDY)  # also registers the DAG and its run in this session's metadata database


@pytest.fixture(scope="module")
def airflow(report, tmp_path_factory):
    """`airflow api-server` with the project's plugins folder and the simple auth manager, stopped afterwards."""
    chromium.require_chromium()
    folder = tmp_path_factory.mktemp("api-server")
    passwords = folder / "passwords.json"
    passwords.write_text(json.dumps({"admin": PASSWORD}))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API__BASE_URL": f"{base}/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    log = (folder / "api-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/api/v2/monitor/health")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"api-server did not start:\n{(folder / 'api-server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its worker, started by this fixture
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def token(airflow) -> str:
    """Signed in as the UI does: POST /auth/token; the UI keeps the JWT in the `_token` cookie."""
    request = urllib.request.Request(
        f"{airflow}/auth/token",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


@pytest.fixture(scope="module")
def run_id(airflow, token, report) -> str:
    """The Airflow run id of the report's run (the folder is its safe_name)."""
    _, _, body = _get(f"{airflow}/api/v2/dags/{STUDY}/dagRuns?limit=100", token)
    ids = [r["dag_run_id"] for r in json.loads(body)["dag_runs"] if safe_name(r["dag_run_id"]) == report.name]
    assert ids, f"no DAG run of {STUDY} matches {report.name}"
    return ids[0]


@pytest.fixture(scope="module")
def context(airflow, token):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium.launch(p)
        ctx = browser.new_context(viewport=chromium.VIEWPORT)
        ctx.add_cookies([{"name": "_token", "value": token, "url": airflow}])
        yield ctx
        browser.close()


def _frame(page, timeout_ms: int = 60_000):
    """The plugin's iframe in the UI page, once its document has loaded."""
    handle = page.wait_for_selector("iframe", timeout=timeout_ms)
    frame = handle.content_frame()
    frame.wait_for_load_state("load")
    return frame


def test_the_report_is_served_with_a_csp_that_lets_the_ui_frame_it_and_its_relative_links_resolve(
    airflow, context, run_id
):
    page = context.new_page()
    problems = chromium.PageProblems(page)
    response = page.goto(f"{airflow}/lca-reports/runs/{STUDY}/{run_id}", wait_until="load")

    assert response.ok and page.url.endswith("/report.html")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "img-src 'self'" in csp
    # the charts' one script runs, allowed by its hash (manifest.json): every chart is drawn, no CSP error
    page.wait_for_function(chromium.CHARTS_DRAWN, timeout=30_000)
    assert page.locator("figure.interactive svg").count() > 0
    layout = chromium.layout_problems(page)
    assert layout["broken_images"] == [] and layout["overflowing_open"] == []
    links = page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
        ".filter(h => !h.startsWith('#') && !h.includes('://'))"
    )
    assert "results.csv" in links and "../history.html" in links
    for href in links:  # charts are checked above; the CSVs, the Excel export and the history page here
        assert context.request.get(page.url.rsplit("/", 1)[0] + "/" + href).ok, href
    assert problems.errors == []
    page.close()


def test_the_dag_run_tab_of_the_ui_shows_the_report_in_its_iframe(airflow, context, run_id):
    page = context.new_page()
    page.goto(f"{airflow}/dags/{STUDY}/runs/{run_id}/plugin/lca-run-report", wait_until="load")
    frame = _frame(page)
    frame.wait_for_selector("h1")

    assert STUDY in frame.inner_text("h1")
    assert frame.evaluate(chromium.IMAGES_DECODED) is not None
    assert frame.evaluate(chromium.BROKEN_IMAGES) == []
    assert frame.evaluate("() => document.images.length") > 0
    page.screenshot(path=str(chromium.artefacts_dir() / "airflow-run-tab.png"))
    page.close()


def test_the_dag_tab_lists_the_runs_and_links_to_the_history_page(airflow, context):
    page = context.new_page()
    page.goto(f"{airflow}/dags/{STUDY}/plugin/lca-study-reports", wait_until="load")
    frame = _frame(page)
    link = frame.wait_for_selector(f"text=History of {STUDY}")
    link.click()
    frame.wait_for_load_state("load")
    frame.wait_for_selector("h1")

    assert f"History of study {STUDY}" in frame.inner_text("h1")
    assert frame.evaluate(chromium.IMAGES_DECODED) is not None
    assert frame.evaluate(chromium.BROKEN_IMAGES) == [] and frame.evaluate("() => document.images.length") > 0
    page.screenshot(path=str(chromium.artefacts_dir() / "airflow-dag-tab-history.png"))
    page.close()
