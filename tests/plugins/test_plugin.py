"""The Airflow UI plugin serves run reports to signed-in users only, and nothing outside the reports folder."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lca.reporting import index as report_index
from lca.reporting.index import ReportNotFound, resolve_file
from tests.conftest import REPO

PLUGIN_FILE = REPO / "plugins" / "lca_reports_plugin.py"
RUN_ID = "manual__2026-11-22T04:00:00+00:00"
RUN_DIR = "manual__2026-11-22T04_00_00_00_00"  # lca.settings.safe_name(RUN_ID)


def _load_plugin():
    """Import the plugin the way Airflow does: from its file, outside any package."""
    spec = importlib.util.spec_from_file_location("lca_reports_plugin", PLUGIN_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plugin = _load_plugin()


@pytest.fixture
def reports(tmp_path, monkeypatch) -> Path:
    """A reports folder with one finished run, one run being written, and a secret beside it."""
    root = tmp_path / "reports"
    run = root / "digits" / RUN_DIR
    run.mkdir(parents=True)
    (run / "report.html").write_text("<html><body>digits report</body></html>")
    (run / "results.csv").write_text("scenario,score\nbaseline,1\n")
    (root / "digits" / f".{RUN_DIR}2.ab12cd34.tmp").mkdir()  # lca.reporting.run_report's staging folder
    (root / "other_study" / "run_1").mkdir(parents=True)
    (root / "other_study" / "run_1" / "report.html").write_text("other team's report")
    (tmp_path / "secret.txt").write_text("not a report")
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", tmp_path.as_uri())  # reports under <root>/reports
    return root


def _client(*, readable: set[str] | None = None) -> TestClient:
    """The plugin app mounted as Airflow mounts it; ``readable`` overrides the auth check."""
    if readable is None:
        plugin.app.dependency_overrides.clear()
    else:
        plugin.app.dependency_overrides[plugin.study_access] = lambda: readable.__contains__
    host = FastAPI()
    host.mount(plugin.URL_PREFIX, plugin.app)
    return TestClient(host)


@pytest.fixture(autouse=True)
def _clear_overrides():
    yield
    plugin.app.dependency_overrides.clear()


# --- lca.reporting.index: which paths a URL may reach ------------------------------------


def test_runs_are_listed_per_study_newest_first_without_staging_folders(reports):
    assert report_index.list_studies(reports) == ["digits", "other_study"]
    (run,) = report_index.list_runs(reports, "digits")
    assert (run.run, run.complete, run.report_path) == (RUN_DIR, True, f"digits/{RUN_DIR}/report.html")


def test_a_dag_run_finds_its_report_by_dag_id_and_run_id(reports):
    assert report_index.find_run(reports, "digits", RUN_ID).run == RUN_DIR
    assert report_index.find_run(reports, "digits", "scheduled__other") is None
    assert report_index.find_run(reports, "not_a_study", RUN_ID) is None


@pytest.mark.parametrize(
    "relative",
    [
        "",
        "digits",
        f"digits/{RUN_DIR}",  # a folder, not a file
        f"digits/{RUN_DIR}/missing.png",
        "../secret.txt",
        f"digits/{RUN_DIR}/../../../secret.txt",
        "/etc/passwd",
        f"digits/.{RUN_DIR}2.ab12cd34.tmp/report.html",
        f"digits/{RUN_DIR}/report.html\x00.png",
        f"digits\\{RUN_DIR}\\report.html",
    ],
)
def test_only_files_inside_a_run_folder_resolve(reports, relative):
    with pytest.raises(ReportNotFound):
        resolve_file(reports, relative)


def test_a_symlink_out_of_the_reports_folder_does_not_resolve(reports):
    (reports / "digits" / RUN_DIR / "link.txt").symlink_to(reports.parent / "secret.txt")
    with pytest.raises(ReportNotFound):
        resolve_file(reports, f"digits/{RUN_DIR}/link.txt")


def test_a_report_file_resolves_to_its_absolute_path(reports):
    expected = (reports / "digits" / RUN_DIR / "report.html").resolve()
    assert resolve_file(reports, f"digits/{RUN_DIR}/report.html") == expected


# --- the FastAPI app, with the auth check overridden ----------------------------------


def test_the_index_lists_the_runs_of_readable_studies_only(reports):
    response = _client(readable={"digits"}).get("/lca-reports/")

    assert response.status_code == 200
    assert f'href="files/digits/{RUN_DIR}/report.html"' in response.text
    assert "other_study" not in response.text
    assert ".tmp" not in response.text


def test_the_runs_api_lists_the_same_runs(reports):
    runs = _client(readable={"digits", "other_study"}).get("/lca-reports/api/runs").json()

    assert [(r["study"], r["run"], r["report"]) for r in runs] == [
        ("digits", RUN_DIR, f"files/digits/{RUN_DIR}/report.html"),
        ("other_study", "run_1", "files/other_study/run_1/report.html"),
    ]


def test_a_report_is_served_with_headers_that_forbid_scripts(reports):
    response = _client(readable={"digits"}).get(f"/lca-reports/files/digits/{RUN_DIR}/report.html")

    assert response.status_code == 200
    assert "digits report" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_only_the_charts_script_its_manifest_lists_by_hash_may_run_in_a_report(reports):
    run = reports / "digits" / RUN_DIR
    listed = "0Z9wR8c3t9ej8pWcXejs7dMxMX+15Gw09f3mQDmLsfE="
    forged = "'unsafe-inline'; script-src *"  # not a hash: never copied into the policy
    (run / "manifest.json").write_text(json.dumps({"scripts_sha256": [listed, forged]}))
    client = _client(readable={"digits"})

    csp = client.get(f"/lca-reports/files/digits/{RUN_DIR}/report.html").headers["content-security-policy"]
    other = client.get(f"/lca-reports/files/digits/{RUN_DIR}/results.csv").headers["content-security-policy"]

    assert csp.endswith(f"; script-src 'sha256-{listed}' 'unsafe-eval'")
    assert "default-src 'none'" in csp and "unsafe-inline'; script" not in csp and "*" not in csp
    assert "script-src" not in other  # only the report page, only its own script
    (run / "manifest.json").write_text("not json")
    assert (
        "script-src"
        not in client.get(f"/lca-reports/files/digits/{RUN_DIR}/report.html").headers["content-security-policy"]
    )


def test_the_dag_run_tab_redirects_to_that_runs_report(reports):
    client = _client(readable={"digits"})
    encoded = RUN_ID.replace(":", "%3A").replace("+", "%2B")  # as the UI's encodeURIComponent sends it

    response = client.get(f"/lca-reports/runs/digits/{encoded}", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == f"/lca-reports/files/digits/{RUN_DIR}/report.html"
    assert "digits report" in client.get(response.headers["location"]).text


def test_a_run_without_report_gets_a_readable_404_page(reports):
    response = _client(readable={"digits"}).get("/lca-reports/runs/digits/scheduled__2026-01-01")

    assert response.status_code == 404
    assert "No LCA report for run" in response.text


def test_the_dag_tab_lists_that_studys_runs_with_working_relative_links(reports):
    response = _client(readable={"digits"}).get("/lca-reports/studies/digits")

    assert response.status_code == 200
    assert f'href="../files/digits/{RUN_DIR}/report.html"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/lca-reports/files/..%2F..%2Fsecret.txt",
        "/lca-reports/files/digits/..%2F..%2Fsecret.txt",
        f"/lca-reports/files/digits/{RUN_DIR}/%2E%2E/%2E%2E/%2E%2E/secret.txt",
        "/lca-reports/files/%2Fetc%2Fpasswd",
        f"/lca-reports/files/digits/.{RUN_DIR}2.ab12cd34.tmp/report.html",
    ],
)
def test_path_traversal_gets_404(reports, path):
    response = _client(readable={"digits", "other_study"}).get(path)

    assert response.status_code == 404
    assert "not a report" not in response.text


def test_another_studys_report_is_not_served_to_who_may_not_read_it(reports):
    client = _client(readable={"digits"})

    assert client.get("/lca-reports/files/other_study/run_1/report.html").status_code == 404
    assert client.get("/lca-reports/runs/other_study/run_1").status_code == 404


def test_reports_in_an_object_store_are_listed_and_served_with_the_same_checks(tmp_path, monkeypatch):
    """fsspec's in-memory filesystem stands in for S3/GCS: a report published there, read by the api-server."""
    import uuid

    from lca.storage import ArtifactStore

    monkeypatch.setenv("LCA_ARTIFACT_ROOT", f"memory://lca-plugin-{uuid.uuid4().hex[:8]}")
    local = tmp_path / "built"
    local.mkdir()
    (local / "report.html").write_text("<html>bucket report</html>")
    (local / "results.csv").write_text("scenario,score\n")
    store = ArtifactStore()
    store.publish_folder(local, f"reports/digits/{RUN_DIR}", last=("report.html",))
    store.put(local / "results.csv", "secret.csv")  # beside the reports folder, not in it
    client = _client(readable={"digits"})

    runs = client.get("/lca-reports/api/runs").json()
    response = client.get(f"/lca-reports/files/digits/{RUN_DIR}/report.html")

    assert [(r["run"], r["complete"]) for r in runs] == [(RUN_DIR, True)]
    assert response.status_code == 200 and "bucket report" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    for path in ("..%2Fsecret.csv", f"digits/{RUN_DIR}/..%2F..%2F..%2Fsecret.csv", f"digits/{RUN_DIR}/missing.png"):
        assert client.get(f"/lca-reports/files/{path}").status_code == 404, path


