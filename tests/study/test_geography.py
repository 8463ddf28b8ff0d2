"""Every reference figure states its geography; used for another country it is a labelled proxy (issue 19, item 7)."""

from __future__ import annotations

import pytest

from lca.assessment.hardware import hardware_table
from lca.study.geography import GLOBAL, REGIONS, covers
from lca.study.pedigree import Pedigree
from lca.study.reference_data import Parameter, parameter, parameters, resolve
from lca.uncertainty import Uncertainty

# The human-time and device figures the issue asks to recheck, with the geography each was measured in.
HUMAN_AND_DEVICE = {
    "human_seconds_read_and_key_digit": "USA",  # KLM laboratory typists
    "office_desktop_power": "USA",  # ENERGY STAR certified products
    "laptop_power": GLOBAL,  # Boavizta archetype of a product sold worldwide
    "office_electricity_intensity": "GBR",  # CIBSE TM46
    "office_fossil_heat_intensity": "GBR",  # CIBSE TM46 (scaled per country by lca.study.office_climate)
    "office_area_per_workplace": "GBR",  # British Council for Offices
    "office_hours_per_workplace_year": "OECD",  # judgement within the OECD range of hours worked
    "analyst_minutes_manual_transaction_review": "OECD",  # US and European merchant surveys
    "human_error_rate_key_digit": "OECD",  # US and Danish studies
}


def test_every_reference_figure_states_a_known_geography():
    missing = sorted(pid for pid, p in parameters().items() if p.geography is None)
    assert missing == []


@pytest.mark.parametrize(("pid", "geography"), sorted(HUMAN_AND_DEVICE.items()))
def test_the_human_time_and_device_figures_state_where_they_were_measured(pid, geography):
    assert parameter(pid).geography == geography


def test_a_figure_tied_to_a_place_says_how_good_a_proxy_it_is_elsewhere():
    for pid, p in parameters().items():
        if p.geography == GLOBAL:
            continue
        assert p.pedigree is not None, pid
        assert p.pedigree.geographical_elsewhere is not None, pid
        assert p.pedigree.geographical_elsewhere > p.pedigree.geographical, pid


def test_used_for_another_country_a_figure_becomes_a_labelled_proxy_with_a_wider_spread():
    klm = parameter("human_seconds_read_and_key_digit")
    at_home = resolve("human_seconds_read_and_key_digit", "USA")
    in_france = resolve("human_seconds_read_and_key_digit", "FRA")
    assert at_home is klm and at_home.proxy_for is None
    assert in_france.proxy_for == "FRA" and in_france.description.startswith("Proxy: a USA figure used for FRA")
    assert in_france.pedigree.geographical == 3 and in_france.value == klm.value
    assert in_france.total_uncertainty.gsd > at_home.total_uncertainty.gsd


def test_a_regional_figure_is_its_members_own_and_a_proxy_beyond_them():
    review = "analyst_minutes_manual_transaction_review"
    assert resolve(review, "DEU").proxy_for is None  # Germany is in the OECD
    india = resolve(review, "IND")
    assert india.proxy_for == "IND" and india.pedigree.geographical == 4
    assert india.total_uncertainty.gsd > resolve(review, "DEU").total_uncertainty.gsd
    assert covers("EU", "FRA") and not covers("EU", "GBR") and covers(GLOBAL, "CHN")
    assert {"EU", "OECD"} <= set(REGIONS)


def test_the_uk_office_figures_are_the_uks_own_in_the_uk_and_proxies_in_france():
    for pid in ("office_electricity_intensity", "office_area_per_workplace"):
        uk, fr = resolve(pid, "GBR"), resolve(pid, "FRA")
        assert uk.proxy_for is None and uk.pedigree.geographical == 1
        assert fr.proxy_for == "FRA" and fr.pedigree.geographical == 4


def test_global_figures_are_never_proxies():
    assert resolve("laptop_power", "IND").proxy_for is None


def test_an_unknown_geography_is_refused_naming_the_value():
    with pytest.raises(ValueError, match="geography 'Europe' is neither"):
        Parameter(
            value=1.0,
            unit="s",
            source="test",
            geography="Europe",
            uncertainty=Uncertainty(distribution="none"),
        )


def test_a_pedigree_is_never_a_better_proxy_than_at_home():
    with pytest.raises(ValueError, match="never a better proxy"):
        Pedigree(reliability=1, completeness=1, temporal=1, geographical=3, geographical_elsewhere=2, technological=1)


def test_every_device_states_where_its_embodied_figure_applies():
    for device in hardware_table().devices.values():
        assert device.geography == GLOBAL and device.geography_note, device.id
