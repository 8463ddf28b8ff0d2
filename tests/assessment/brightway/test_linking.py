"""A study linked to the practitioner's own Brightway background: set-up, validation, scores, draws."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from lca.assessment.brightway.background_cache import background_draws, cache_dir, load_draws
from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores
from lca.assessment.brightway.linking import linked_background, resolve_links
from lca.assessment.brightway.montecarlo import paired_draws
from lca.assessment.engine import compile_model, deterministic, evaluate, sample, scenario_totals
from lca.assessment.inventory import build_inventory
from lca.errors import StudyError
from lca.study.life_cycle import LcaSpec
from lca.study.loading import load_study
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import DIGITS
from tests.practitioner_fixtures import LINKS, SYNTHETIC_DB, cli
from tests.records_factory import bench, energy

# The digits study runs in France.
FR_LINKS = {**LINKS, "electricity": {**LINKS["electricity"], "location": "FR"}}


def linked_study(project_links=FR_LINKS, **lca):
    study = load_study(DIGITS)
    spec = LcaSpec(
        system_boundary="devices_and_office",
        development_hours="development_hours_small_model",
        background=project_links,
        monte_carlo_iterations=400,
        sensitivity_iterations=100,
        seed=5,
        **lca,
    )
    return study.model_copy(update={"lca": spec, "impact_methods": FOUR_METHODS})


def inventory_for(study, run_id, project):
    links, draws = linked_background(study, project)
    names = study.variant_names()
    return build_inventory(
        study,
        run_id,
        training=energy("training", 0.02, duration_s=40.0),
        compression={n: energy(f"compression:{n}", 0.001 * (i + 1)) for i, n in enumerate(names[1:])},
        benchmarks={n: bench(n, 2e-9 / (i + 1), accuracy=0.99 - 0.01 * i) for i, n in enumerate(names)},
        links=links,
        background_draws=draws,
    )


def test_setup_points_the_product_at_the_practitioners_project_and_never_writes_into_their_databases(
    practitioner_project,
):
    done = practitioner_project["setup"]
    assert done.returncode == 0, done.stderr
    assert practitioner_project["after"] == practitioner_project["before"]  # biosphere3 and theirs untouched
    assert {"lca-ml grid electricity", "lca-ml background", SYNTHETIC_DB} <= set(practitioner_project["databases"])
    recorded = practitioner_project["home"] / "var" / "brightway_project"
    assert recorded.read_text().strip() == practitioner_project["project"]


def test_setup_refuses_a_project_that_does_not_exist(tmp_path):
    done = cli("setup-brightway", "--brightway-project", "no-such-project", home=tmp_path)
    assert done.returncode == 1
    assert "no-such-project" in done.stderr and "does not exist" in done.stderr
    assert not (tmp_path / "var" / "brightway_project").exists()


def test_links_resolve_by_code_and_by_search_with_the_units_each_field_needs(practitioner_project):
    links = {link.field: link for link in resolve_links(linked_study(), practitioner_project["project"])}
    assert links["lca.background.electricity"].code == "elec-FR"
    assert links["lca.background.devices.desktop_pro"].code == "desktop"
    assert links["lca.background.office_heat"].unit == "megajoule"
    assert links["lca.background.office_heat"].unit_factor == pytest.approx(3.6)


@pytest.mark.parametrize(
    ("field", "link", "message"),
    [
        ("electricity", {"database": "ecoinvent-3.10-cutoff", "code": "x"}, "database 'ecoinvent-3.10-cutoff' is not"),
        (
            "electricity",
            {"database": SYNTHETIC_DB, "name": "market for electricity, low voltage"},
            "3 activities match",
        ),
        ("electricity", {"database": SYNTHETIC_DB, "code": "desktop"}, "is in 'unit'"),
        (
            "electricity",
            {"database": SYNTHETIC_DB, "name": "market for electricity, low voltag", "location": "SE"},
            "close names: ['market for electricity, low voltage'",
        ),
        ("devices", {"gpu_a100": {"database": SYNTHETIC_DB, "code": "server"}}, "not one this study uses"),
        ("office_heat", {"database": SYNTHETIC_DB, "code": "nope"}, "no activity with code 'nope'"),
    ],
)
def test_a_bad_link_fails_validation_naming_the_field_and_the_value(practitioner_project, field, link, message):
    study = linked_study({field: link})
    with pytest.raises(StudyError) as err:
        resolve_links(study, practitioner_project["project"])
    assert f"lca.background.{field}" in str(err.value) and message in str(err.value)


def test_lca_ml_validate_checks_the_links_against_the_project(practitioner_project, tmp_path):
    good = yaml.safe_load(DIGITS.read_text())
    good.setdefault("lca", {})["background"] = LINKS
    bad = yaml.safe_load(DIGITS.read_text())
    bad.setdefault("lca", {})["background"] = {"electricity": {"database": SYNTHETIC_DB, "code": "heat-gas"}}
    missing_method = yaml.safe_load(DIGITS.read_text())
    missing_method["impact_methods"] = [["EF v3.1", "climate change", "global warming potential (GWP100)"]]
    missing_method.setdefault("lca", {})["background"] = LINKS
    paths = []
    for name, data in (("good", good), ("bad", bad), ("method", missing_method)):
        path = tmp_path / f"{name}.yaml"
        data["name"] = f"digits_{name}"  # study names must be unique among the files validated together
        path.write_text(yaml.safe_dump(data))
        paths.append(str(path))
    done = cli("validate", *paths, env={"LCA_BRIGHTWAY_PROJECT": practitioner_project["project"]})
    assert done.returncode == 1
    assert "ok   " in done.stdout and "linked to lca.background.electricity" in done.stdout
    assert "bad.yaml" in done.stderr and "lca.background.electricity" in done.stderr and "megajoule" in done.stderr
    assert "method.yaml" in done.stderr and "field 'impact_methods'" in done.stderr


def test_deterministic_scores_of_a_linked_study_equal_brightways_to_1e6(practitioner_project):
    project = practitioner_project["project"]
    inv = inventory_for(linked_study(), "linked-1", project)
    linked = [a for a in inv.background if a.linked]
    assert {a.key for a in linked if "country sensitivity" not in a.linked} == {
        "grid::FRA",
        "device::server_2s_r740",
        "device::desktop_pro",
        "heat::natural_gas",
    }
    # their own markets of the sensitivity countries they have (SE, DE), for the country sensitivity only
    assert {a.key for a in linked if "country sensitivity" in a.linked} == {"grid::SWE", "grid::DEU"}
    assert any(a.key == "device::monitor" and not a.linked for a in inv.background)  # mixing: the rest stays ours
    database = write_inventory(inv, project=project)
    results = compute_scores(inv, database, FOUR_METHODS, project=project)
    model = compile_model(inv, FOUR_METHODS)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    for s in results.scores:
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)
    assert all(s.score > 0 for s in results.scores if "climate" in s.method[1])


def test_monte_carlo_with_brightways_background_draws_agrees_with_brightways_paired_multilca(practitioner_project):
    project = practitioner_project["project"]
    study = linked_study()
    inv = inventory_for(study, "linked-mc", project)
    database = write_inventory(inv, project=project)
    bw = paired_draws(inv, database, FOUR_METHODS, iterations=400, seed=21, project=project)
    model = compile_model(inv, FOUR_METHODS)
    mine = scenario_totals(model, evaluate(model, sample(model, 400, seed=12)))
    se = np.sqrt(bw.var(axis=2, ddof=1) / bw.shape[2] + mine.var(axis=2, ddof=1) / mine.shape[2])
    z = np.abs(bw.mean(axis=2) - mine.mean(axis=2)) / se
    assert z.max() < 4.5, z.round(1)
    assert mine.std(axis=2).min() > 0  # the background's own uncertainty is in the draws


def test_background_draws_are_one_paired_multilca_cached_and_reused(practitioner_project):
    project = practitioner_project["project"]
    refs = [(SYNTHETIC_DB, "elec-SE"), (SYNTHETIC_DB, "server")]
    first = background_draws(refs, FOUR_METHODS[:1], 50, seed=9, project=project)
    again = background_draws(refs[:1], FOUR_METHODS[:1], 30, seed=9, project=project)  # covered: reused
    assert again == first
    other_seed = background_draws(refs, FOUR_METHODS[:1], 50, seed=10, project=project)
    assert other_seed != first and other_seed.parent == first.parent
    import bw2data as bd

    assert first.parent == cache_dir(bd)
    block = load_draws(first, refs, FOUR_METHODS[:1], 50)
    assert block.shape == (2, 1, 50) and np.unique(block[0, 0]).size == 50
    # paired: both activities' draws come from one sampled background, so they move together
    assert np.corrcoef(block[0, 0], block[1, 0])[0, 1] > -1.0
