"""benchmarks/neighbour_demo.py's verdict on constructed figures: each run within the other's stated interval."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.records_factory import bench

DEMO = Path(__file__).resolve().parents[2] / "benchmarks" / "neighbour_demo.py"


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("neighbour_demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass resolves its annotations through sys.modules
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def figure(demo, mj: float, low: float, high: float, runtime: str = "onnxruntime", bound: bool = False):
    return demo.Figure(mj, low, high, bound, None, "cpu_power_model_family", runtime, 3938.0)


def test_a_contended_run_whose_widened_interval_holds_the_quiet_figure_passes(demo):
    quiet = figure(demo, 0.026, 0.026, 0.027)
    # measured beside the neighbour at 0.030 [0.029, 0.031], the low end widened by x1.5 by the contention term
    busy = figure(demo, 0.030, 0.029 / 1.5, 0.031)
    said = demo.verdict(quiet, busy)
    assert said == demo.QUIET_INSIDE
    passed, text = demo.tally([said])
    assert passed and "1 more have one figure inside the other's interval (1 of them the quiet figure" in text


def test_the_same_run_without_the_widening_is_outside_and_fails(demo):
    said = demo.verdict(figure(demo, 0.026, 0.026, 0.027), figure(demo, 0.030, 0.029, 0.031))
    assert said == demo.OUTSIDE
    passed, text = demo.tally([said, demo.BOTH_INSIDE])
    assert not passed and text.startswith("**FAIL**") and "1 lie outside" in text


def test_each_inside_the_other_overlap_only_and_the_like_for_like_and_bound_rules(demo):
    assert demo.verdict(figure(demo, 1.0, 0.9, 1.1), figure(demo, 1.05, 0.95, 1.2)) == demo.BOTH_INSIDE
    assert demo.verdict(figure(demo, 1.0, 0.9, 1.1), figure(demo, 1.08, 1.05, 1.2)) == demo.BUSY_INSIDE
    assert demo.verdict(figure(demo, 1.0, 0.99, 1.01), figure(demo, 1.1, 1.05, 1.2)) == demo.OUTSIDE
    assert demo.verdict(figure(demo, 1.0, 0.9, 1.06), figure(demo, 1.1, 1.05, 1.2)) == demo.OVERLAP
    assert demo.verdict(figure(demo, 1.0, 0.9, 1.1), figure(demo, 1.0, 0.9, 1.1, runtime="eager")).startswith(
        "not like for like"
    )
    assert demo.verdict(figure(demo, 1.0, 0.9, 1.1, bound=True), figure(demo, 1.0, 0.9, 1.1)).startswith("bound")
    passed, text = demo.tally([demo.OVERLAP, "not like for like: deployed in eager / onnxruntime"])
    assert not passed and "1 more have only overlapping intervals" in text, "overlap is counted apart"
    assert not demo.tally([])[0], "nothing compared is no pass"


def test_a_figure_reads_the_stated_interval_and_the_contention_flag_of_a_record(demo):
    b = bench("baseline", 1e-11).model_copy(
        update={
            "energy_interval_kwh_per_item": (0.9e-11 / 1.5, 1.1e-11),
            "energy_contended": True,
            "energy_foreign_cores": 1.02,
            "energy_contention_divisor": 1.5,
        }
    )
    f = demo.Figure.of(b)
    assert f.low == pytest.approx(0.9e-11 / 1.5 * demo.MJ_PER_KWH) and f.contended and f.divisor == 1.5
    assert "contention" in f.cell() and f.flag() == "**contended** (1.02)"
    old = demo.Figure.of(bench("baseline", 1e-11))  # a record written before the term: no interval, quiet
    assert not old.contended and old.divisor == 1.0 and old.low == old.mj
