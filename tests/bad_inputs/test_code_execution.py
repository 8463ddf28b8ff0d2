"""A study file cannot run code: ``factory: os:system`` and its cousins are refused by ``lca-ml validate``.

Through the real CLI in a subprocess, with a command that would leave a marker file.
A control shows that the marker would appear if the command ran: a factory the study's
owner put in the model folder (trusted code, see docs/byo.md) runs the same command
when the model is built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

BYO = REPO / "examples" / "byo"
LCA_ML = Path(sys.executable).with_name("lca-ml")


def _study(folder: Path, factory: str, kwargs: dict) -> Path:
    for name in ("cells.csv", "my_model.py"):
        shutil.copy(BYO / name, folder)
    data = yaml.safe_load((BYO / "byo_cells.yaml").read_text())
    data["model"] = {"architecture": "custom", "factory": factory, "path": ".", "kwargs": kwargs}
    path = folder / "byo_cells.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _env(tmp_path: Path, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LCA_HOME": str(tmp_path / "home"),
        "LCA_STUDIES_DIR": str(folder),
        "AIRFLOW_HOME": str(tmp_path / "home" / "airflow"),
        "NO_COLOR": "1",
    }


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        ("os:system", {"command": "touch {marker}"}),
        ("subprocess:run", {"args": ["touch", "{marker}"]}),
        ("builtins:exec", {"source": "open('{marker}', 'w').close()"}),
    ],
)
@pytest.mark.parametrize("command", ["validate", "demo"])
def test_a_factory_naming_the_standard_library_is_refused_and_runs_nothing(tmp_path, factory, kwargs, command):
    folder = tmp_path / "studies"
    folder.mkdir()
    marker = tmp_path / "owned.txt"
    kwargs = yaml.safe_load(yaml.safe_dump(kwargs).replace("{marker}", str(marker)))
    path = _study(folder, factory, kwargs)
    args = ["validate", str(path)] if command == "validate" else ["demo", "byo_cells"]

    out = subprocess.run(
        [str(LCA_ML), *args], capture_output=True, text=True, env=_env(tmp_path, folder), cwd=tmp_path, timeout=120
    )

    assert out.returncode == 1
    assert f"{path}: field 'model.factory': value '{factory}'" in out.stderr
    assert "standard library" in out.stderr
    assert not marker.exists()
    assert not (tmp_path / "home" / "reports").exists()  # demo stopped before Airflow started


def test_control_the_marker_appears_when_trusted_code_in_the_model_folder_runs(tmp_path):
    folder = tmp_path / "studies"
    folder.mkdir()
    marker = tmp_path / "owned.txt"
    (folder / "local_model.py").write_text(
        "import os\nfrom torch import nn\n\n"
        "def build(command, input_shape, n_outputs):\n"
        "    os.system(command)\n"
        "    return nn.Linear(input_shape[0], n_outputs)\n"
    )
    path = _study(folder, "local_model:build", {"command": f"touch {marker}"})
    env = _env(tmp_path, folder)

    checked = subprocess.run([str(LCA_ML), "validate", str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert not marker.exists()  # validation finds the file by path, never imports it

    build = (
        "import sys; from lca.study.loading import load_study; from lca.ml.models import build_model; "
        "build_model(load_study(sys.argv[1]).model, (30,), 1)"
    )
    subprocess.run([sys.executable, "-c", build, str(path)], check=True, env=env, timeout=120)
    assert marker.exists()


SHADOWED = """
import sys
from pathlib import Path
from lca.study.loading import load_study
from lca.ml.models import build_model, load_model, make_importable, save_model

spec = load_study(sys.argv[1]).model
saved = Path(sys.argv[2])
if sys.argv[3] == "train":  # what the train stage does: build the model, save it
    save_model(build_model(spec, (30,), 1), saved)
else:  # what the compress and benchmark stages do, in a fresh process: load the saved model
    make_importable(spec)
    print(type(load_model(saved)).__name__)
assert spec.path not in sys.path, sys.path
import xlsxwriter  # what the export stage imports later (bw2io's Excel export)
import json, tomllib
print(xlsxwriter.__file__)
"""


def test_the_model_folder_leaves_sys_path_so_a_file_named_like_a_package_is_never_imported_for_it(tmp_path):
    """Trusted code is imported from the factory's file only; a saved custom model still loads in a new process."""
    folder = tmp_path / "studies"
    folder.mkdir()
    marker = tmp_path / "owned.txt"
    shadow = f"open({str(marker)!r}, 'w').close()\nraise ImportError('the model folder shadowed a package')\n"
    for name in ("xlsxwriter.py", "json.py", "tomllib.py"):
        (folder / name).write_text(shadow)
    path = _study(folder, "my_model:build", {"hidden": 8})
    env = _env(tmp_path, folder)
    saved = tmp_path / "baseline.pt"

    for step in ("train", "benchmark"):
        out = subprocess.run(
            [sys.executable, "-c", SHADOWED, str(path), str(saved), step],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        assert "site-packages" in out.stdout and str(folder) not in out.stdout
    assert out.stdout.splitlines()[0] == "CellNet"  # unpickled: its class came from the factory's module
    assert not marker.exists()
