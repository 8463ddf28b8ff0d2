"""Practitioners' own Brightway projects, each with a SYNTHETIC ecoinvent-shaped database.

They stand in for projects holding a licensed ecoinvent (which no test may ship or
download), in the two layouts practitioners have:

* ``practitioner-ecoinvent``: the legacy ``bw2setup`` layout, ``biosphere3`` and unprefixed methods;
* ``practitioner-ecoinvent-release``: what ``bw2io.import_ecoinvent_release('3.10', 'cutoff')``
  makes, ``ecoinvent-3.10-biosphere`` and every method prefixed with ``ecoinvent-3.10``.

Built once per session in the session's throw-away BRIGHTWAY2_DIR, with bw2data and
bw2io, offline; the product's databases are then added beside them by the real CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lca.settings import brightway_dir
from tests.bw_fixtures import FOUR_METHODS

PRACTITIONER = "practitioner-ecoinvent"
SYNTHETIC_DB = "SYNTHETIC ecoinvent-shaped 3.10"
RELEASE = "practitioner-ecoinvent-release"
RELEASE_VERSION = "ecoinvent-3.10"
RELEASE_BIOSPHERE = f"{RELEASE_VERSION}-biosphere"
RELEASE_DB = f"{RELEASE_VERSION}-cutoff"
# A method the bundled background does not cover: only linked activities can be scored with it.
ACIDIFICATION = ("EF v3.1", "acidification", "accumulated exceedance (AE)")
LCA_ML = [str(Path(sys.executable).parent / "lca-ml")]  # the installed command, as a user runs it

# What a study's lca.background links to in that database (the tiny study runs in Sweden).
LINKS = {
    "electricity": {"database": SYNTHETIC_DB, "name": "market for electricity, low voltage", "location": "SE"},
    "devices": {
        "server_2s_r740": {"database": SYNTHETIC_DB, "code": "server"},
        "desktop_pro": {"database": SYNTHETIC_DB, "reference_product": "computer, desktop, without screen"},
    },
    "office_heat": {"database": SYNTHETIC_DB, "code": "heat-gas"},
}


def database_fingerprint(bd, name: str) -> str:
    """Every activity and exchange of a database, and its processed arrays: any write changes it."""
    rows = []
    for node in bd.Database(name):
        rows.append(
            [
                node["code"],
                sorted(map(str, node.as_dict().items())),
                sorted(str(sorted(e.as_dict().items())) for e in node.exchanges()),
            ]
        )
    digest = hashlib.sha256(json.dumps(sorted(rows)).encode())
    digest.update(bd.Database(name).filepath_processed().read_bytes())
    return digest.hexdigest()


def write_methods(bd, names, biosphere: str, prefix: str | None = None) -> None:
    """bw2io's bundled methods, linked by flow code to ``biosphere``, named as ``import_ecoinvent_release`` does."""
    from bw2data.backends import ActivityDataset

    from lca.assessment.brightway.bundled import bundled_methods

    ids = dict(
        ActivityDataset.select(ActivityDataset.code, ActivityDataset.id)
        .where(ActivityDataset.database == biosphere)
        .tuples()
    )
    for name in names:
        ds = bundled_methods()[tuple(name)]
        method = bd.Method((prefix, *name) if prefix else tuple(name))
        method.register(unit=ds["unit"], database=biosphere)
        method.write([(ids[cf["input"][1]], cf["amount"]) for cf in ds["exchanges"] if cf["input"][1] in ids])


def write_biosphere(bd, name: str) -> None:
    from bw2io.importers import Ecospold2BiosphereImporter

    importer = Ecospold2BiosphereImporter(name=name, version="3.9")
    importer.apply_strategies(verbose=False)
    importer.write_database()


