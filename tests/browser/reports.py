"""The reports the browser tests open: the tiny built-in studies through the real DAG, and a stored real digits run.

The tiny studies' reports are the ones the end-to-end tests of this session wrote (the browser
tests run last); a study without one is run here, through its DAG with ``dag.test()``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from lca.settings import safe_name
from lca.storage import reports_dir
from tests.conftest import REPO

TINY_STUDIES = ("tiny_digits", "tiny_fraud", "tiny_grid_load")
# A real digits run's records (scripts/report_fixture.py says what is kept and how it was cut).
STORED_RUN = REPO / "tests" / "data" / "digits_run.tar.xz"


def latest_report(study: str) -> Path | None:
    folder = reports_dir() / study
    done = [p for p in folder.iterdir() if (p / "report.html").is_file()] if folder.is_dir() else []
    return max(done, key=lambda p: (p / "report.html").stat().st_mtime) if done else None


def tiny_report(study: str) -> Path:
    """The newest report of a tiny study, running its DAG when this session has none yet."""
    found = latest_report(study)
    if found is not None:
        return found
    from airflow.dag_processing.dagbag import DagBag

    from lca.orchestration import embedded_airflow

    embedded_airflow.migrate_db()
    folder = Path(tempfile.mkdtemp(prefix="lca-browser-studies-"))
    shutil.copy(REPO / "tests" / "data" / f"{study}.yaml", folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_STUDIES_DIR", str(folder))
        bag = DagBag(dag_folder=str(REPO / "dags"))
        assert bag.import_errors == {}
        run = bag.dags[study].test()
    assert str(getattr(run.state, "value", run.state)) == "success", f"{study}: {run.state}"
    return reports_dir() / study / safe_name(run.run_id)


def stored_run_report(tmp_path: Path) -> Path:
    """The stored digits run's report, published again by the current code through the report stage itself.

    The records are a real ``lca-ml demo digits`` run's (tests/data/digits_run.tar.xz); the stage reads them
    by the keys the DAG passes (``keys.json``) from an artefact store in ``tmp_path``, so every section,
    template and stylesheet of the report is today's. Takes seconds where the run took many minutes.
    """
    import tarfile

    from lca.orchestration.run import Run
    from lca.orchestration.stages import report
    from tests.conftest import DIGITS

    with tarfile.open(STORED_RUN) as tar:
        tar.extractall(tmp_path, filter="data")
    stored = tmp_path / "digits_run"
    keys = json.loads((stored / "keys.json").read_text())
    root = tmp_path / "store"
    prefix = f"runs/{keys['study']}/{keys['run_folder']}"
    shutil.copytree(stored / keys["run_folder"], root / prefix)

    def key(rel: str) -> str:
        return f"{prefix}/{rel}"

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_ARTIFACT_ROOT", root.as_uri())
        published = report.report(
            Run(DIGITS, keys["study"], keys["run_id"]),
            variant_keys=[key(k) for k in keys["variant_keys"]],
            benchmark_keys=[key(k) for k in keys["benchmark_keys"]],
            gate_keys=[key(k) for k in keys["gate_keys"]],
            **{name: key(keys[name]) for name in _SINGLE_KEYS},
        )
    return root / published


_SINGLE_KEYS = ("inventory_key", "lcia_key", "dataset_key", "monte_carlo_key", "sensitivity_key", "export_key")


def extra_reports() -> list[Path]:
    """Reports named in LCA_BROWSER_REPORTS (os.pathsep-separated), e.g. the one ``make demo`` wrote."""
    return [Path(p) for p in os.environ.get("LCA_BROWSER_REPORTS", "").split(os.pathsep) if p]
