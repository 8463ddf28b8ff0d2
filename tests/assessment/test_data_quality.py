"""Data quality: pedigree scores widen a figure's spread as ecoinvent v3 does, and the DQI table names judgements."""

from __future__ import annotations

import math

import pytest

from lca.assessment.inventory.dqi import dqi_rows, judgement_inputs
from lca.assessment.inventory.office import heating_climate_factor
from lca.study.loading import load_study
from lca.study.pedigree import Pedigree, combined
from lca.study.reference_data import parameter
from lca.uncertainty import Uncertainty
from tests.conftest import DIGITS


def test_basic_and_additional_log_variances_add_as_in_ecoinvent_v3():
    basic = Uncertainty(distribution="lognormal", gsd=1.5, basis="b")
    scores = Pedigree(reliability=2, completeness=3, temporal=5, geographical=3, technological=3)
    # additional variance: 0.0006 + 0.0006 + 0.04 + 0.0001 + 0.008 = 0.0493
    total = combined(basic, scores)
    assert total.gsd == pytest.approx(math.exp(math.sqrt(math.log(1.5) ** 2 + 0.0493)), rel=1e-12)
    bounded = Uncertainty(distribution="triangular", minimum=1, maximum=3, basis="b")
    assert combined(bounded, scores) == bounded  # explicit bounds are kept


def test_the_klm_digit_takes_one_mental_operator_per_five_digit_field():
    p = parameter("human_seconds_read_and_key_digit")
    assert p.value == pytest.approx((1.35 + 5 * 0.28) / 5)  # 0.55 s, not 1.35 + 0.28 = 1.6 s
    assert p.uncertainty_in("s").gsd == pytest.approx(p.total_uncertainty.gsd)
    assert p.total_uncertainty.gsd > p.uncertainty.gsd  # the pedigree widens what the Monte Carlo draws


def test_the_dqi_table_covers_the_studys_figures_and_names_the_judgements():
    study = load_study(DIGITS)
    rows = {r.label: r for r in dqi_rows(study)}
    assert rows["reference.time_per_item"].temporal == 5 and rows["reference.time_per_item"].applied
    assert rows["lca.development_hours"].judgement
    assert "lca.development_hours" in judgement_inputs(study)
    assert "reference.time_per_item" not in judgement_inputs(study)


def test_office_heating_follows_the_climate_where_degree_days_are_cited():
    sweden, why = heating_climate_factor("SWE")
    assert sweden == pytest.approx(5325 / 3126) and "Eurostat" in why
    assert heating_climate_factor("IND")[0] < 0.1
    france, why = heating_climate_factor("FRA")
    assert france == pytest.approx(4799.0 / 5764.8) and "GCAM" in why  # no longer the UK figure as it is


def test_the_dqi_and_assumptions_tables_name_the_figures_used_as_proxies_for_the_studys_country():
    from lca.reporting.assumptions_section import cited_parameters

    study = load_study(DIGITS)  # France, devices and office
    rows = {r.label: r for r in dqi_rows(study)}
    area = rows["lca.office.area_per_workplace"]
    assert area.note.startswith("Proxy: a GBR figure used for FRA") and area.geographical == 4
    assert rows["reference.time_per_item"].note.startswith("Proxy: a USA figure used for FRA")
    cited = dict(cited_parameters(study))
    assert cited["Office floor area per workplace"].proxy_for == "FRA"
    climate = cited["Office heating relative to the UK benchmark (climate)"]
    assert climate.geography == "FRA" and climate.value == pytest.approx(4799.0 / 5764.8)
