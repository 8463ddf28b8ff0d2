"""A practitioner's project as ``bw2io.import_ecoinvent_release`` lays it out: right non-zero scores or a refusal.

The layout: biosphere ``ecoinvent-3.10-biosphere``, every method prefixed with
``ecoinvent-3.10``. The product once added ``biosphere3`` and unprefixed methods beside
them and scored every linked activity 0 without a word; these tests pin down that it now
adds only its ``lca-ml`` databases, scores with the project's own methods, and refuses
whatever would come out zero.
"""

from __future__ import annotations

import pytest
import yaml

from lca.assessment.brightway.background_cache import deterministic_scores
from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.layout import biosphere_databases, biosphere_of, resolve_methods
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.brightway.linking import linked_activities, resolve_links
from lca.assessment.brightway.project import _bw2data, activate, is_own_database
from lca.assessment.engine import compile_model, deterministic, scenario_totals
from lca.errors import LcaError, ReferenceDataError, StudyError
from lca.records import method_key
from lca.study.life_cycle import device_ids
from tests.assessment.brightway.test_linking import inventory_for, linked_study
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import DIGITS
from tests.practitioner_fixtures import (
    ACIDIFICATION,
    RELEASE_BIOSPHERE,
    RELEASE_DB,
    RELEASE_VERSION,
    cli,
    write_biosphere,
    write_methods,
)

RELEASE_LINKS = {
    "electricity": {"database": RELEASE_DB, "name": "market for electricity, low voltage", "location": "FR"},
    "devices": {
        "server_2s_r740": {"database": RELEASE_DB, "code": "server"},
        "desktop_pro": {"database": RELEASE_DB, "reference_product": "computer, desktop, without screen"},
    },
    "office_heat": {"database": RELEASE_DB, "code": "heat-gas"},
}
PREFIXED = [(RELEASE_VERSION, *m) for m in FOUR_METHODS]


def test_setup_lists_then_adds_only_lca_ml_databases_on_the_projects_own_biosphere(release_project):
    done = release_project["setup"]
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Adding to Brightway project")[1].split("ready")[0]
    assert "'lca-ml grid electricity'" in listed and "'lca-ml background'" in listed
    assert f"booked on flows of {RELEASE_BIOSPHERE!r}" in listed
    assert "never a biosphere, a method or a change to your databases" in listed
    added = set(release_project["databases"]) - {RELEASE_BIOSPHERE, RELEASE_DB}
    assert added == {"lca-ml grid electricity", "lca-ml background"}
    bd = activate(release_project["project"])
    assert all(is_own_database(bd, name) for name in added)
    assert biosphere_databases(bd) == [RELEASE_BIOSPHERE]  # no second biosphere
    assert release_project["methods_after"] == release_project["methods_before"]  # no method added
    assert release_project["after"] == release_project["before"]  # their databases untouched
    co2 = bd.get_node(database="lca-ml grid electricity", code="FRA").biosphere()
    assert {exc.input["database"] for exc in co2} == {RELEASE_BIOSPHERE}


def test_a_study_names_methods_plainly_or_with_the_projects_prefix(release_project):
    bd = activate(release_project["project"])
    assert resolve_methods(bd, FOUR_METHODS) == dict(zip(FOUR_METHODS, PREFIXED))
    assert resolve_methods(bd, PREFIXED) == {m: m for m in PREFIXED}
    with pytest.raises(ReferenceDataError, match=r"GWP20.*not in the project.*never adds methods"):
        resolve_methods(bd, [("IPCC 2021", "climate change", "global warming potential (GWP20)")])


@pytest.mark.parametrize("methods", [FOUR_METHODS, PREFIXED], ids=["plain names", "prefixed names"])
def test_linked_scores_on_the_release_layout_are_brightways_and_never_zero(release_project, methods):
    project = release_project["project"]
    study = linked_study(RELEASE_LINKS).model_copy(update={"impact_methods": methods})
    inv = inventory_for(study, f"release-{len(methods[0])}", project)
    grid = next(a for a in inv.background if a.key == "grid::FRA")
    assert grid.linked and all(score > 0 for score in grid.scores.values())
    assert inv.grid_kg_co2e_per_kwh == pytest.approx(grid.scores[method_key(methods[0])])  # never 0 kg CO2e/kWh
    database = write_inventory(inv, project=project)
    results = compute_scores(inv, database, methods, project=project)
    model = compile_model(inv, methods)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    for s in results.scores:
        assert s.score > 0, (s.scenario, s.method)
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)


def test_a_method_the_bundled_background_cannot_serve_scores_linked_activities_and_refuses_the_rest(release_project):
    project = release_project["project"]
    methods = [FOUR_METHODS[0], (RELEASE_VERSION, *ACIDIFICATION)]
    study = linked_study(RELEASE_LINKS).model_copy(update={"impact_methods": methods})
    inv = inventory_for(study, "release-acid", project)
    linked = {a.key: a for a in inv.background if a.linked}
    assert all(a.scores[method_key(methods[1])] > 0 for a in linked.values())
    with pytest.raises(LcaError, match=r"bundled background.*acidification.*would score it 0. Link it"):
        compile_model(inv, methods)


