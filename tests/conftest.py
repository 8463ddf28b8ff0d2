"""Test session set-up: every output goes to a throw-away LCA_HOME.

Airflow and bw2data read their configuration when first imported, so the
environment is set here, at collection time, before any test module imports
them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="lca-ml-tests-"))
os.environ["LCA_HOME"] = str(_SESSION_HOME)
os.environ.pop("LCA_ARTIFACT_ROOT", None)  # the store defaults to file://<LCA_HOME>
# The session's one Brightway project holds many hand-made runs of the same study that
# module fixtures keep using; tests of the retention rule set their own limit.
os.environ["LCA_FOREGROUND_KEEP"] = "1000"
os.environ.pop("BRIGHTWAY2_DIR", None)
os.environ.pop("AIRFLOW_HOME", None)
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
os.environ["GX_ANALYTICS_ENABLED"] = "False"
os.environ["CODECARBON_LOG_LEVEL"] = "error"

from lca.orchestration import embedded_airflow  # noqa: E402  (imports no Airflow)

embedded_airflow.configure(_SESSION_HOME / "airflow")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DIGITS = REPO / "include" / "studies" / "digits.yaml"


def pytest_collection_modifyitems(items):
    """Browser tests last: they open the reports the end-to-end tests of this session wrote."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def session_home() -> Path:
    return _SESSION_HOME


from tests.bw_fixtures import *  # noqa: E402,F401,F403  (Brightway fixtures: bw_project)
from tests.practitioner_fixtures import practitioner_project, release_project  # noqa: E402,F401
