"""`make cluster` runs its set-up steps (migrations, admin user, pools, Brightway) only when their inputs changed.

The steps here are real commands run the way cluster_init runs airflow-init.sh and
setup-brightway (through the supervisor's `run`), counting how often they ran.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "cluster"))  # not a package: its modules import each other by name
import cluster_init  # noqa: E402
import cluster_supervisor as supervisor  # noqa: E402
from cluster_layout import ClusterError, Layout  # noqa: E402

SECRET = {"admin_user": "admin", "admin_password": "first"}


def _counting_step(counter: Path, command: str = "true"):
    def action() -> None:
        supervisor.run(["sh", "-c", f"echo ran >> {counter} && {command}"], what="test step")

    return action


def _runs(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_a_step_runs_once_per_key_and_again_when_a_part_of_the_key_changes(tmp_path, capsys):
    layout, counter = Layout(tmp_path / "cluster"), tmp_path / "runs.txt"
    key = cluster_init.airflow_init_key("7312/16384", SECRET)
    assert cluster_init.once(layout, "airflow-init", key, _counting_step(counter))
    assert not cluster_init.once(layout, "airflow-init", key, _counting_step(counter))
    assert _runs(counter) == 1
    assert "skipped" in capsys.readouterr().out

    # a new database (initdb, or the airflow database dropped) needs the migrations again
    assert cluster_init.once(
        layout, "airflow-init", cluster_init.airflow_init_key("9999/16384", SECRET), _counting_step(counter)
    )
    assert "changed: database" in capsys.readouterr().out
    # so does a new admin password
    changed = cluster_init.airflow_init_key("9999/16384", SECRET | {"admin_password": "second"})
    assert cluster_init.once(layout, "airflow-init", changed, _counting_step(counter))
    assert "changed: admin" in capsys.readouterr().out
    assert _runs(counter) == 3


def test_a_failed_step_leaves_no_stamp_and_runs_again(tmp_path):
    layout, counter = Layout(tmp_path / "cluster"), tmp_path / "runs.txt"
    key = cluster_init.airflow_init_key("7312/16384", SECRET)
    with pytest.raises(ClusterError, match="test step failed"):
        cluster_init.once(layout, "airflow-init", key, _counting_step(counter, "exit 3"))
    assert not (layout.stamps / "airflow-init.json").exists()
    assert cluster_init.once(layout, "airflow-init", key, _counting_step(counter))
    assert _runs(counter) == 2


def test_the_airflow_key_names_the_installed_airflow_and_its_providers():
    packages = cluster_init.airflow_init_key("1/2", SECRET)["packages"]
    assert "apache-airflow-core" in packages and all(name.startswith("apache-airflow") for name in packages)


def test_the_brightway_key_changes_with_the_studies_and_with_a_new_brightway_folder(tmp_path):
    studies, brightway = tmp_path / "studies", tmp_path / "host" / "brightway"
    shutil.copytree(REPO / "include" / "studies", studies)
    brightway.mkdir(parents=True)
    env = {"LCA_STUDIES_DIR": str(studies), "LCA_INCLUDE_DIR": str(REPO / "include"), "BRIGHTWAY2_DIR": str(brightway)}
    key = cluster_init.brightway_key(env)
    assert cluster_init.brightway_key(env) == key
    assert "bw2data" in key["packages"] and "lca-ml" in key["packages"]

    study = next(studies.glob("*.yaml"))
    study.write_text(study.read_text() + "\n# edited\n")  # a study may name another impact method
    assert cluster_init.brightway_key(env)["studies"] != key["studies"]

    kept = brightway.with_name("kept")
    brightway.rename(kept)  # keep the inode in use, so the new folder cannot reuse it
    brightway.mkdir()
    assert cluster_init.brightway_key(env)["brightway folder"] != key["brightway folder"]