def cli(*args: str, env: dict | None = None, home=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    if home is not None:
        environment["LCA_HOME"] = str(home)
    return subprocess.run([*LCA_ML, *args], capture_output=True, text=True, env=environment, timeout=600)


@pytest.fixture(scope="session")
def practitioner_project(bw_project, tmp_path_factory) -> dict:
    """The project, set up by ``lca-ml setup-brightway --brightway-project`` (run from another LCA_HOME)."""
    from lca.assessment.brightway import synthetic
    from lca.assessment.brightway.project import _bw2data, activate

    bd = _bw2data()
    if PRACTITIONER not in bd.projects:
        bd.projects.set_current(PRACTITIONER)
        write_biosphere(bd, "biosphere3")
        write_methods(bd, FOUR_METHODS, "biosphere3")
        synthetic.write(bd, SYNTHETIC_DB, 40, FOUR_METHODS, seed=3, inputs_per_activity=6, flows=60)
    bd.projects.set_current(PRACTITIONER)
    theirs = {name: database_fingerprint(bd, name) for name in ("biosphere3", SYNTHETIC_DB)}
    home = tmp_path_factory.mktemp("practitioner-home")
    done = cli(
        "setup-brightway", "--brightway-project", PRACTITIONER, home=home, env={"BRIGHTWAY2_DIR": str(brightway_dir())}
    )
    bd = activate(PRACTITIONER)
    return {
        "project": PRACTITIONER,
        "before": theirs,
        "setup": done,
        "home": home,
        "after": {name: database_fingerprint(bd, name) for name in theirs},
        "databases": sorted(bd.databases),
    }


def _add_extraction(bd) -> None:
    """An upstream activity of every named one that extracts gas and antimony, evaporates water and emits SO2.

    So each linked activity is characterised in every category the bundled background covers
    (a small random database may miss one), as an ecoinvent market always is.
    """
    from lca.assessment.brightway import synthetic

    flows = [
        ("Gas, natural", ("natural resource", "in ground"), 0.05),
        ("Antimony", ("natural resource", "in ground"), 1e-7),
        ("Water", ("air",), 0.002),
        ("Sulfur dioxide", ("air",), 0.001),
    ]
    db = bd.Database(RELEASE_DB)
    extraction = db.new_activity(
        code="extraction", name="SYNTHETIC extraction", unit="kilogram", location="GLO", type="process"
    )
    extraction.save()
    extraction.new_edge(input=extraction, amount=1.0, type="production").save()
    for name, categories, amount in flows:
        flow = bd.get_node(database=RELEASE_BIOSPHERE, name=name, categories=categories)
        extraction.new_edge(input=flow, amount=amount, type="biosphere").save()
    for code in synthetic.NAMED:
        bd.get_node(database=RELEASE_DB, code=code).new_edge(input=extraction, amount=1.0, type="technosphere").save()


@pytest.fixture(scope="session")
def release_project(bw_project, tmp_path_factory) -> dict:
    """A project in the ``import_ecoinvent_release`` layout, set up by ``lca-ml setup-brightway``.

    Its database has the activities a study links to (electricity markets FR, SE and DE,
    computers, a server, heat from gas) and ``heat-waste``: heat with no burden at all, whose
    scores are exactly zero.
    """
    from lca.assessment.brightway import synthetic
    from lca.assessment.brightway.project import _bw2data, activate

    bd = _bw2data()
    if RELEASE not in bd.projects:
        bd.projects.set_current(RELEASE)
        write_biosphere(bd, RELEASE_BIOSPHERE)
        bd.preferences["biosphere_database"] = RELEASE_BIOSPHERE  # as import_ecoinvent_release sets it
        bd.preferences.flush()
        write_methods(bd, [*FOUR_METHODS, ACIDIFICATION], RELEASE_BIOSPHERE, prefix=RELEASE_VERSION)
        synthetic.write(
            bd,
            RELEASE_DB,
            40,
            [*FOUR_METHODS, ACIDIFICATION],
            seed=4,
            inputs_per_activity=6,
            flows=60,
            biosphere=RELEASE_BIOSPHERE,
        )
        _add_extraction(bd)
        waste = bd.Database(RELEASE_DB).new_activity(
            code="heat-waste",
            name="heat, from municipal waste incineration",
            unit="megajoule",
            location="FR",
            type="process",
            **{"reference product": "heat, district or industrial, other than natural gas"},
        )
        waste.save()
        waste.new_edge(input=waste, amount=1.0, type="production").save()
        bd.Database(RELEASE_DB).process()
    bd.projects.set_current(RELEASE)
    theirs = {name: database_fingerprint(bd, name) for name in (RELEASE_BIOSPHERE, RELEASE_DB)}
    methods = sorted(bd.methods)
    home = tmp_path_factory.mktemp("release-home")
    done = cli(
        "setup-brightway", "--brightway-project", RELEASE, home=home, env={"BRIGHTWAY2_DIR": str(brightway_dir())}
    )
    bd = activate(RELEASE)
    return {
        "project": RELEASE,
        "before": theirs,
        "methods_before": methods,
        "setup": done,
        "home": home,
        "after": {name: database_fingerprint(bd, name) for name in theirs},
        "methods_after": sorted(bd.methods),
        "databases": sorted(bd.databases),
    }
