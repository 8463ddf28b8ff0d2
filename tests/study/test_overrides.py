"""What-if overrides go through the study schema: same values, same errors as the study file itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lca.errors import StudyError
from lca.study.loading import load_study
from lca.study.overrides import apply_overrides, describe, from_params, parse_assignment
from tests.conftest import DIGITS
from tests.study_files import edited_copy


def test_an_assignment_is_a_dotted_path_and_a_yaml_value():
    assert parse_assignment("deployment.country=SE") == ("deployment.country", "SE")
    assert parse_assignment("functional_unit.items=2000000") == ("functional_unit.items", 2_000_000)
    assert parse_assignment("lca.sensitivity_countries=[FR, SE]") == ("lca.sensitivity_countries", ["FR", "SE"])
    with pytest.raises(StudyError, match="expected <dotted.path>=<value>"):
        parse_assignment("deployment.country")


def test_overrides_change_the_study_and_nothing_else():
    study = apply_overrides(DIGITS, {"deployment.country": "SE", "functional_unit.items": 5000})
    original = load_study(DIGITS)

    assert (study.deployment.country, study.functional_unit.items) == ("SWE", 5000)
    assert (
        study.model_copy(update={"deployment": original.deployment, "functional_unit": original.functional_unit})
        == original
    )


def test_the_form_fields_map_to_study_paths_and_a_threshold_switches_the_routing_rule():
    params = {"country": "SE", "pue": None, "items": 10, "routing_threshold": 0.8, "overrides": {"lca.seed": 7}}

    overrides = from_params(params)

    assert overrides == {
        "deployment.country": "SE",
        "functional_unit.items": 10,
        "routing.rule": "low_confidence",
        "routing.confidence_threshold": 0.8,
        "lca.seed": 7,
    }
    study = apply_overrides(DIGITS, overrides)
    assert (study.routing.rule, study.routing.confidence_threshold, study.lca.seed) == ("low_confidence", 0.8, 7)


@pytest.mark.parametrize(
    ("path", "value"),
    [("deployment.country", "XX"), ("functional_unit.items", -3), ("deployment.pue", "no_such_parameter")],
)
def test_a_bad_override_gets_the_same_error_as_the_same_value_in_the_study_file(tmp_path, path, value):
    edited = edited_copy(DIGITS, tmp_path, **{path.replace(".", "__"): value})
    with pytest.raises(StudyError) as from_file:
        load_study(edited)
    with pytest.raises(StudyError) as from_override:
        apply_overrides(DIGITS, {path: value})

    # the same message, naming the study file, the field and the value
    assert str(from_override.value).replace(str(DIGITS), "STUDY") == str(from_file.value).replace(str(edited), "STUDY")
    assert f"field '{path}'" in str(from_override.value) and repr(value) in str(from_override.value)


def _nested(levels: int, inner: object = 1) -> object:
    for _ in range(levels):
        inner = [inner]
    return inner


@pytest.mark.parametrize("levels", [29, 30])  # lca.seed's value sits at depth 3 of 32
def test_an_override_is_refused_for_its_depth_exactly_when_the_same_value_in_the_study_file_is(tmp_path, levels):
    with pytest.raises(StudyError) as from_file:
        load_study(edited_copy(DIGITS, tmp_path, lca__seed=_nested(levels)))
    with pytest.raises(StudyError) as from_override:
        apply_overrides(DIGITS, from_params({"overrides": {"lca.seed": _nested(levels)}}))

    too_deep = "nested more than 32 levels deep"
    assert (too_deep in str(from_file.value)) == (too_deep in str(from_override.value)) == (levels == 30)


def test_a_trigger_form_value_beyond_the_bounds_of_a_study_file_names_the_field_and_a_short_value():
    for value, reason in [(_nested(100_000), "nested more than 32 levels"), ("x" * 2**21, "characters of text")]:
        with pytest.raises(StudyError) as refused:
            apply_overrides(DIGITS, from_params({"overrides": {"lca.seed": value}}))

        message = str(refused.value)
        assert message.startswith(f"{DIGITS}: field 'lca.seed': value ") and reason in message
        assert len(message) < 400  # the value is quoted short, never dumped


def test_a_set_value_is_read_by_the_bounded_yaml_reader():
    with pytest.raises(StudyError) as refused:
        parse_assignment("deployment.country=" + "[" * 100_000 + "]" * 100_000)  # a RecursionError before

    message = str(refused.value)
    assert "field 'deployment.country'" in message and "(200,002 chars)" in message
    assert "nested more than 32 levels deep" in message and len(message) < 400
    with pytest.raises(StudyError, match="more than 1,048,576 bytes"):
        parse_assignment("deployment.country=" + "x" * 2**21)
    assert parse_assignment("lca.seed=" + "[" * 29 + "1" + "]" * 29) == ("lca.seed", _nested(29))


def test_what_was_measured_cannot_be_overridden():
    with pytest.raises(StudyError, match="field 'training.epochs'.*cannot be overridden"):
        apply_overrides(DIGITS, {"training.epochs": 1})


def test_the_report_lines_give_the_new_and_the_study_files_value():
    assert describe(DIGITS, {"deployment.country": "SE", "lca.seed": 1}) == [
        {"path": "deployment.country", "value": "SE", "original": "FR"},
        {"path": "lca.seed", "value": "1", "original": "42"},
    ]


def test_the_cli_refuses_a_bad_override_before_running_anything_with_the_study_files_message(tmp_path):
    env = {**os.environ, "LCA_HOME": str(tmp_path)}
    cli = [sys.executable, "-m", "lca.cli"]

    bad = subprocess.run(
        [*cli, "reassess", str(DIGITS), "--from", "manual__1", "--set", "deployment.country=XX"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    missing = subprocess.run(
        [*cli, "reassess", str(DIGITS), "--from", "manual__1", "--set", "deployment.country=SE"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert bad.returncode == 1
    assert f"{DIGITS}: invalid study" in bad.stderr and "field 'deployment.country': value 'XX'" in bad.stderr
    assert missing.returncode == 1
    assert "reuse_measurements_from: value 'manual__1': no run of study 'digits'" in missing.stderr
    assert not (tmp_path / "var" / "airflow").exists()  # refused before Airflow was even configured
