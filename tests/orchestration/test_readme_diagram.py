"""The README's pipeline diagram is generated from the DAG and the run's layout, and kept current."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "readme_diagram.py"


def _check(readme) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "AIRFLOW_HOME": os.path.join(os.environ["LCA_HOME"], "airflow-parse")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--readme", str(readme)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )


def test_the_readme_diagram_is_the_one_the_dag_and_the_layout_give():
    result = _check(REPO / "README.md")
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_stale_diagram_fails_the_check(tmp_path):
    stale = tmp_path / "README.md"
    text = (REPO / "README.md").read_text()
    assert "energy/idle.json" in text
    stale.write_text(text.replace("energy/idle.json", "energy/idle_power.json"))  # a file renamed in the layout only

    result = _check(stale)

    assert result.returncode == 1 and "the pipeline diagram is stale" in result.stderr
