"""The tiny study, linked to a practitioner's (SYNTHETIC, ecoinvent-shaped) Brightway background, through its DAG."""

from __future__ import annotations

import json

import pytest

from lca.records import LciaResults, StudyInventory
from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import REPO
from tests.orchestration.dags import state_of, study_dag
from tests.practitioner_fixtures import LINKS
from tests.study_files import edited_copy

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


def test_a_study_linked_to_the_practitioners_background_runs_through_its_dag_and_matches_brightway(
    airflow_db, practitioner_project, tmp_path, monkeypatch
):
    folder = tmp_path / "studies"
    folder.mkdir()
    edited_copy(
        TINY,
        folder,
        name="tiny_linked",
        impact_methods=[list(m) for m in FOUR_METHODS],
        lca__background=LINKS,
        lca__system_boundary="devices_and_office",
    )
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))
    monkeypatch.setenv("LCA_BRIGHTWAY_PROJECT", practitioner_project["project"])
    run = study_dag("tiny_linked").test()
    assert state_of(run) == "success"

    lca = runs_dir() / "tiny_linked" / safe_name(run.run_id) / "lca"
    inventory = StudyInventory.load(lca / "inventory.json")
    linked = {a.key: a for a in inventory.background if a.linked}
    assert set(linked) == {"grid::SWE", "device::server_2s_r740", "device::desktop_pro", "heat::natural_gas"}
    assert linked["grid::SWE"].database_code == "elec-SE"
    lcia = LciaResults.load(lca / "lcia.json")
    assert lcia.brightway_project == practitioner_project["project"]
    assert lcia.engine_max_rel_diff is not None and lcia.engine_max_rel_diff <= 1e-6  # engine = Brightway
    assert len(lcia.scores) == len(inventory.scenarios) * 4 and all(
        s.score > 0 for s in lcia.scores if s.method[0] == "IPCC 2021"
    )
    mc = json.loads((lca / "monte_carlo.json").read_text())
    assert mc["iterations"] == 200
    html = (reports_dir() / "tiny_linked" / safe_name(run.run_id) / "report.html").read_text()
    assert "SYNTHETIC ecoinvent-shaped 3.10 (your Brightway project), code elec-SE" in html
