"""The report's headline categories (issue 21): sixteen categories are assessed, a few are charted.

A method set such as EF 3.1 has sixteen categories; one chart per category and per
analysis would bury the ones the reader came for. ``report.headline_methods`` names the
charted ones, checked against the study's ``impact_methods``; every category stays in
the tables and CSVs (tests/reporting/test_headline_report.py).
"""

from __future__ import annotations

import pytest

from lca.errors import StudyError
from lca.study.impact_methods import EF_CLIMATE, EF_WATER, GWP100
from lca.study.loading import load_study
from lca.study.report_spec import ReportSpec, headline_methods
from tests.conftest import DIGITS
from tests.study_files import edited_copy

# Any method of the practitioner's project is allowed once the study links to it (checked there by validate).
LINKED = {"electricity": {"database": "ecoinvent-3.10-cutoff", "code": "market-el-FR"}}

# The sixteen EF 3.1 categories (bw2io's bundled names), without the climate and toxicity sub-categories.
EF16 = [
    ("EF v3.1", "acidification", "accumulated exceedance (AE)"),
    EF_CLIMATE,
    ("EF v3.1", "ecotoxicity: freshwater", "comparative toxic unit for ecosystems (CTUe)"),
    ("EF v3.1", "energy resources: non-renewable", "abiotic depletion potential (ADP): fossil fuels"),
    ("EF v3.1", "eutrophication: freshwater", "fraction of nutrients reaching freshwater end compartment (P)"),
    ("EF v3.1", "eutrophication: marine", "fraction of nutrients reaching marine end compartment (N)"),
    ("EF v3.1", "eutrophication: terrestrial", "accumulated exceedance (AE)"),
    ("EF v3.1", "human toxicity: carcinogenic", "comparative toxic unit for human (CTUh)"),
    ("EF v3.1", "human toxicity: non-carcinogenic", "comparative toxic unit for human (CTUh)"),
    ("EF v3.1", "ionising radiation: human health", "human exposure efficiency relative to u235"),
    ("EF v3.1", "land use", "soil quality index"),
    (
        "EF v3.1",
        "material resources: metals/minerals",
        "abiotic depletion potential (ADP): elements (ultimate reserves)",
    ),
    ("EF v3.1", "ozone depletion", "ozone depletion potential (ODP)"),
    ("EF v3.1", "particulate matter formation", "impact on human health"),
    ("EF v3.1", "photochemical oxidant formation: human health", "tropospheric ozone concentration increase"),
    EF_WATER,
]


def test_ef16_is_sixteen_categories_of_bw2ios_bundled_methods():
    from lca.assessment.brightway.bundled import available_methods

    assert len(set(EF16)) == 16 and set(EF16) <= set(available_methods())


def test_by_default_few_methods_are_all_charted_and_many_only_climate_change():
    assert headline_methods(ReportSpec(), [GWP100, EF_WATER]) == [GWP100, EF_WATER]
    assert headline_methods(ReportSpec(), EF16) == [EF_CLIMATE]  # not its fossil or biogenic parts
    no_climate = [m for m in EF16 if m != EF_CLIMATE]
    assert headline_methods(ReportSpec(), no_climate) == no_climate[:3]
    prefixed = [("ecoinvent-3.10", *m) for m in EF16]
    assert headline_methods(ReportSpec(), prefixed) == [("ecoinvent-3.10", *EF_CLIMATE)]


def test_the_study_chooses_its_headline_in_the_order_of_its_methods(tmp_path):
    path = edited_copy(
        DIGITS,
        tmp_path,
        impact_methods=[list(m) for m in EF16],
        lca__background=LINKED,
        report={"headline_methods": [list(EF_WATER), list(EF_CLIMATE)]},
    )
    study = load_study(path)
    assert headline_methods(study.report, study.impact_methods) == [EF_CLIMATE, EF_WATER]


def test_a_headline_the_study_does_not_assess_is_refused_naming_field_value_and_methods(tmp_path):
    path = edited_copy(DIGITS, tmp_path, report={"headline_methods": [list(EF16[0])]})
    with pytest.raises(StudyError) as err:
        load_study(path)
    message = str(err.value)
    assert "report.headline_methods.0" in message and "acidification" in message
    assert " | ".join(GWP100) in message  # the study's own methods, to pick from


def test_more_than_four_headline_categories_are_refused(tmp_path):
    path = edited_copy(
        DIGITS,
        tmp_path,
        impact_methods=[list(m) for m in EF16],
        lca__background=LINKED,
        report={"headline_methods": [list(m) for m in EF16[:5]]},
    )
    with pytest.raises(StudyError, match="report.headline_methods"):
        load_study(path)
