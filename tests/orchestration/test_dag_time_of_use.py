"""The tiny study on an hourly grid profile, through its DAG: the report has the carbon-aware training scenario."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from lca.settings import safe_name
from lca.storage import reports_dir
from lca.study.loading import load_study
from tests.conftest import REPO
from tests.orchestration.dags import state_of, study_dag
from tests.study_files import edited_copy

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"
PROFILE = REPO / "examples" / "time_of_use" / "SYNTHETIC_grid_profile_SE.csv"


def test_a_study_with_an_hourly_profile_reports_the_carbon_aware_training_scenario(
    airflow_db, bw_project, tmp_path, monkeypatch
):
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(PROFILE, folder / PROFILE.name)  # a study names files relative to its own folder
    edited_copy(
        TINY,
        folder,
        name="tiny_when",
        lca__grid_profile={
            "profile": PROFILE.name,
            "source": "SYNTHETIC example profile",
            "carbon_aware_window_hours": 2,
            "carbon_aware_horizon_hours": 24,
        },
    )
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))
    run = study_dag("tiny_when").test()
    assert state_of(run) == "success"
    report = reports_dir() / "tiny_when" / safe_name(run.run_id)
    html = (report / "report.html").read_text()
    assert "Carbon-aware scheduling" in html and "(carbon-aware training)" in html and "(as run)" in html
    aware = pd.read_csv(report / "carbon_aware.csv")
    study_file = next(folder.glob("*.yaml"))
    assert set(aware["scenario"]) == set(load_study(study_file).variant_names())  # every ML variant
    assert (aware["carbon_aware"] <= aware["as_run"] + 1e-15).all()
    assert aware["p_saves"].between(0, 1).all()
    # the tiny study leaves four stages out: listed in "In short", each at a typical value in the sensitivity
    assert "Left out of this assessment" in html and "Stages left out, at a typical value" in html
    excluded = pd.read_csv(report / "sensitivity_excluded_stages.csv")
    assert set(excluded["stage"]) == {"development", "hyper-parameter search", "retraining", "office building"}
    when = pd.read_csv(report / "sensitivity_when.csv")
    assert when["start"].nunique() == 24 and when["is_run_time"].sum() == len(when) // 24
