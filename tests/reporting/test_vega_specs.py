"""The interactive charts' specs: the same titles, units and intervals as the PNGs, safe to write into a page."""

from __future__ import annotations

import json

import numpy as np

from lca.reporting import assessment_specs, vega_specs
from lca.reporting.vega_bundle import spec_json

METHOD = "IPCC 2021 | climate change | global warming potential (GWP100)"


def _row(label: str, score: float, low: float | None, high: float | None, reference: bool = False) -> dict:
    return {
        "label": label,
        "score": score,
        "is_reference": reference,
        "ratio_to_reference": score / 9.8,
        "mc_p2_5": low,
        "mc_p97_5": high,
    }


def _layer(spec: dict, mark: str) -> dict | None:
    return next((layer for layer in spec["layer"] if layer["mark"]["type"] == mark), None)


def test_a_score_chart_shows_each_scenarios_95_percent_interval_as_an_error_bar_with_its_unit_and_title():
    rows = [_row("ML: baseline", 0.012, 0.008, 0.02), _row("Reference", 9.8, 6.0, 15.0, reference=True)]

    spec = vega_specs.scores(METHOD, "kg CO2-Eq", rows, log_scale=True, interval=True)

    bars = _layer(spec, "errorbar")
    assert bars is not None and (bars["encoding"]["x"]["field"], bars["encoding"]["x2"]["field"]) == ("low", "high")
    assert [(v["low"], v["high"]) for v in spec["data"]["values"]] == [(0.008, 0.02), (6.0, 15.0)]
    axis = " ".join(_layer(spec, "bar")["encoding"]["x"]["title"])
    assert "kg CO2-Eq per functional unit" in axis and "log scale" in axis and "95 % interval" in axis
    assert " ".join(spec["title"]["text"]) == METHOD
    assert _layer(spec, "bar")["encoding"]["x"]["scale"]["type"] == "log"


def test_without_a_monte_carlo_a_score_chart_draws_no_error_bar_and_says_none():
    rows = [_row("ML: baseline", 0.012, None, None), _row("Reference", 9.8, None, None, reference=True)]

    spec = vega_specs.scores(METHOD, "kg CO2-Eq", rows, log_scale=False, interval=False)

    assert _layer(spec, "errorbar") is None
    assert "interval" not in " ".join(_layer(spec, "bar")["encoding"]["x"]["title"])
    assert {v["interval"] for v in spec["data"]["values"]} == {"not computed"}


def test_the_uncertainty_chart_carries_the_quantiles_of_the_draws_not_the_draws():
    draws = [np.linspace(1.0, 2.0, 4001), np.linspace(10.0, 20.0, 4001)]

    spec = assessment_specs.uncertainty(("IPCC 2021",), "kg CO2-Eq", ["ML", "Reference"], draws, reference=1)

    values = spec["data"]["values"]
    assert [(v["p2_5"], v["median"], v["p97_5"]) for v in values] == [(1.025, 1.5, 1.975), (10.25, 15.0, 19.75)]
    assert len(json.dumps(spec)) < 5000
    assert "whiskers: 2.5-97.5 %" in " ".join(spec["layer"][0]["encoding"]["x"]["title"])


def test_a_label_cannot_close_the_spec_block_or_open_a_tag_in_the_page():
    label = "</script><script>alert(1)</script> & <b>"

    text = str(spec_json({"data": {"values": [{"scenario": label, "score": 1 / 3}]}}))

    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"]["values"][0] == {"scenario": label, "score": 0.3333}
