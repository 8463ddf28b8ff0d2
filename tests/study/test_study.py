"""The study schema: a good file loads; a bad one fails before anything runs, naming file, field and value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lca.errors import StudyError
from lca.study.impact_methods import GWP100
from lca.study.loading import load_study
from tests.conftest import DIGITS
from tests.study_files import edited_copy


def write_study(tmp_path: Path, **changes) -> Path:
    return edited_copy(DIGITS, tmp_path, **changes)


def test_the_demo_study_loads_with_its_variants_and_normalised_country():
    study = load_study(DIGITS)
    assert study.name == "digits"
    assert study.variant_names()[:4] == ["baseline", "int8_dynamic", "int8_static", "pruned_50"]
    assert study.task.kind == "multiclass" and study.task.primary == "accuracy"  # implied by the digits
    assert study.deployment.country == "FRA"  # written as FR in the file
    assert study.impact_methods[0] == GWP100 and len(study.impact_methods) == 4  # + EF minerals, fossils, water
    assert study.lca.system_boundary == "devices_and_office" and study.lca.training_runs.total == 40


def test_a_wrong_value_names_the_file_the_field_and_the_value(tmp_path):
    path = write_study(tmp_path, training__epochs=-3)
    with pytest.raises(StudyError) as err:
        load_study(path)
    message = str(err.value)
    assert str(path) in message
    assert "training.epochs" in message
    assert "-3" in message


def test_an_unknown_field_is_refused_rather_than_ignored(tmp_path):
    path = write_study(tmp_path, training__epoch=3)
    with pytest.raises(StudyError, match="training.epoch"):
        load_study(path)


def test_an_unknown_country_code_is_refused(tmp_path):
    path = write_study(tmp_path, deployment__country="XX")
    with pytest.raises(StudyError, match=r"deployment.country.*'XX'"):
        load_study(path)


def test_an_unknown_reference_parameter_is_refused_with_its_field(tmp_path):
    path = write_study(tmp_path, reference__time_per_item="no_such_parameter")
    with pytest.raises(StudyError, match=r"reference.time_per_item.*no_such_parameter"):
        load_study(path)


def test_a_parameter_with_the_wrong_dimension_is_refused(tmp_path):
    # a power where a time is expected
    path = write_study(tmp_path, reference__time_per_item="office_desktop_power")
    with pytest.raises(StudyError, match="reference.time_per_item"):
        load_study(path)


def test_an_inline_parameter_must_carry_a_source(tmp_path):
    inline = {"value": 2.0, "unit": "s", "uncertainty": {"distribution": "none"}}
    path = write_study(tmp_path, reference__time_per_item=inline)
    with pytest.raises(StudyError, match="source"):
        load_study(path)
    inline["source"] = "our own time-and-motion study, 2026"
    path = write_study(tmp_path, reference__time_per_item=inline)
    assert load_study(path).reference.time_per_item.value == 2.0


def test_compression_names_are_unique_and_cannot_shadow_baseline(tmp_path):
    twice = [{"name": "q", "method": "dynamic_quantization"}, {"name": "q", "method": "dynamic_quantization"}]
    with pytest.raises(StudyError, match="repeated"):
        load_study(write_study(tmp_path, compression=twice))
    with pytest.raises(StudyError, match="reserved"):
        load_study(write_study(tmp_path, compression=[{"name": "baseline", "method": "dynamic_quantization"}]))


def test_an_unknown_compression_method_is_refused(tmp_path):
    path = write_study(tmp_path, compression=[{"name": "x", "method": "magic"}])
    with pytest.raises(StudyError, match="compression.0"):
        load_study(path)


def test_broken_yaml_and_missing_files_are_reported_with_the_path(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(StudyError, match="not valid YAML"):
        load_study(broken)
    with pytest.raises(StudyError, match="cannot read"):
        load_study(tmp_path / "missing.yaml")


def test_a_study_without_an_lca_section_gets_the_documented_defaults(tmp_path):
    data = yaml.safe_load(DIGITS.read_text())
    del data["lca"]
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data))
    spec = load_study(path).lca
    assert spec.system_boundary == "devices_only" and spec.training_runs.total == 1
    assert spec.development_hours is None and spec.monte_carlo_iterations == 2000
    assert spec.sensitivity_countries == ["FRA", "SWE", "DEU", "POL", "USA", "CHN", "IND"]


def test_lca_settings_are_checked_before_the_run_naming_the_field(tmp_path):
    with pytest.raises(StudyError, match=r"lca.system_boundary.*'building'"):
        load_study(write_study(tmp_path, lca__system_boundary="building"))
    with pytest.raises(StudyError, match=r"lca.hardware.workers.0.*'abacus'.*known"):
        load_study(write_study(tmp_path, lca__hardware={"workers": ["abacus"]}))
    with pytest.raises(StudyError, match=r"lca.development_hours.*'laptop_power'"):
        load_study(write_study(tmp_path, lca__development_hours="laptop_power"))  # a power, not a time
    with pytest.raises(StudyError, match=r"lca.sensitivity_countries"):
        load_study(write_study(tmp_path, lca__sensitivity_countries=["Atlantis"]))


def test_an_impact_method_the_background_data_cannot_serve_is_refused(tmp_path):
    gwp20 = ["IPCC 2021", "climate change", "global warming potential (GWP20)"]
    with pytest.raises(StudyError, match=r"impact_methods.0.*GWP20.*supported"):
        load_study(write_study(tmp_path, impact_methods=[gwp20]))


def test_a_gpu_study_without_a_gpu_in_its_hardware_is_refused_by_the_real_cli(tmp_path):
    import subprocess
    import sys

    path = write_study(tmp_path, deployment__device="cuda")
    cli = Path(sys.executable).parent / "lca-ml"
    result = subprocess.run([str(cli), "validate", str(path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert str(path) in result.stderr + result.stdout
    assert "deployment.device 'cuda' needs lca.hardware.gpu" in result.stderr + result.stdout
    fixed = write_study(tmp_path, deployment__device="cuda", lca__hardware={"gpu": "gpu_80gb"})
    assert load_study(fixed).deployment.device == "cuda"
    with pytest.raises(StudyError, match="deployment.device.*'gpu'"):
        load_study(write_study(tmp_path, deployment__device="gpu"))