# --- authentication, with Airflow's real auth manager -----------------------------------


@pytest.fixture(scope="module")
def auth_manager():
    """Airflow's configured auth manager (SimpleAuthManager), on this session's test database."""
    from airflow.api_fastapi.app import create_auth_manager

    from lca.orchestration import embedded_airflow

    embedded_airflow.migrate_db()  # revoked-token checks read the metadata database
    manager = create_auth_manager()
    manager.init()
    return manager


def _admin_token(manager) -> str:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))


@pytest.mark.parametrize(
    "path", ["/lca-reports/", f"/lca-reports/files/digits/{RUN_DIR}/report.html", "/lca-reports/api/runs"]
)
def test_without_a_token_every_route_is_refused(reports, path):
    response = _client().get(path)

    assert response.status_code == 401
    assert "digits report" not in response.text


def test_a_forged_token_is_refused(reports, auth_manager):
    forged = _admin_token(auth_manager)[:-4] + "AAAA"
    client = _client()

    assert client.get("/lca-reports/", cookies={"_token": forged}).status_code == 403
    assert client.get("/lca-reports/", headers={"Authorization": f"Bearer {forged}"}).status_code == 403


def test_the_ui_session_cookie_or_a_bearer_token_lets_a_user_in(reports, auth_manager):
    token = _admin_token(auth_manager)
    client = _client()
    url = f"/lca-reports/files/digits/{RUN_DIR}/report.html"

    assert client.get(url, cookies={"_token": token}).status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- the plugin as Airflow loads it -------------------------------------------------------


