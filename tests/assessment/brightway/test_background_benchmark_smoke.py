"""The scale benchmark's script runs end to end at a tiny size (the real sizes are not part of the suite)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_the_background_scale_benchmark_runs_at_a_tiny_size_and_writes_its_table(tmp_path):
    out = tmp_path / "results.md"
    env = {**os.environ, "LCA_HOME": str(tmp_path / "home")}
    env.pop("BRIGHTWAY2_DIR", None)  # its own throw-away Brightway directory under LCA_HOME
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "lca_background_scale.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    assert "SYNTHETIC" in text and "| 80 (" in text
    assert "fresh draws vs fresh draws" in text and "cached draws vs Brightway on the same draws" in text
    assert "Targets" in text and "load before / after" in text
