"""The console shows one line per task; everything else goes to the log file."""

from __future__ import annotations

import os
import subprocess
import sys

from lca.orchestration.progress import key_figure
from lca.settings import safe_name
from lca.storage import runs_dir
from lca.study.loading import load_study
from tests.conftest import DIGITS
from tests.records_factory import bench, energy


def test_output_of_libraries_goes_to_the_log_and_only_progress_to_the_console(tmp_path):
    log = tmp_path / "run.log"
    code = (
        "import os, sys, logging\n"
        "from pathlib import Path\n"
        "from lca.orchestration.progress import quiet_airflow\n"
        f"with quiet_airflow(Path({str(log)!r})) as console:\n"
        "    print('debug chatter from a library')\n"
        "    sys.stderr.write('[error] something a library logs\\n')\n"
        "    os.write(1, b'written straight to fd 1\\n')\n"
        "    logging.getLogger('x').warning('a warning')\n"
        "    console.write('progress line\\n')\n"
        "print('after')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), timeout=60)

    assert out.returncode == 0, out.stderr
    assert out.stdout == "progress line\nafter\n" and out.stderr == ""
    text = log.read_text()
    for chatter in ("debug chatter", "[error] something", "straight to fd 1", "a warning"):
        assert chatter in text, chatter


def test_the_key_figure_of_a_task_comes_from_the_file_it_wrote():
    study = load_study(DIGITS)
    run_id = "manual__progress"
    folder = runs_dir() / study.name / safe_name(run_id)
    (folder / "energy").mkdir(parents=True, exist_ok=True)
    (folder / "benchmarks").mkdir(parents=True, exist_ok=True)
    energy("training", 0.0123, duration_s=42.0).save(folder / "energy" / "training.json")
    bench("int8_dynamic", 3.2e-9, accuracy=0.9712).save(folder / "benchmarks" / "int8_dynamic.json")

    assert key_figure(study, run_id, "train") == "0.0123 kWh over 42 s"
    assert key_figure(study, run_id, "benchmark", 1) == "int8_dynamic: accuracy 0.9712, 3.2e-09 kWh/item"
    assert key_figure(study, run_id, "settings") == "as in the study file"
    assert key_figure(study, run_id, "lcia") == ""  # not written yet: nothing to say, no error
