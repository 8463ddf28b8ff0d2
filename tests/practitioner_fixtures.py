"""A practitioner's own Brightway project: biosphere3 and a SYNTHETIC ecoinvent-shaped database.

Stands in for a project holding a licensed ecoinvent (which no test may ship or
download). Built once per session in the session's throw-away BRIGHTWAY2_DIR;
the product's databases are then added beside it by the real CLI.
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


def cli(*args: str, env: dict | None = None, home=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    if home is not None:
        environment["LCA_HOME"] = str(home)
    return subprocess.run([*LCA_ML, *args], capture_output=True, text=True, env=environment, timeout=600)


@pytest.fixture(scope="session")
def practitioner_project(bw_project, tmp_path_factory) -> dict:
    """The project, set up by ``lca-ml setup-brightway --brightway-project`` (run from another LCA_HOME)."""
    from bw2io.importers import Ecospold2BiosphereImporter

    from lca.assessment.brightway import synthetic
    from lca.assessment.brightway.project import _bw2data, activate

    bd = _bw2data()
    if PRACTITIONER not in bd.projects:
        bd.projects.set_current(PRACTITIONER)
        importer = Ecospold2BiosphereImporter(name="biosphere3", version="3.9")
        importer.apply_strategies(verbose=False)
        importer.write_database()
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
