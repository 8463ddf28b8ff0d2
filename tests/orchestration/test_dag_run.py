"""A whole study runs through its Airflow DAG (``dag.test()``, SQLite, in-process)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from lca.settings import safe_name
from lca.storage import reports_dir, runs_dir
from tests.conftest import REPO
from tests.orchestration.dags import run_dag, state_of
from tests.orchestration.test_two_hosts import absolute_paths

pytestmark = pytest.mark.e2e

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"
BYO = REPO / "examples" / "byo"


def test_the_tiny_study_runs_end_to_end_and_writes_a_report_with_one_row_per_scenario(airflow_db, studies, bw_project):
    run, state = run_dag("tiny_digits")
    assert state == "success"
    report = reports_dir() / "tiny_digits" / safe_name(run.run_id)
    assert (report / "report.html").is_file()
    results = pd.read_csv(report / "results.csv")
    assert sorted(results["scenario"].unique()) == [
        "baseline",
        "classical",  # the classical baseline (logistic regression), assessed like any variant
        "dw_separable",
        "int8_dynamic",
        "pruned_30",
        "reference",
    ]
    assert len(results) == 6  # one impact method in this study
    # what the report states about its framing and its figures (issues 18 and 19)
    html = (report / "report.html").read_text()
    for words in (
        "Framework: attributional",
        "Serving: ",
        "Routing rule <code>",
        "Rebound scenario",
        "Data quality of the reference figures",
        "Energy source of each measured stage",
        "% of each ML score",
        "What to pin down first",
    ):
        assert words in html, words
    assert (report / "dqi.csv").is_file() and "perfect_detector" in results.columns
    assert (results["score"] > 0).all()
    reference = results[results["scenario"] == "reference"].iloc[0]
    assert reference["ratio_to_reference"] == pytest.approx(1.0)
    # the LCA interpretation tasks ran and the report carries their tables, charts and the Brightway export
    ml = results[results["scenario"] != "reference"]
    assert ml["p_beats_reference"].between(0, 1).all() and (ml["mc_p2_5"] <= ml["mc_p97_5"]).all()
    for name in (
        "contributions.csv",
        "monte_carlo.csv",
        "break_even.csv",
        "sensitivity_countries.csv",
        "tornado.csv",
        "inventory_brightway.xlsx",
        "contributions_01.png",
        "break_even_01.png",
    ):
        assert (report / name).is_file(), name
    countries = pd.read_csv(report / "sensitivity_countries.csv")
    assert set(countries["country"]) == {"SWE", "POL"}  # the study's own list (its country, Sweden, first)
    # What the tasks handed each other through Airflow's XCom: keys of the artefact store, no host path.
    values = _xcom_values("tiny_digits", run.run_id)
    assert "prepare_data" in values and "report" in values
    assert absolute_paths(values) == [], values
    assert values["report"] == f"reports/tiny_digits/{safe_name(run.run_id)}"


def _xcom_values(dag_id: str, run_id: str) -> dict[str, object]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(select(XComModel).where(XComModel.dag_id == dag_id, XComModel.run_id == run_id))
        return {
            f"{x.task_id}[{x.map_index}]" if x.map_index >= 0 else x.task_id: XComModel.deserialize_value(x)
            for x in rows
        }


def test_a_corrupted_dataset_stops_the_run_at_the_data_gate_and_writes_no_report(
    airflow_db, studies, bw_project, monkeypatch
):
    import lca.ml.data

    real = lca.ml.data.prepare_dataset

    def corrupted(spec, out_path, **kwargs):
        real(spec, out_path, **kwargs)
        frame = pd.read_csv(out_path)
        frame.loc[3, "pixel_10"] = None
        frame.loc[5, "label"] = 42
        frame.to_csv(out_path, index=False)
        return out_path

    monkeypatch.setattr(lca.ml.data, "prepare_dataset", corrupted)
    run, state = run_dag("tiny_digits")
    assert state == "failed"
    states = {ti.task_id: state_of(ti) for ti in run.get_task_instances()}
    assert states["check_data"] == "failed"
    assert states["train"] == "upstream_failed"
    assert states["report"] == "upstream_failed"
    assert not (reports_dir() / "tiny_digits" / safe_name(run.run_id)).exists()
    assert not (runs_dir() / "tiny_digits" / safe_name(run.run_id) / "models").exists()


def _tiny_byo(folder):
    """The bring-your-own example, shrunk, with its data and model copied next to it.

    A study may only name files inside its own folder (issue 9): no absolute paths.
    """
    study = yaml.safe_load((BYO / "byo_cells.yaml").read_text())
    study["name"] = "tiny_byo"
    for name in ("cells.csv", "my_model.py"):
        shutil.copy(BYO / name, folder)
    study["training"]["epochs"] = 1
    study["compression"] = [
        {"name": "int8_static", "method": "static_quantization", "calibration_items": 64},
        {"name": "slim_50", "method": "structured_pruning", "amount": 0.5, "finetune_epochs": 1},
    ]
    study["benchmark"] = {
        "energy_window_seconds": 1,
        "idle_window_seconds": 0.5,
        "sampling_interval_seconds": 0.1,
        "batch_size": 32,
        "latency_batch_sizes": [1],
        "warmup": 1,
        "latency_repeats": 6,
    }
    (folder / "tiny_byo.yaml").write_text(yaml.safe_dump(study))


@pytest.mark.parametrize(
    ("dag_id", "variants", "synthetic"),
    [
        ("tiny_fraud", ["baseline", "distilled_int8", "slim_50"], True),
        ("tiny_grid_load", ["baseline", "int8_dynamic", "low_rank_4"], True),
        ("tiny_byo", ["baseline", "int8_static", "slim_50"], False),
        ("tiny_product_recommendation", ["baseline", "int8_dynamic", "tiny_towers"], True),
        ("tiny_customer_segmentation", ["baseline", "int8_static", "pruned_30"], True),
        ("tiny_stock_forecasting", ["baseline", "int8_dynamic"], True),
    ],
)
def test_the_other_built_in_studies_and_the_bring_your_own_example_run_end_to_end(
    airflow_db, tmp_path, monkeypatch, bw_project, dag_id, variants, synthetic
):
    folder = tmp_path / "studies"
    folder.mkdir()
    if dag_id == "tiny_byo":
        _tiny_byo(folder)
    else:
        shutil.copy(REPO / "tests" / "data" / f"{dag_id}.yaml", folder)
    monkeypatch.setenv("LCA_STUDIES_DIR", str(folder))

    run, state = run_dag(dag_id)

    assert state == "success"
    report = reports_dir() / dag_id / safe_name(run.run_id)
    results = pd.read_csv(report / "results.csv")
    # every built-in study also assesses its classical baseline (issue 20)
    assert sorted(results["scenario"].unique()) == sorted([*variants, "classical", "reference"])
    assert (results["score"] > 0).all()
    html = (report / "report.html").read_text()
    assert ("SYNTHETIC DATA" in html) == synthetic
    assert (report / "pareto_quality_energy.png").is_file()
    data_dir = runs_dir() / dag_id / safe_name(run.run_id) / "data"
    assert (data_dir / "dataset_SYNTHETIC.csv").is_file() == synthetic
    table = pd.read_csv(runs_dir() / dag_id / safe_name(run.run_id) / "benchmarks" / "benchmarks.csv")
    if dag_id == "tiny_product_recommendation":  # ranking: its own metrics, floor and routing (misses at k)
        assert table["quality_recall_at_k"].between(0, 1).all() and table["quality_ndcg_at_k"].between(0, 1).all()
        assert set(table["trivial_baseline"]) == {"popularity ranking (training next purchases)"}
        # the floor's recall@k and NDCG@k stand beside the model's (issue 20)
        assert table["trivial_recall_at_k"].between(0, 1).all() and table["trivial_ndcg_at_k"].between(0, 1).all()
        assert "recall_at_k" in html and "merchandiser" in html
    if dag_id == "tiny_customer_segmentation":
        assert table["quality_adjusted_rand"].between(-1, 1).all() and table["quality_silhouette"].between(-1, 1).all()
        assert set(table["trivial_baseline"]) == {"single cluster (everyone in one segment)"}
        assert (table["routed_fraction"] < 1).all() and "adjusted_rand" in html
        assert "Classical baseline: RFM rules (recency, frequency and monetary quintile scores" in html
    if dag_id == "tiny_stock_forecasting":  # units per SKU-week; the planner's effort is per week, not per SKU
        assert table["quality_mae"].ge(0).all() and "planner" in html
        # its floors: the seasonal naive column (issue 21), and the classical method beside it
        assert set(table["trivial_baseline"]) == {"seasonal naive forecast (column seasonal_naive)"}
        assert "seasonal naive forecast (column seasonal_naive)" in html
    if dag_id == "tiny_fraud":  # max_quality_loss 0: every variant that lost anything is flagged, none dropped
        flagged = results[results["exceeds_max_quality_loss"] == True]  # noqa: E712
        assert set(flagged["scenario"]) == set(results[results["quality_loss"] > 0]["scenario"])
