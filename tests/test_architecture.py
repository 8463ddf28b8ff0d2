"""The tree's architecture is a checked rule, not a convention.

* ``lint-imports`` enforces the layers of ``lca`` and what each layer may not import
  (contracts in ``pyproject.toml``), and is shown to catch a violation;
* no file under ``dags/`` or ``plugins/`` imports a heavy library at module level:
  Airflow re-parses those files at every task start.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
HEAVY = {
    "torch",
    "pandas",
    "bw2data",
    "bw2calc",
    "bw2io",
    "bw2analyzer",
    "great_expectations",
    "codecarbon",
    "sklearn",
    "matplotlib",
}


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True)


def test_the_import_contracts_of_the_package_hold():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("lca/ml/_violation.py", "import lca.assessment.engine\n", "Layers"),
        ("lca/assessment/_violation.py", "import torch\n", "never imports torch"),
        ("lca/reporting/_violation.py", "from lca.assessment import interpretation\n", "never recomputes"),
        ("lca/reporting/_violation.py", "from lca.ml import quality_gates\n", "never recomputes"),
        ("lca/records/_violation.py", "import pandas\n", "Records are plain data"),
        ("lca/study/_violation.py", "import pandas\n", "stays light"),
        ("lca/settings.py", "from lca.storage import store_root\n", "never open the store"),
        (
            "lca/orchestration/run_settings.py",
            "import lca.orchestration.run\n",
            "No import circles",
        ),  # run imports run_settings
    ],
)
def test_each_contract_catches_a_violation(tmp_path, module, line, contract):
    shutil.copytree(REPO / "lca", tmp_path / "lca", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(line)
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def module_level_imports(path: Path) -> set[str]:
    """Top-level package names imported when the file is loaded (not inside functions or classes)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []) or [])
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text(), filename=str(path)).body)
    return found


@pytest.mark.parametrize("path", sorted([*REPO.glob("dags/*.py"), *REPO.glob("plugins/*.py")]), ids=lambda p: p.name)
def test_dag_and_plugin_files_import_no_heavy_library_at_module_level(path):
    assert module_level_imports(path) & HEAVY == set()


def test_the_module_level_check_sees_a_heavy_import_even_inside_a_try(tmp_path):
    bad = tmp_path / "bad_dag.py"
    bad.write_text("import os\ntry:\n    import torch\nexcept ImportError:\n    pass\ndef f():\n    import pandas\n")
    assert module_level_imports(bad) & HEAVY == {"torch"}


def _import_cycles(package: str) -> list[list[str]]:
    """Strongly connected groups of modules (function-level imports included): each is an import circle."""
    import grimp

    graph = grimp.build_graph(package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_lca_takes_part_in_an_import_circle():
    """Issue 17: a package's __init__ and its modules, or two modules of a layer, never import each other."""
    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    assert _import_cycles("lca") == []


def test_the_circle_check_finds_a_circle(tmp_path, monkeypatch):
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("from circled.a import A\n")
    (package / "a.py").write_text("A = 1\n\n\ndef later():\n    from circled import b\n")
    (package / "b.py").write_text("import circled.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert _import_cycles("circled") == [["circled.a", "circled.b"]]
