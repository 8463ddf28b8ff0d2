"""A run's foreground database on many hosts: found and verified, or rebuilt from the inventory; old ones pruned."""

from __future__ import annotations

import pytest

from lca.assessment.brightway.foreground import (
    database_name,
    ensure_foreground,
    inventory_fingerprint,
    write_inventory,
)
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.brightway.project import activate, use_brightway_dir
from lca.study.impact_methods import GWP100
from tests.assessment.brightway.test_bw_lcia import tiny_inventory


def _scores(inv, database, project):
    return {
        (s.scenario, tuple(s.method)): s.score for s in compute_scores(inv, database, [GWP100], project=project).scores
    }


def test_a_host_without_the_runs_database_rebuilds_it_with_the_same_scores(bw_project, tmp_path, monkeypatch):
    inv = tiny_inventory("run-on-host-1")
    on_host_1 = _scores(inv, write_inventory(inv, project=bw_project), bw_project)

    # Another host: its own Brightway directory, which has never seen this run (nor the project).
    session_dir = use_brightway_dir()
    monkeypatch.setenv("BRIGHTWAY2_DIR", str(tmp_path / "host2" / "brightway"))
    try:
        name = ensure_foreground(inv, [GWP100], project=bw_project)
        bd = activate(bw_project)
        assert name == database_name(inv) and name in bd.databases
        assert bd.databases[name]["lca_inventory_sha256"] == inventory_fingerprint(inv)
        assert _scores(inv, name, bw_project) == pytest.approx(on_host_1, rel=1e-6)
        assert (tmp_path / "host2" / "brightway").is_dir()
    finally:
        monkeypatch.setenv("BRIGHTWAY2_DIR", str(session_dir))
        use_brightway_dir()


def test_a_present_and_verified_database_is_used_as_is_and_a_stale_one_is_rewritten(bw_project):
    inv = tiny_inventory("run-verified")
    name = write_inventory(inv, project=bw_project)
    written_at = activate(bw_project).databases[name]["lca_written_at"]

    assert ensure_foreground(inv, [GWP100], project=bw_project) == name
    assert activate(bw_project).databases[name]["lca_written_at"] == written_at  # found, not rewritten

    # Same run, other inventory (a re-run upstream measured other energy): the database is rewritten.
    changed = inv.model_copy(update={"items": inv.items * 2})
    ensure_foreground(changed, [GWP100], project=bw_project)
    bd = activate(bw_project)
    assert bd.databases[name]["lca_inventory_sha256"] == inventory_fingerprint(changed)
    assert bd.databases[name]["lca_written_at"] > written_at


def test_only_the_most_recent_foreground_databases_of_a_study_stay_on_a_host(bw_project, monkeypatch):
    monkeypatch.setenv("LCA_FOREGROUND_KEEP", "2")
    other_study = tiny_inventory("kept-other-study").model_copy(update={"study": "another_study"})
    write_inventory(other_study, project=bw_project)
    names = []
    for i in range(4):
        inv = tiny_inventory(f"retention-{i}").model_copy(update={"study": "retained"})
        names.append(write_inventory(inv, project=bw_project))

    bd = activate(bw_project)
    kept = sorted(n for n in bd.databases if bd.databases[n].get("study") == "retained")
    assert kept == sorted(names[-2:])
    processed = {p.name for p in (bd.projects.dir / "processed").iterdir()}
    for name in names[:2]:
        db = bd.Database(name)
        assert db.filename_processed() not in processed, f"{name}: its processed/ file was left behind"
    for name in names[-2:]:
        assert bd.Database(name).filename_processed() in processed
    assert database_name(other_study) in bd.databases  # another study's database is not this study's to prune

    # A pruned run is not lost: its inventory rebuilds it.
    rebuilt = ensure_foreground(
        tiny_inventory("retention-0").model_copy(update={"study": "retained"}), [GWP100], project=bw_project
    )
    assert rebuilt == names[0] and rebuilt in activate(bw_project).databases


def test_the_retention_setting_must_be_a_positive_whole_number(monkeypatch):
    from lca.settings import DEFAULT_FOREGROUND_KEEP, foreground_keep

    monkeypatch.delenv("LCA_FOREGROUND_KEEP")
    assert foreground_keep() == DEFAULT_FOREGROUND_KEEP
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("LCA_FOREGROUND_KEEP", bad)
        with pytest.raises(ValueError, match=f"LCA_FOREGROUND_KEEP={bad!r}"):
            foreground_keep()
