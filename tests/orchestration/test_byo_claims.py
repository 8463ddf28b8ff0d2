"""Issue 10's "Done when", end to end: a bring-your-own study with zero observed errors on a small test set.

Real data (two iris species, 30 held-out items), the real DAG: no variant errs,
yet the Monte Carlo interval of each variant's routed share is not a point at 0,
"clearly lowers" is written only for variants whose paired probability is at least
95 %, the report names the 30 held-out items and warns by the rule of three, and
the report states one server allocation rule used for energy and hardware.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape

import pytest

from lca.records import MonteCarloResults, QualityBootstrap, StudyInventory
from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir
from tests.conftest import REPO
from tests.orchestration.dags import run_dag

pytestmark = pytest.mark.e2e

IRIS = REPO / "tests" / "data" / "byo_iris"


def test_zero_observed_errors_on_a_small_test_set_are_not_reported_as_certainty(
    airflow_db, tmp_path, monkeypatch, bw_project
):
    folder = tmp_path / "studies"
    shutil.copytree(IRIS, folder)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))

    run, state = run_dag("byo_iris")

    assert state == "success"
    run_dir = runs_dir() / "byo_iris" / safe_name(run.run_id)
    quality = QualityBootstrap.load(run_dir / "benchmarks" / "quality_bootstrap.json")
    zero = [v for v in quality.variants if v.routed_items == 0]
    assert zero, "the two iris species are separable: some variant must make no error on the 30 held-out items"
    assert quality.n_items == 30
    mc = MonteCarloResults.load(run_dir / "lca" / "monte_carlo.json")
    routed = {r.scenario: r for r in mc.routed_shares}
    for v in zero:
        r = routed[v.variant]
        assert r.observed == 0 and r.n_items == 30
        assert r.p97_5 > 0.02 and r.p97_5 > r.p2_5, f"{v.variant}: the routed share's interval is degenerate"
    assert "paired bootstrap" in mc.quality_source

    html = unescape((reports_dir() / "byo_iris" / safe_name(run.run_id) / "report.html").read_text())
    gwp = mc.methods[0]
    for name in re.findall(r"clearly lowers the impact for ([\w, ]+?)[;(]", html):
        for variant in [n.strip() for n in name.split(",")]:
            assert mc.stat(variant, gwp).p_beats_baseline >= 0.95, f"'clearly lowers' for {variant} without support"
    assert "0 of 30 held-out items" in html and "3/30 = 10.0%" in html
    assert "What the quality figures rest on" in html

    inventory = StudyInventory.load(run_dir / "lca" / "inventory.json")
    assert inventory.allocation == "shared"
    assert inventory.allocation_statement in html
    stages = {s.stage for s in inventory.scenario("baseline").stages}
    assert "server share (idle power and embodied)" in stages and "embodied hardware" not in stages
    sensitivity = json.loads((run_dir / "lca" / "sensitivity.json").read_text())
    assert {r["rule"] for r in sensitivity["allocation"]} == {"shared", "whole_machine"}
    tornado_groups = {b["group"] for b in sensitivity["tornado"]}
    assert {f"routed share ({v.variant})" for v in zero} <= tornado_groups, "routed shares are in the tornado"
