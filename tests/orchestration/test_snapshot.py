"""A run reads the study it started with: the first task stores it, every later task reads that snapshot."""

from __future__ import annotations

import shutil

import yaml

from lca.orchestration import stages
from lca.orchestration.run import Run
from lca.records import EnergyRecord
from tests.conftest import REPO

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


def test_editing_the_study_file_mid_run_changes_nothing_in_the_run(tmp_path):
    study_path = tmp_path / "tiny_digits.yaml"
    shutil.copy(TINY, study_path)
    written = study_path.read_bytes()
    run = Run(study_path, "tiny_digits", "manual__snapshot")

    stages.settings.write_settings(run, {"country": "PL"})  # the run's first task, with an override
    edited = yaml.safe_load(written)
    edited["benchmark"]["idle_window_seconds"] = 30.0  # would make the idle window 20 times longer
    edited["deployment"]["country"] = "FR"
    edited["functional_unit"]["items"] = 7
    study_path.write_text(yaml.safe_dump(edited))
    idle_key = stages.benchmarks.measure_idle(run)  # a later task, after the edit
    study_path.write_text("name: [not a study any more\n")  # even a broken file does not reach the run
    later = Run(study_path, "tiny_digits", "manual__snapshot")  # a later task builds its own Run

    idle = EnergyRecord.load(run.store.path(idle_key))
    assert idle.duration_s < 10 and idle.sampling_interval_s == 0.15  # the study's 1.5 s window, as it was
    assert later.study.deployment.country == "POL"  # the run's own override
    assert later.study.functional_unit.items == 10000  # the file as it was when the run started
    assert later.study.benchmark.idle_window_seconds == 1.5
    assert run.store.path(run.layout.study_as_written).read_bytes() == written
    snapshot = yaml.safe_load(run.store.read_text(run.layout.study))
    assert snapshot["deployment"]["country"] == "PL" and snapshot["functional_unit"]["items"] == 10000


def test_a_form_left_at_the_study_values_is_a_plain_run_and_a_changed_field_an_override(tmp_path):
    from lca.orchestration.run_settings import read_settings

    study_path = tmp_path / "tiny_digits.yaml"
    shutil.copy(TINY, study_path)
    form = {"country": "SWE", "pue": "pue_hyperscale_2023", "items": 10000, "monte_carlo_iterations": 200}

    plain = Run(study_path, "tiny_digits", "manual__form_as_is")
    stages.settings.write_settings(plain, {**form, "overrides": {}})
    changed = Run(study_path, "tiny_digits", "manual__form_changed")
    stages.settings.write_settings(changed, {**form, "items": 20000})

    assert read_settings(plain.store, plain.layout).overrides == {}  # "SWE" is the file's "SE"
    assert read_settings(changed.store, changed.layout).overrides == {"functional_unit.items": 20000}
