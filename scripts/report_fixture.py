"""Regenerate tests/data/digits_run.tar.xz: the smallest part of a real run the report is rendered from.

The browser tests (tests/browser/test_real_report.py) publish this run's report again with the
current code, through the report stage itself (lca.orchestration.stages.report), so a layout
regression in any section shows on a real digits run's records, not on hand-made ones. A full
digits run takes 10-25 minutes; rendering its report takes seconds.

What is kept, by the keys of lca.run_layout (nothing else of the run is read by the report stage):

* ``settings.json``, ``study.yaml`` (the resolved study), ``study_as_written.yaml``;
* every variant record (``models/<variant>.json``) and the energy record it names (``energy/``);
* the scored benchmarks (``benchmarks/scored/<variant>.json``) and both gates (``gates/``);
* the dataset's card (``data/dataset.card.json``), not the dataset;
* the inventory, LCIA, Monte Carlo, sensitivity and rebound records (``lca/*.json``), and the
  Brightway Excel export (``lca/inventory.xlsx``);
* each variant's runtime sweep (``runtimes/<variant>.json``), not the exported graphs;
* the Monte Carlo draws (``lca/monte_carlo.npz``), cut to their first ``--draws`` draws (default 1,000)
  and stored as float32: the report reads them only for the paired probabilities between ML options,
  and the run's 10,000 draws (3.5 MB) would be most of the fixture's size. This is the only change
  made to the run's records; every figure the report prints from the other records is the run's.

``keys.json`` holds the report stage's arguments as the DAG passes them (run id, variant, benchmark,
gate and LCA keys). Model weights, per-item outputs, the dataset and the ONNX graphs are not kept.
The folder is stored as one xz-compressed tar (about 0.5 MB; the JSON records alone are 2.5 MB):
``tar -xJf tests/data/digits_run.tar.xz`` shows it.

    LCA_HOME=var-real .venv/bin/lca-ml demo digits
    .venv/bin/python scripts/report_fixture.py var-real/runs/digits/<run folder>
"""

from __future__ import annotations

import argparse
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEST = REPO / "tests" / "data" / "digits_run.tar.xz"


def _variant_order(run: Path) -> list[str]:
    """The study's variant order (lca.study.schema.Study.variant_names), as the DAG's collect_variants gives it."""
    from lca.study.bounded_yaml import load_yaml_text
    from lca.study.loading import parse_study

    study_path = REPO / "include" / "studies" / f"{run.parent.name}.yaml"
    study = parse_study(load_yaml_text((run / "study.yaml").read_text(), study_path), study_path)
    return study.variant_names()


def _run_id(run: Path) -> str:
    """Airflow's run id (the folder name is it made portable), from the run's published report."""
    manifest = run.parents[2] / "reports" / run.parent.name / run.name / "manifest.json"
    if not manifest.is_file():
        raise SystemExit(f"{manifest}: missing; the fixture is made from a run whose report was published")
    return json.loads(manifest.read_text())["run_id"]


def _cut_draws(source: Path, target: Path, draws: int) -> None:
    with np.load(source) as data:
        arrays = {name: _first(data[name], draws) for name in data.files}
    np.savez_compressed(target, **arrays)


def _first(array: np.ndarray, draws: int) -> np.ndarray:
    """The first ``draws`` draws along the longest axis (the draws'), floats as float32."""
    if array.ndim:
        axis = int(np.argmax(array.shape))
        array = np.take(array, range(min(draws, array.shape[axis])), axis=axis)
    return array.astype(np.float32) if array.dtype.kind == "f" else array


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("run", type=Path, help="a finished run's folder: <LCA_HOME>/runs/<study>/<run folder>")
    parser.add_argument("--dest", type=Path, default=DEST)
    parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws kept")
    args = parser.parse_args()
    run: Path = args.run.resolve()
    if not (run / "lca" / "lcia.json").is_file():
        parser.error(f"{run}: not a finished run folder (no lca/lcia.json)")
    variants = _variant_order(run)
    keys = {
        "study": run.parent.name,
        "run_id": _run_id(run),
        "variant_keys": [f"models/{v}.json" for v in variants],
        "benchmark_keys": [f"benchmarks/scored/{v}.json" for v in variants],
        "gate_keys": ["gates/dataset.json", "gates/benchmarks.json"],
        "inventory_key": "lca/inventory.json",
        "lcia_key": "lca/lcia.json",
        "dataset_key": "data/dataset.csv",
        "monte_carlo_key": "lca/monte_carlo.json",
        "sensitivity_key": "lca/sensitivity.json",
        "export_key": "lca/inventory.xlsx",
    }
    kept = [
        "settings.json",
        "study.yaml",
        "study_as_written.yaml",
        "data/dataset.card.json",
        "lca/rebound.json",
        *keys["variant_keys"],
        *keys["benchmark_keys"],
        *keys["gate_keys"],
        *(keys[k] for k in ("inventory_key", "lcia_key", "monte_carlo_key", "sensitivity_key", "export_key")),
        *(f"runtimes/{v}.json" for v in variants),
    ]
    kept += sorted({json.loads((run / k).read_text())["energy_path"].split("/", 3)[-1] for k in keys["variant_keys"]})
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / "digits_run"
        dest = top / run.name
        for rel in kept:
            if not (run / rel).is_file():
                continue  # e.g. a run without rebound or runtimes: the report stage copes, so does the fixture
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run / rel, dest / rel)
        _cut_draws(run / "lca" / "monte_carlo.npz", dest / "lca" / "monte_carlo.npz", args.draws)
        keys["run_folder"] = run.name
        (top / "keys.json").write_text(json.dumps(keys, indent=2) + "\n")
        with tarfile.open(args.dest, "w:xz") as tar:
            tar.add(top, arcname=top.name, filter=_plain)
    print(f"{args.dest}: {args.dest.stat().st_size / 1e6:.2f} MB")


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner or time of this machine in the archive: the same run gives the same file."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


if __name__ == "__main__":
    main()
