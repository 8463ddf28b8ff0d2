"""A run's files are named in one module, lca.run_layout, and their keys are those runs always had."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from lca.run_layout import RunLayout, beside, report_folder
from tests.conftest import REPO

LAYOUT = REPO / "lca" / "run_layout.py"
# Folder names too distinctive to be anything but a run's folder.
FOLDERS = {"gates", "scored"}
# Names written by a library function that makes the file as a pair with another, placed by layout.
WRITTEN_ELSEWHERE = {
    ("lca/ml/quality_bootstrap.py", "quality_bootstrap.json"): "write_bootstrap writes the record and its draws",
    (
        "lca/assessment/interpretation/monte_carlo.py",
        "monte_carlo.npz",
    ): "the record's default draws_file; stages pass the key",
}


def _file_names() -> set[str]:
    """Every file name the layout spells: a name with the variant cut out of it, e.g. 'compression_'."""
    layout = RunLayout.of("study", "run")
    names = set()
    for attribute, member in inspect.getmembers(RunLayout):
        if attribute.startswith("_") or attribute in ("of", "sibling", "folder_name", "prefix"):
            continue
        key = getattr(layout, attribute)("VARIANT") if callable(member) else getattr(layout, attribute)
        if not key.startswith(layout.prefix + "/"):
            continue
        leaf = key.rsplit("/", 1)[-1]
        if "." not in leaf:
            continue  # a folder
        # 'compression_VARIANT.json' -> 'compression_' (a bare '.json' says nothing)
        names.update(p for p in leaf.split("VARIANT") if p and not (p.startswith(".") and p.count(".") == 1))
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def run_file_names_outside_layout(root: Path) -> list[str]:
    names = _file_names()
    found = []
    for path in sorted((root / "lca").rglob("*.py")):
        if path == root / LAYOUT.relative_to(REPO):
            continue
        relative = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(), filename=str(path))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in skip:
                continue
            hits = {n for n in names if n in node.value} | ({node.value} & FOLDERS)
            for hit in sorted(hits):
                if (relative, hit) not in WRITTEN_ELSEWHERE:
                    found.append(f"{relative}:{node.lineno}: {node.value!r}")
    return found


def test_the_layout_spells_the_names_a_run_has_always_had():
    names = _file_names()
    assert {"settings.json", "idle.json", "compression_", ".items.npz", "inventory.xlsx", "study.yaml"} <= names


def test_no_module_of_lca_but_the_layout_spells_a_file_name_of_a_run():
    assert run_file_names_outside_layout(REPO) == []


def test_the_check_finds_a_run_file_name_spelled_elsewhere(tmp_path):
    (tmp_path / "lca" / "orchestration").mkdir(parents=True)
    (tmp_path / "lca" / "orchestration" / "stage.py").write_text(
        '"""Writes energy/idle.json."""\nKEY = "energy/idle.json"\nFOLDER = ("benchmarks", "scored")\n'
    )
    assert run_file_names_outside_layout(tmp_path) == [
        "lca/orchestration/stage.py:2: 'energy/idle.json'",
        "lca/orchestration/stage.py:3: 'scored'",
    ]


def test_a_runs_keys_are_the_store_keys_earlier_runs_were_written_under():
    run = RunLayout.of("digits", "manual__2026-01-01T00:00:00+00:00")
    assert run.prefix == "runs/digits/manual__2026-01-01T00_00_00_00_00"
    assert run.idle_energy == f"{run.prefix}/energy/idle.json"
    assert run.compression_energy("int8") == f"{run.prefix}/energy/compression_int8.json"
    assert run.scored("baseline") == f"{run.prefix}/benchmarks/scored/baseline.json"
    assert run.dataset_gate == f"{run.prefix}/gates/dataset.json"
    assert run.export == f"{run.prefix}/lca/inventory.xlsx"
    assert run.sibling("manual__x").prefix == "runs/digits/manual__x"
    assert beside(run.benchmark("baseline"), "baseline.items.npz") == run.per_item("baseline")
    assert report_folder("digits", "manual__x") == "reports/digits/manual__x"
