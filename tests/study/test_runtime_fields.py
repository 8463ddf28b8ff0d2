"""The runtime fields of a study: defaults that change nothing, a bounded sweep, errors naming file, field and value."""

from __future__ import annotations

import pytest

from lca import limits as L
from lca.errors import StudyError
from lca.study.loading import load_study
from tests.conftest import DIGITS, REPO
from tests.study_files import edited_copy

TINY_DIGITS = REPO / "tests" / "data" / "tiny_digits.yaml"


def test_a_study_without_runtime_fields_is_benchmarked_in_eager_only_and_deploys_the_fastest():
    study = load_study(TINY_DIGITS)  # names no runtime (digits.yaml names three)
    assert study.benchmark.runtimes == ["eager"]
    assert study.benchmark.threads_sweep is None
    assert study.benchmark.thread_settings(all_cores=8) == [study.benchmark.threads]  # the one setting it names
    assert study.deployment.runtime == "fastest"


def test_runtimes_threads_and_a_named_deployed_runtime_load(tmp_path):
    path = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__runtimes=["eager", "compiled", "onnxruntime"],
        benchmark__threads_sweep=[1, "all_cores"],
        deployment__runtime="compiled",
    )
    study = load_study(path)
    assert study.benchmark.runtimes == ["eager", "compiled", "onnxruntime"]
    assert study.benchmark.thread_settings(all_cores=2) == [1, 2]
    assert study.benchmark.thread_settings(all_cores=1) == [1]  # 'all cores' of a 1-core host is 1: swept once
    assert study.deployment.runtime == "compiled"


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"benchmark__runtimes": ["eager", "tensorrt"]}, "benchmark.runtimes", "tensorrt"),
        ({"benchmark__runtimes": ["compiled"]}, "benchmark", "must include 'eager'"),
        ({"benchmark__runtimes": ["eager", "compiled", "compiled"]}, "benchmark", "repeated: ['compiled']"),
        ({"benchmark__runtimes": []}, "benchmark.runtimes", "[]"),
        ({"benchmark__threads_sweep": [1, 0]}, "benchmark.threads_sweep", "0"),
        ({"benchmark__threads_sweep": [1, "half"]}, "benchmark.threads_sweep", "half"),
        ({"benchmark__threads_sweep": [1, 2000]}, "benchmark.threads_sweep", "2000"),
        ({"benchmark__threads_sweep": list(range(1, 10))}, "benchmark.threads_sweep", "9"),
        ({"deployment__runtime": "fastest_please"}, "deployment.runtime", "fastest_please"),
    ],
)
def test_a_bad_runtime_field_names_the_file_the_field_and_the_value(tmp_path, changes, field, value):
    path = edited_copy(DIGITS, tmp_path, **changes)
    with pytest.raises(StudyError) as err:
        load_study(path)
    message = str(err.value)
    assert str(path) in message and field in message and value in message


def test_a_deployed_runtime_that_is_not_benchmarked_is_refused(tmp_path):
    path = edited_copy(DIGITS, tmp_path, benchmark__runtimes=["eager", "compiled"], deployment__runtime="onnxruntime")
    with pytest.raises(StudyError, match=r"deployment.runtime 'onnxruntime' is not benchmarked"):
        load_study(path)


def test_the_sweep_of_runtimes_threads_and_batch_sizes_is_bounded(tmp_path):
    path = edited_copy(
        DIGITS,
        tmp_path,
        benchmark__runtimes=["eager", "compiled", "onnxruntime", "onnxruntime_int8"],
        benchmark__threads_sweep=[1, 2, 4, 8],
        benchmark__latency_batch_sizes=[1, 2, 4, 8, 16],  # with batch_size 64: 6 sizes, 4 x 4 x 6 = 96 series
    )
    with pytest.raises(StudyError, match=rf"= 96 latency series per variant, above the limit of {L.MAX_SWEEP_SERIES}"):
        load_study(path)
    within = edited_copy(DIGITS, tmp_path, benchmark__runtimes=["eager", "compiled"], benchmark__threads_sweep=[1, 2])
    assert len(load_study(within).benchmark.runtimes) == 2
