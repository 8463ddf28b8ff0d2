"""Office heating per country (issue 19): every offered country has its own cited figure or a labelled proxy."""

from __future__ import annotations

import pytest
import yaml

from lca.assessment.inventory.office import heating_climate_factor
from lca.errors import ReferenceDataError, StudyError
from lca.study.loading import load_study
from lca.study.office_climate import heating_climate, heating_countries
from lca.study.reference_data import grid_table
from tests.conftest import DIGITS


def test_every_country_the_product_offers_has_a_heating_entry():
    offered = set(grid_table().factors)  # the trigger form's country list
    assert offered <= set(heating_countries())


def test_each_entry_is_its_own_cited_figure_or_an_explicitly_labelled_proxy_with_a_wider_spread():
    own_gsd = heating_climate("FRA").total_uncertainty.gsd
    for iso3 in heating_countries():
        figure = heating_climate(iso3)
        assert figure.source and figure.geography
        if figure.proxy_for is not None:
            assert figure.proxy_for == iso3 and figure.geography != iso3
            assert "proxy" in figure.description.lower() and "Proxy" in figure.source
            assert figure.pedigree is not None and figure.pedigree.geographical == 5
            assert figure.total_uncertainty.gsd > own_gsd
        else:
            assert figure.geography == iso3


def test_no_country_silently_shares_the_uk_figure():
    at_uk = [c for c in heating_countries() if heating_climate(c).value == pytest.approx(1.0, abs=1e-9)]
    assert at_uk == ["GBR"]


@pytest.mark.parametrize(
    ("iso3", "hdd", "benchmark"),
    [
        ("FRA", 4799.0, 5764.8),
        ("DEU", 5945.3, 5764.8),
        ("NLD", 4906.6, 5764.8),
        ("POL", 6654.9, 5764.8),
        ("USA", 4425.1, 5764.8),
        ("CHN", 4292.5, 5764.8),
        ("FIN", 5665, 3126),
    ],
)
def test_the_countries_of_the_studies_and_the_issue_have_their_own_degree_days(iso3, hdd, benchmark):
    figure = heating_climate(iso3)
    assert figure.value == pytest.approx(hdd / benchmark) and figure.proxy_for is None


def test_the_benchmarks_own_country_is_exact_and_a_proxy_names_what_it_stands_in_for():
    uk = heating_climate("GBR")
    assert uk.value == 1.0 and uk.total_uncertainty.distribution == "none"
    denmark = heating_climate("DNK")
    assert denmark.value == pytest.approx(heating_climate("DEU").value) and denmark.proxy_for == "DNK"
    assert "DEU" in heating_climate_factor("DNK")[1]


def test_a_country_without_an_entry_is_an_error_not_the_uk_figure(tmp_path):
    import lca.study.office_climate as oc

    src = yaml.safe_load((oc.reference_data_dir() / oc.CLIMATE_FILE).read_text(encoding="utf-8"))
    del src["countries"]["FRA"]
    (tmp_path / oc.CLIMATE_FILE).write_text(yaml.safe_dump(src, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="no office heating entry for country 'FRA'"):
        heating_climate("FRA", tmp_path)


def test_a_proxy_without_a_note_is_refused_naming_the_file_and_field(tmp_path):
    import lca.study.office_climate as oc

    src = yaml.safe_load((oc.reference_data_dir() / oc.CLIMATE_FILE).read_text(encoding="utf-8"))
    src["countries"]["ABW"] = {"proxy_of": "JAM"}
    (tmp_path / oc.CLIMATE_FILE).write_text(yaml.safe_dump(src, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"office_heating_climate.yaml: field 'countries.ABW'"):
        heating_climate("ABW", tmp_path)


def test_a_study_with_the_office_boundary_in_a_country_without_heating_data_fails_at_load(monkeypatch):
    import lca.study.reference_data_checks as checks

    def missing(iso3):
        raise ReferenceDataError(f"no office heating entry for country {iso3!r}")

    study = load_study(DIGITS)
    assert study.lca.system_boundary == "devices_and_office"
    monkeypatch.setattr(checks, "heating_climate", missing)
    with pytest.raises(StudyError, match="field 'deployment.country': value 'FRA'"):
        checks.check_references(study, DIGITS)
