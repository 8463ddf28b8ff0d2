"""The console shows one line per task; everything else goes to the log file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC

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


class _TaskInstance:
    """What the task SDK hands a listener: the fields a progress line reads."""

    def __init__(self, task_id: str, run_id: str, map_index: int = -1) -> None:
        self.task_id, self.run_id, self.map_index, self.start_date = task_id, run_id, map_index, None


def _busy(record):
    from datetime import datetime

    from lca.records.energy import MeasurementWindow

    now = datetime.now(UTC)
    window = MeasurementWindow(
        started_at=now,
        ended_at=now,
        lock="exclusive /tmp/lock",
        lock_wait_s=0.0,
        load_1min_start=3.0,
        load_1min_end=3.5,
        background_cpu_cores=1.4,
        background_load_high=True,
    )
    return record.model_copy(update={"window": window})


def test_a_mapped_task_is_named_by_its_variant_and_a_suspect_window_is_flagged_on_its_line_and_in_the_summary():
    import io

    from lca.orchestration.progress import ProgressListener, measurement_warnings

    study = load_study(DIGITS)
    run_id = "manual__progress_warnings"
    folder = runs_dir() / study.name / safe_name(run_id)
    (folder / "benchmarks").mkdir(parents=True, exist_ok=True)
    (folder / "energy").mkdir(parents=True, exist_ok=True)
    suspect = bench("int8_dynamic", 3.2e-9)
    suspect.model_copy(update={"energy": _busy(suspect.energy)}).save(folder / "benchmarks" / "int8_dynamic.json")
    energy("training", 0.01).save(folder / "energy" / "training.json")
    console = io.StringIO()
    listener = ProgressListener(study, console)

    listener._line(_TaskInstance("benchmark", run_id, 1), "ok")
    listener._line(_TaskInstance("train", run_id), "ok")

    first, second = console.getvalue().splitlines()
    assert "benchmark[int8_dynamic]" in first and "WARNING window suspect: other processes kept 1.40 CPU cores" in first
    assert "WARNING" not in second
    assert measurement_warnings(study.name, run_id) == [
        "benchmark int8_dynamic: window suspect: other processes kept 1.40 CPU cores busy"
    ]


def test_a_reassessment_says_once_how_many_measurements_it_reused_and_from_which_run():
    import io

    from lca.orchestration.progress import ProgressListener

    study = load_study(DIGITS)
    source, run_id = "manual__measured_once", "manual__what_if_once"
    (runs_dir() / study.name / source / "benchmarks").mkdir(parents=True, exist_ok=True)
    folder = runs_dir() / study.name / safe_name(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(f'{{"overrides": {{}}, "reuse_measurements_from": "{source}"}}')
    console = io.StringIO()
    listener = ProgressListener(study, console)
    compressed = len(study.variant_names()) - 1

    listener._line(_TaskInstance("settings", run_id), "ok")
    for task_id in ("prepare_data", "check_data", "train", "measure_idle"):
        listener._line(_TaskInstance(task_id, run_id), "ok")
    for index in range(compressed):
        listener._line(_TaskInstance("compress", run_id, index), "ok")
    listener._line(_TaskInstance("collect_variants", run_id), "ok")
    for index in range(compressed + 1):
        listener._line(_TaskInstance("benchmark", run_id, index), "ok")
    listener._line(_TaskInstance("score_variants", run_id), "ok")

    lines = console.getvalue().splitlines()
    reused = [line for line in lines if "reused" in line]
    measurements = 3 + 2 * compressed + 1  # data preparation, training, idle; compressions; benchmarks
    assert reused == [next(line for line in lines if f"reused {measurements} measurements from {source}" in line)]
    assert [line.split()[4] for line in lines] == ["settings", "collect_variants", "(measurements)", "score_variants"]