def test_airflows_api_server_mounts_the_plugin_behind_its_login(reports, auth_manager):
    """The whole path: plugins folder -> API server app -> JWT middleware -> this plugin's auth check."""
    from airflow.api_fastapi.app import create_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    client = TestClient(create_app())
    viewer = auth_manager.generate_jwt(SimpleAuthManagerUser(username="viewer", role="viewer"))
    report = f"/lca-reports/runs/digits/{RUN_DIR}"

    assert client.get(report).status_code == 401
    client.cookies.set("_token", viewer)  # what the UI's login leaves in the browser
    assert "digits report" in client.get(report).text  # after the redirect to the file
    listed = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {viewer}"}).json()["plugins"]
    assert "lca_reports" in [p["name"] for p in listed]


def test_the_plugin_declares_its_app_and_views_with_airflows_placeholders():
    (mounted,) = plugin.LcaReportsPlugin.fastapi_apps
    assert mounted["url_prefix"] == "/lca-reports" and mounted["app"] is plugin.app
    hrefs = {v["destination"]: v["href"] for v in plugin.LcaReportsPlugin.external_views}
    assert hrefs == {
        "nav": "lca-reports/",
        "dag": "lca-reports/studies/{DAG_ID}",
        "dag_run": "lca-reports/runs/{DAG_ID}/{RUN_ID}",
    }
    assert all(v.get("url_route") for v in plugin.LcaReportsPlugin.external_views)  # tabs need one


