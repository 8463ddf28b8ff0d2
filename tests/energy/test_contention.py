"""The contention term: a window beside foreign load keeps its figure and widens its interval both ways, as cited."""

from __future__ import annotations

import pytest
import yaml

from lca.energy import contention
from lca.energy.cpu_time import MachineCpu
from lca.energy.host import HostSigns
from lca.energy.sampler import Reading
from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir


def _cited_change() -> float:
    """Read straight from the data file, so that the test follows the file and not the code's own reading."""
    return yaml.safe_load((reference_data_dir() / contention.CONTENTION_FILE).read_text())["change"]["value"]


def test_the_data_file_cites_a_two_sided_bound_with_its_sources_and_uncertainty():
    raw = yaml.safe_load((reference_data_dir() / contention.CONTENTION_FILE).read_text())
    change = raw["change"]
    assert "benchmarks/neighbour_results.md" in change["source"] and "2026-12-06" in change["source"]
    assert "2026-12-07" in change["source"] and "idle" in change["source"], "the measurement that found a fall"
    assert "benchmarks/energy_results.md" in change["source"]
    assert "ISCA 2011" in change["source"], "a published co-location study beside our own measurement"
    assert raw["version"] >= 2, "version 1 was one-sided"
    spread = change["uncertainty"]
    assert spread["minimum"] == 0.0 and spread["maximum"] == change["value"], "from no change up to the bound"
    term = contention.load_term()
    assert term.change == change["value"] and "cpu_power_model_family" in term.applies_to
    assert "nvml" not in term.applies_to


def test_a_window_beside_one_fully_busy_foreign_core_on_two_cpus_widens_by_the_cited_change():
    term = contention.load_term()
    assert term.factor("cpu_power_model_family", 1.0, 2) == pytest.approx(1 + _cited_change())
    assert term.factor("rapl_marginal", 1.0, 2) == pytest.approx(1 + _cited_change())
    # scaled by the share of the other cores kept busy, and never beyond a share of 1
    assert term.factor("cpu_power_model", 1.0, 9) == pytest.approx(1 + _cited_change() / 8)
    assert term.factor("cpu_power_model", 3.0, 2) == pytest.approx(1 + _cited_change())


def test_a_quiet_window_and_a_method_that_is_not_cpu_time_are_not_widened():
    term = contention.load_term()
    assert term.factor("cpu_power_model_family", 0.0, 2) == 1.0
    assert term.factor("cpu_power_model_family", None, 2) == 1.0
    assert term.factor("nvml", 1.0, 2) == 1.0
    assert term.factor("codecarbon_estimate", 1.0, 2) == 1.0
    assert not contention.contended(0.1) and contention.contended(1.0) and not contention.contended(None)


def test_the_lca_draws_a_contended_amount_either_side_of_the_measured_figure_most_likely_at_it():
    u = contention.spread(3.0, 1.5, "'inference:baseline'")
    assert u.distribution == "triangular" and u.minimum == pytest.approx(2.0) and u.maximum == pytest.approx(4.5)
    assert u.stats_arrays(3.0)["loc"] == 3.0, "the mode is the measured amount"
    assert contention.spread(3.0, 1.0, "x").distribution == "none", "a quiet amount keeps its certainty"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda raw: raw["change"].update(value=-0.5), "change.value"),
        (lambda raw: raw["change"].update(unit="W"), "change.unit"),
        (lambda raw: raw.update(applies_to=[]), "applies_to"),
    ],
)
def test_a_bad_data_file_names_the_file_the_field_and_the_value(tmp_path, edit, field):
    raw = yaml.safe_load((reference_data_dir() / contention.CONTENTION_FILE).read_text())
    edit(raw)
    path = tmp_path / contention.CONTENTION_FILE
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReferenceDataError, match=rf"{path.name}: field '{field}': value "):
        contention.load_term(path)


class _Sampler:
    """The window's readings: the task keeps one core busy, a neighbour another, for 2 s (no counters)."""

    def __init__(self, *args, **kwargs):
        self.rapl_error = ""

    def start(self):
        pass

    def stop(self):
        return [Reading(t, 1.0 * t, int(0.2e9), MachineCpu(2.0 * t, 2.0 * t, 0.0), None, None, None) for t in (0, 1, 2)]


def _tracked(monkeypatch, logical_cpus=2):
    from lca.ml import energy as ml_energy

    monkeypatch.setattr(ml_energy, "WindowSampler", _Sampler)
    monkeypatch.setattr(ml_energy, "_codecarbon", lambda *a: None)
    monkeypatch.setattr(ml_energy, "_rapl_zones", lambda: ([], "no zones (test)"))
    monkeypatch.setattr(ml_energy.host, "this_host", lambda: HostSigns("AMD EPYC", logical_cpus, True, "test"))
    with ml_energy.track_energy("inference:v", "FRA") as measurement:
        measurement.items = 100
    return measurement.record


def test_a_tracked_window_with_one_foreign_core_is_flagged_contended_and_carries_the_cited_divisor(monkeypatch):
    record = _tracked(monkeypatch)
    assert record.attribution.foreign_cpu_s == pytest.approx(2.0)  # one core for 2 s
    assert record.contended and record.contention_divisor == pytest.approx(1 + _cited_change())
    assert record.energy_kwh > 0, "the figure itself is the measured one"
    assert "contended: 1.00 foreign cores" in record.method_detail and "cpu_contention.yaml v2" in record.method_detail
