"""No stage quietly left out: validate warns, and the sensitivity shows each at a cited typical value."""

from __future__ import annotations

import pytest

from lca.assessment.excluded_sensitivity import excluded_stage_sensitivity
from lca.assessment.inventory import build_inventory
from lca.study.excluded_stages import excluded_stages
from lca.study.loading import load_study
from tests.conftest import DIGITS, REPO
from tests.practitioner_fixtures import cli
from tests.records_factory import bench, energy

TINY = REPO / "tests" / "data" / "tiny_digits.yaml"


def records(study):
    names = study.variant_names()
    return {
        "training": energy("training", 0.05, duration_s=600.0),
        "compression": {n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        "benchmarks": {n: bench(n, 2e-7 / (i + 1)) for i, n in enumerate(names)},
        "data_preparation": None,
    }


def test_lca_ml_validate_warns_about_every_stage_left_out_and_still_accepts_the_study():
    done = cli("validate", str(TINY), str(DIGITS))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warn")]
    assert len(warnings) == 4 and all(str(TINY) in line for line in warnings)
    for field in (
        "lca.development_hours",
        "lca.training_runs.hyperparameter_search",
        "lca.training_runs.retrainings_per_period",
        "lca.system_boundary",
    ):
        assert any(field in line for line in warnings), field
    assert str(DIGITS) not in done.stderr  # the digits study declares every stage


def test_each_left_out_stage_at_its_typical_value_moves_the_ml_scenarios_and_says_if_the_verdict_flips():
    study = load_study(TINY)
    inputs = records(study)
    inv = build_inventory(study, "excluded-1", **inputs)
    rows = excluded_stage_sensitivity(study, inv, study.impact_methods, {}, **inputs)
    stages = {r.stage for r in rows}
    assert stages == {s.stage for s in excluded_stages(study)}
    for r in rows:
        assert r.flips == ((r.ratio_without < 1) != (r.ratio_with < 1))
        if r.stage in ("development", "hyper-parameter search", "retraining"):
            assert r.ratio_with > r.ratio_without  # more ML work, same reference
            assert r.ratio_low <= r.ratio_with <= r.ratio_high
    search = [r for r in rows if r.stage == "hyper-parameter search" and r.scenario == "baseline"][0]
    training_share = (search.score_with - search.score_without) / search.score_without
    assert training_share > 0
    assert search.typical.startswith("20 runs")


def test_a_study_that_declares_every_stage_has_none_left_out():
    assert excluded_stages(load_study(DIGITS)) == []


@pytest.mark.parametrize("field", ["development_hours", "training_runs"])
def test_declaring_a_stage_removes_its_warning(tmp_path, field):
    from tests.study_files import edited_copy

    value = "development_hours_small_model" if field == "development_hours" else {"hyperparameter_search": 1}
    study = load_study(edited_copy(TINY, tmp_path, **{f"lca__{field}": value}))
    left = {s.field for s in excluded_stages(study)}
    assert ("lca.development_hours" in left) == (field != "development_hours")
    assert ("lca.training_runs.hyperparameter_search" in left) == (field != "training_runs")