def test_importing_the_plugin_imports_nothing_heavy():
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('p', {str(PLUGIN_FILE)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "heavy = ('pandas', 'torch', 'bw2data', 'bw2calc', 'great_expectations', 'matplotlib', 'codecarbon',"
        " 'airflow.api_fastapi.core_api.security')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# --- hostile URLs and folders (issue 9) ---------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/lca-reports/files/" + "a" * 10_000,
        f"/lca-reports/files/digits/{RUN_DIR}/" + "x" * 300 + ".html",
        "/lca-reports/files/" + "/".join(["d" * 200] * 50),
        "/lca-reports/studies/" + "s" * 10_000,
        "/lca-reports/runs/digits/" + "r" * 10_000,
        "/lca-reports/runs/" + "d" * 300 + "/run_1",
    ],
)
def test_an_overlong_url_or_path_component_gets_404_not_500(reports, path):
    response = _client(readable={"digits", "other_study"}).get(path)

    assert response.status_code == 404
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_json_error_responses_carry_the_security_headers_too(reports):
    response = _client(readable={"digits"}).get("/lca-reports/files/digits/nope/report.html")

    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_without_a_token_the_401_carries_the_security_headers(reports):
    response = _client().get("/lca-reports/api/runs")

    assert response.status_code in (401, 403)
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_a_symlinked_run_folder_is_not_a_run_of_the_study_it_sits_in(reports):
    # other_study's run, linked into digits: whoever may read digits must not reach it.
    (reports / "digits" / "linked_run").symlink_to(reports / "other_study" / "run_1", target_is_directory=True)
    client = _client(readable={"digits"})

    assert [r.run for r in report_index.list_runs(reports, "digits")] == [RUN_DIR]
    assert "linked_run" not in client.get("/lca-reports/").text
    assert client.get("/lca-reports/files/digits/linked_run/report.html").status_code == 404
    assert client.get("/lca-reports/runs/digits/linked_run").status_code == 404
    with pytest.raises(ReportNotFound):
        resolve_file(reports, "digits/linked_run/report.html")


def test_a_symlinked_study_folder_is_not_listed(reports):
    (reports / "alias_study").symlink_to(reports / "other_study", target_is_directory=True)

    assert "alias_study" not in report_index.list_studies(reports)
    assert _client(readable={"alias_study"}).get("/lca-reports/files/alias_study/run_1/report.html").status_code == 404


def test_a_studys_history_page_and_its_charts_are_served_and_linked_from_its_tab(reports):
    (reports / "digits" / "history.html").write_text("<html>digits history</html>")
    (reports / "digits" / "history_01.png").write_bytes(b"\x89PNG")
    (reports / "digits" / ".history.lock").write_text("")
    client = _client(readable={"digits"})

    tab = client.get("/lca-reports/studies/digits")
    assert 'href="../files/digits/history.html"' in tab.text
    assert "digits history" in client.get("/lca-reports/files/digits/history.html").text
    assert client.get("/lca-reports/files/digits/history_01.png").status_code == 200
    assert client.get("/lca-reports/files/digits/.history.lock").status_code == 404
    assert client.get("/lca-reports/files/digits/notes.txt").status_code == 404  # only the history files
    assert _client(readable={"other_study"}).get("/lca-reports/files/digits/history.html").status_code == 404