def test_an_activity_scoring_zero_where_the_bundled_one_does_not_is_refused(release_project):
    project = release_project["project"]
    links = {**RELEASE_LINKS, "office_heat": {"database": RELEASE_DB, "code": "heat-waste"}}
    resolved = resolve_links(linked_study(links), project)
    with pytest.raises(StudyError, match=r"office_heat.*heat-waste.*scores exactly 0.*climate change"):
        linked_activities(resolved, FOUR_METHODS, project)


@pytest.fixture(scope="module")
def damaged_project(release_project) -> str:
    """What the product's old setup left: ``biosphere3`` and unprefixed methods beside ecoinvent's."""
    name = "practitioner-ecoinvent-release-damaged"
    bd = _bw2data()
    if name not in bd.projects:
        bd.projects.set_current(release_project["project"])
        bd.projects.copy_project(name, switch=True)
        write_biosphere(bd, "biosphere3")
        write_methods(bd, FOUR_METHODS, "biosphere3")
    return name


def test_methods_of_another_biosphere_characterise_nothing_and_are_refused_not_zero(damaged_project):
    with pytest.raises(LcaError, match=r"characterisation matrix of .*IPCC 2021.* is all zero.*ecoinvent-3.10"):
        deterministic_scores([(RELEASE_DB, "elec-FR")], FOUR_METHODS[:1], damaged_project)
    bd = activate(damaged_project)
    with pytest.raises(ReferenceDataError, match=r"2 biosphere databases.*delete it"):
        biosphere_of(bd)


def test_validate_reports_every_bad_link_at_once_and_a_silent_zero(release_project, tmp_path):
    study = yaml.safe_load(DIGITS.read_text())
    study["name"] = "digits_bad_links"
    study["lca"] = {
        **study.get("lca", {}),
        "background": {
            "electricity": {"database": RELEASE_DB, "code": "heat-gas"},
            "devices": {"desktop_pro": {"database": RELEASE_DB, "code": "no-such-code"}},
            "office_heat": {"database": "ecoinvent-3.9-cutoff", "code": "x"},
        },
    }
    zero = yaml.safe_load(DIGITS.read_text())
    zero["name"] = "digits_zero_heat"
    zero["lca"] = {**zero.get("lca", {}), "background": {"office_heat": {"database": RELEASE_DB, "code": "heat-waste"}}}
    paths = []
    for data in (study, zero):
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data))
        paths.append(str(path))
    done = cli("validate", *paths, env={"LCA_BRIGHTWAY_PROJECT": release_project["project"]})
    assert done.returncode == 1
    assert "3 problem(s)" in done.stderr
    for field in ("lca.background.electricity", "lca.background.devices.desktop_pro", "lca.background.office_heat"):
        assert field in done.stderr
    assert "scores exactly 0" in done.stderr and "digits_zero_heat" in done.stderr


def test_the_country_sensitivity_uses_the_practitioners_own_markets_and_names_each_rows_source(release_project):
    from lca.assessment.interpretation.sensitivity import country_sensitivity

    project = release_project["project"]
    methods = [FOUR_METHODS[0], (RELEASE_VERSION, *ACIDIFICATION)]
    study = linked_study(RELEASE_LINKS).model_copy(update={"impact_methods": methods})
    # every device the study uses linked, so acidification can be scored wherever the grid can
    codes = {"server_2s_r740": "server", "desktop_pro": "desktop", "laptop_pro": "laptop", "monitor": "monitor"}
    devices = {d: {"database": RELEASE_DB, "code": codes.get(d, "desktop")} for d in device_ids(study.lca).values()}
    study = linked_study({**RELEASE_LINKS, "devices": devices}).model_copy(update={"impact_methods": methods})
    inv = inventory_for(study, "release-countries", project)
    rows = country_sensitivity(inv, methods, {m: "unit" for m in methods}, ["DEU", "POL"], 100, seed=1)
    by_country = {}
    for row in rows:
        by_country.setdefault(row.country, set()).add((tuple(row.method), row.grid_source))
    assert all("your Brightway database" in source for _, source in by_country["FRA"])
    assert all(f"{RELEASE_DB!r}" in source and "(DE)" in source for _, source in by_country["DEU"])
    assert {m for m, _ in by_country["DEU"]} == set(methods)  # their own market: every method
    # Poland: no market of theirs, so the bundled cited factor, in the methods it covers only
    assert {m for m, _ in by_country["POL"]} == {methods[0]}
    assert all(source.startswith("bundled: ") for _, source in by_country["POL"])
