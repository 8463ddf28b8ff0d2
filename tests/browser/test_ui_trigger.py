"""`make ui` works the first time: a run triggered from the form, with what-if Params, succeeds; Ctrl+C ends it all.

The UI is started as `make ui` starts it (lca.orchestration.airflow_ui) on this session's
metadata database, with the tiny digits study (short energy windows) as its only DAG.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lca.settings import airflow_home
from tests.browser import chromium
from tests.conftest import REPO

pytestmark = pytest.mark.browser

STUDY = "tiny_digits"
RUN_TIMEOUT_S = 900  # a tiny run through LocalExecutor: a few minutes on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_members(sid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def _api(base: str, path: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def ui(bw_project, tmp_path_factory):
    """`python -m lca.orchestration.airflow_ui` (what `make ui` runs); Ctrl+C (SIGINT) at the end."""
    chromium.require_chromium()
    studies = tmp_path_factory.mktemp("ui-studies")
    shutil.copy(REPO / "tests" / "data" / f"{STUDY}.yaml", studies)
    port = _free_port()
    log = (tmp_path_factory.mktemp("ui") / "ui.log").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "lca.orchestration.airflow_ui", "--port", str(port)],
        env={**os.environ, "LCA_STUDIES_DIR": str(studies)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # as a terminal's foreground job: the signal reaches the supervisor alone
    )
    base = f"http://127.0.0.1:{port}"
    state = {"base": base, "supervisor": supervisor, "log": Path(log.name)}
    try:
        deadline = time.monotonic() + 240
        while "Ctrl+C stops it" not in state["log"].read_text():
            if supervisor.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make ui did not start:\n{state['log'].read_text()[-3000:]}")
            time.sleep(1)
        password = json.loads((airflow_home() / "ui_passwords.json").read_text())["admin"]
        request = urllib.request.Request(
            f"{base}/auth/token",
            data=json.dumps({"username": "admin", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            state["token"] = json.loads(response.read())["access_token"]
        deadline = time.monotonic() + 240
        while True:  # the dag-processor has parsed the study
            try:
                _api(base, f"/api/v2/dags/{STUDY}", state["token"])
                break
            except urllib.error.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail("the dag-processor never registered the tiny study's DAG")
                time.sleep(2)
        yield state
    finally:
        if supervisor.poll() is None:  # the Ctrl+C test did not run or did not stop it: stop it the same way
            supervisor.send_signal(signal.SIGINT)
            try:
                supervisor.wait(timeout=30)
            except subprocess.TimeoutExpired:
                supervisor.kill()
        for sid in _component_sessions(state["log"]):  # whatever is left of the components (nothing, normally)
            for pid in _session_members(sid):
                os.kill(pid, signal.SIGKILL)
        log.close()


def _component_sessions(log: Path) -> list[int]:
    """The components' process ids (each leads its own session), as the supervisor prints them."""
    found = re.search(r"Processes: (.*)", log.read_text())
    return [int(part.split()[-1]) for part in found.group(1).split(", ")] if found else []


def test_a_run_triggered_from_the_form_with_what_if_params_succeeds(ui):
    from playwright.sync_api import sync_playwright

    base, token = ui["base"], ui["token"]
    with sync_playwright() as p:
        browser = chromium.launch(p)
        context = browser.new_context(viewport=chromium.VIEWPORT)
        context.add_cookies([{"name": "_token", "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/dags/{STUDY}", wait_until="networkidle")
        page.get_by_role("button", name="Trigger").first.click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("What-if: assumptions for this run only").click()
        items = dialog.locator("input[name=element_items]")
        assert items.input_value() == "10000"  # the study's own value
        assert "Sweden (SWE" in dialog.inner_text()  # the study's country, by name
        items.fill("20000")
        country = dialog.get_by_role("combobox").first
        country.click()
        country.fill("Poland")
        page.keyboard.press("Enter")
        assert dialog.get_by_label("Unpause tiny_digits on trigger").is_checked()
        page.screenshot(path=str(chromium.artefacts_dir() / "airflow-trigger-form.png"), full_page=True)
        dialog.get_by_role("button", name="Trigger").click()
        page.wait_for_timeout(3000)
        browser.close()

    runs = _api(base, f"/api/v2/dags/{STUDY}/dagRuns?limit=100", token)["dag_runs"]
    triggered = [r for r in runs if (r.get("conf") or {}).get("items") == 20000]
    assert triggered, f"no run with the form's Params: {runs}"
    run_id = triggered[0]["dag_run_id"]
    assert triggered[0]["conf"]["country"] == "POL"
    assert _api(base, f"/api/v2/dags/{STUDY}", token)["is_paused"] is False  # unpaused, no lock error
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (state := _api(base, f"/api/v2/dags/{STUDY}/dagRuns/{run_id}", token)["state"]) not in ("success", "failed"):
        assert time.monotonic() < deadline, f"run {run_id} still {state} after {RUN_TIMEOUT_S} s"
        time.sleep(5)
    instances = _api(base, f"/api/v2/dags/{STUDY}/dagRuns/{run_id}/taskInstances?limit=100", token)
    states = {
        (t["task_id"], t.get("rendered_map_index") or t["map_index"]): t["state"] for t in instances["task_instances"]
    }
    assert state == "success", states
    # Mapped tasks carry their variant's name in the UI (map_index_template).
    assert ("benchmark", "int8_dynamic") in states and ("compress", "pruned_30") in states
    settings = json.loads(
        (Path(os.environ["LCA_HOME"]) / "runs" / STUDY / _folder(run_id) / "settings.json").read_text()
    )
    assert settings["overrides"] == {"deployment.country": "POL", "functional_unit.items": 20000}


def _folder(run_id: str) -> str:
    from lca.settings import safe_name

    return safe_name(run_id)


def test_ctrl_c_stops_every_process_of_the_ui_within_seconds(ui):
    supervisor = ui["supervisor"]
    started = time.monotonic()

    os.kill(supervisor.pid, signal.SIGINT)
    supervisor.wait(timeout=30)

    assert time.monotonic() - started < 15
    assert supervisor.returncode == 0
    sessions = _component_sessions(ui["log"])
    assert len(sessions) == 3 and all(_session_members(sid) == [] for sid in sessions)  # task processes included
    assert "Stopped in" in ui["log"].read_text()