# --- run lists with figures, and the compare page -------------------------------------------

RESULT_FIELDS = "scenario,label,is_reference,method,unit,score,ratio_to_reference,energy_method,mc_p2_5,mc_p97_5"
GWP = "IPCC 2021 | climate change | global warming potential (GWP100)"


def _run(root: Path, study: str, folder: str, baseline: float, *, settings: dict | None = None, items: int = 1000000):
    """A published report and its run folder, as the report task and the first task leave them."""
    report = root / "reports" / study / folder
    report.mkdir(parents=True)
    (report / "report.html").write_text("<html></html>")
    (report / "results.csv").write_text(
        f"{RESULT_FIELDS}\n"
        f"baseline,ML: baseline,False,{GWP},kg CO2-Eq,{baseline},{baseline / 91.6},codecarbon_estimate,"
        f"{baseline * 0.8},{baseline * 1.25}\n"
        f"reference,Reference,True,{GWP},kg CO2-Eq,91.6,1.0,,80,100\n"
    )
    run = root / "runs" / study / folder
    run.mkdir(parents=True)
    (run / "settings.json").write_text(json.dumps(settings or {"overrides": {}, "reuse_measurements_from": None}))
    (run / "study.yaml").write_text(
        f"name: {study}\nfunctional_unit:\n  items: {items}\n  item: digit\n  period: 1 year\n"
        f"deployment:\n  country: {'POL' if settings else 'FRA'}\n"
    )


@pytest.fixture
def two_runs(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LCA_ARTIFACT_ROOT", tmp_path.as_uri())
    _run(tmp_path, "digits", "run_1", 9.52)
    _run(
        tmp_path,
        "digits",
        "run_2",
        14.3,
        settings={"overrides": {"deployment.country": "POL"}, "reuse_measurements_from": "run_1"},
    )
    return tmp_path


def test_the_run_list_shows_each_runs_headline_figure_energy_method_and_what_if_marker(two_runs):
    page = _client(readable={"digits"}).get("/lca-reports/studies/digits").text

    assert "uncompressed model 9.52 kg CO2-Eq (0.104 x reference)" in page
    assert "codecarbon_estimate" in page and "report complete" in page
    assert '<span class="whatif">what-if</span> from run_1; deployment.country=POL' in page
    assert page.count('type="checkbox" name="run"') == 2 and 'action="../compare"' in page


def test_the_compare_page_shows_the_inputs_that_differ_and_each_result_with_its_interval(two_runs):
    response = _client(readable={"digits"}).get("/lca-reports/compare?run=digits/run_1&run=digits/run_2")

    assert response.status_code == 200
    page = response.text
    assert "<code>deployment.country</code></td><td>FRA</td><td>POL</td>" in page
    assert "functional_unit.items" not in page  # the same in both: not a difference
    assert '<td class="num">9.52<br><span class="small">7.62–11.9</span></td>' in page
    assert '<td class="num moved">14.3' in page  # outside the first run's interval


def test_runs_of_studies_with_other_functional_units_are_not_compared(two_runs):
    _run(two_runs, "fraud", "run_9", 3.0, items=5000)
    client = _client(readable={"digits", "fraud"})

    refused = client.get("/lca-reports/compare?run=digits/run_1&run=fraud/run_9")
    alone = client.get("/lca-reports/compare?run=digits/run_1")
    hidden = _client(readable={"digits"}).get("/lca-reports/compare?run=digits/run_1&run=fraud/run_9")

    assert refused.status_code == 400 and "same functional unit" in refused.text
    assert alone.status_code == 400 and hidden.status_code == 404
