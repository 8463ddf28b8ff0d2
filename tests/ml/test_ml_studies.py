"""The built-in studies and the bring-your-own example load; mistakes in them are named precisely."""

from __future__ import annotations

import shutil

import pytest
import yaml

from lca.errors import StudyError
from lca.ml.models import build_model
from lca.study.loading import load_study
from tests.conftest import REPO
from tests.study_files import edited_copy

STUDIES = REPO / "include" / "studies"
BYO = REPO / "examples" / "byo"


@pytest.mark.parametrize(
    ("file", "kind", "methods"),
    [
        ("digits.yaml", "multiclass", 6),
        ("fraud_screening.yaml", "binary", 6),
        ("grid_load.yaml", "regression", 6),
        ("stock_forecasting.yaml", "regression", 3),
        ("product_recommendation.yaml", "ranking", 3),
        ("customer_segmentation.yaml", "clustering", 4),
        ("../../examples/byo/byo_cells.yaml", "binary", 4),
    ],
)
def test_each_study_loads_with_its_task_and_a_range_of_compression_methods(file, kind, methods):
    study = load_study(STUDIES / file)
    assert study.task.kind == kind
    assert len({spec.method for spec in study.compression}) >= methods
    assert study.benchmark.all_batch_sizes()[0] == 1 and study.benchmark.all_batch_sizes()[-1] >= 256 or "byo" in file


def test_the_byo_example_resolves_its_paths_and_builds_the_users_model():
    study = load_study(BYO / "byo_cells.yaml")
    assert study.dataset.file == str(BYO / "cells.csv")
    model = build_model(study.model, (30,), 1)
    assert type(model).__name__ == "CellNet"


def byo_copy(tmp_path, **changes):
    shutil.copy(BYO / "cells.csv", tmp_path)
    shutil.copy(BYO / "my_model.py", tmp_path)
    return edited_copy(BYO / "byo_cells.yaml", tmp_path, **changes)


def test_a_missing_data_file_is_reported_when_the_study_loads(tmp_path):
    with pytest.raises(StudyError, match=r"field 'dataset.file': value 'nope.csv': no such file"):
        load_study(byo_copy(tmp_path, dataset__file="nope.csv"))


def test_a_file_dataset_needs_a_task_and_a_target(tmp_path):
    data = yaml.safe_load(byo_copy(tmp_path).read_text())
    del data["task"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(StudyError, match="field 'task'"):
        load_study(tmp_path / "s.yaml")
    with pytest.raises(StudyError, match="needs 'target'"):
        load_study(byo_copy(tmp_path, dataset__target=None))


def test_a_model_factory_that_cannot_be_found_says_where_it_looked_when_the_study_loads(tmp_path):
    # Found by path at validation (issue 9), before anything is imported or trained.
    with pytest.raises(
        StudyError, match=r"field 'model.factory': value 'not_there:build': no module file not_there.py"
    ):
        load_study(byo_copy(tmp_path, model__factory="not_there:build"))


def test_a_model_with_the_wrong_output_size_is_refused(tmp_path):
    study = load_study(byo_copy(tmp_path, model__kwargs={"n_outputs": 1}))  # the user's kwargs win
    with pytest.raises(StudyError, match=r"output shape \[1\] per item, the task needs \[3\]"):
        build_model(study.model, (30,), 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": {"kind": "regression"}}, "does not fit dataset 'synthetic_fraud'"),
        (
            {
                "routing__rule": "low_confidence",
                "routing__confidence_threshold": 0.9,
                "task__kind": "binary",
                "dataset__builtin": "synthetic_grid_load",
            },
            "does not fit",
        ),
        ({"model": {"architecture": "small_cnn"}}, "only dataset 'sklearn_digits'"),
    ],
)
def test_inconsistent_study_sections_are_refused(tmp_path, changes, message):
    data = yaml.safe_load((STUDIES / "fraud_screening.yaml").read_text())
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[leaf] = value
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(StudyError, match=message):
        load_study(tmp_path / "s.yaml")


def test_a_regression_must_say_which_forecasts_a_person_redoes(tmp_path):
    data = yaml.safe_load((STUDIES / "grid_load.yaml").read_text())
    del data["routing"]["error_tolerance"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(StudyError, match="error_tolerance is required for a regression"):
        load_study(tmp_path / "s.yaml")


def test_two_studies_with_a_model_module_of_the_same_name_each_build_their_own(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    study_a = load_study(byo_copy(first))
    path_b = byo_copy(second)
    with (second / "my_model.py").open("a") as fh:
        fh.write(
            "\n\nclass OtherNet(CellNet):\n    pass\n\n\ndef build(input_shape, n_outputs, hidden=32):\n"
            "    return OtherNet(input_shape[0], hidden, n_outputs)\n"
        )
    study_b = load_study(path_b)

    assert type(build_model(study_a.model, (30,), 1)).__name__ == "CellNet"
    assert type(build_model(study_b.model, (30,), 1)).__name__ == "OtherNet"  # not the module imported first
    assert type(build_model(study_a.model, (30,), 1)).__name__ == "CellNet"
