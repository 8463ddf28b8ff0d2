"""The reports the browser tests open: the tiny built-in studies through the real DAG, and a digits-shaped one.

The tiny studies' reports are the ones the end-to-end tests of this session wrote (the browser
tests run last); a study without one is run here, through its DAG with ``dag.test()``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from lca.settings import safe_name
from lca.storage import reports_dir
from tests.conftest import REPO

TINY_STUDIES = ("tiny_digits", "tiny_fraud", "tiny_grid_load")


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


def digits_shaped_report(bw_project: str, tmp_path: Path) -> Path:
    """The digits study's report (its 9 variants, 4 categories, 7 countries) from hand-made measurements.

    Everything after the measurements is real: Brightway scores, paired Monte Carlo, sensitivity,
    the Excel export and the report writer; only training and benchmarking are skipped.
    """
    from lca.assessment.brightway.export import export_excel
    from lca.assessment.brightway.foreground import write_inventory
    from lca.assessment.brightway.lcia import compute_scores_and_stages
    from lca.assessment.characterization import method_unit
    from lca.assessment.interpretation.monte_carlo import monte_carlo
    from lca.assessment.interpretation.sensitivity import sensitivity
    from lca.records import GateResult
    from lca.reporting.run_report import write_report
    from lca.study.loading import load_study
    from tests.bw_fixtures import FOUR_METHODS
    from tests.conftest import DIGITS
    from tests.records_factory import bench, digits_inventory, energy

    run_id = "manual__2026-12-01T00:00:00+00:00"
    study = load_study(DIGITS)
    inv = digits_inventory(run_id)
    database = write_inventory(inv, project=bw_project)
    lcia, _ = compute_scores_and_stages(inv, database, FOUR_METHODS, project=bw_project)
    units = {m: method_unit(m) for m in FOUR_METHODS}
    draws_file = tmp_path / "mc.npz"
    mc, draws = monte_carlo(inv, FOUR_METHODS, units, 2000, 1, draws_file=str(draws_file))
    np.savez_compressed(draws_file, **draws)
    sens = sensitivity(inv, FOUR_METHODS, units, study.lca.sensitivity_countries, 200, 1, study.lca.tornado_parameters)
    xlsx = export_excel(inv, database, tmp_path / "inventory.xlsx", project=bw_project)
    names = study.variant_names()
    benchmarks = [bench(n, 2e-9 / (i + 1), accuracy=0.99 - 0.01 * i) for i, n in enumerate(names)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCA_REPORTS_DIR", str(tmp_path / "reports"))
        return write_report(
            study=study,
            study_path=DIGITS,
            run_id=run_id,
            inventory=inv,
            lcia=lcia,
            benchmarks=benchmarks,
            training_energy=energy("training", 0.02, duration_s=40.0),
            compression_energy={n: energy(f"compression:{n}", 0.001 * (i + 1)) for i, n in enumerate(names[1:])},
            gates=[
                GateResult(name="dataset", success=True, failures=[], checked=133, source="dataset.csv"),
                GateResult(name="benchmarks", success=True, failures=[], checked=36, source="benchmarks.csv"),
            ],
            monte_carlo=mc,
            sensitivity=sens,
            export_path=xlsx,
        )


def extra_reports() -> list[Path]:
    """Reports named in LCA_BROWSER_REPORTS (os.pathsep-separated), e.g. the one ``make demo`` wrote."""
    return [Path(p) for p in os.environ.get("LCA_BROWSER_REPORTS", "").split(os.pathsep) if p]
