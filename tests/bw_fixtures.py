"""Brightway fixtures, imported into ``tests/conftest.py``.

bw2data reads ``BRIGHTWAY2_DIR`` once, at its first import. Nothing here
imports it: :func:`lca.assessment.brightway.project.use_brightway_dir` sets the variable from
:func:`lca.settings.brightway_dir` first (the session's throw-away
``LCA_HOME`` set by conftest), and switches bw2data over if something imported
it earlier with another directory.
"""

from __future__ import annotations

import os
import tempfile

import pytest

from lca.settings import REPO_ROOT, brightway_dir

# The four methods the background data serve: IPCC 2021 GWP100 and three EF v3.1 categories.
FOUR_METHODS = [
    ("IPCC 2021", "climate change", "global warming potential (GWP100)"),
    (
        "EF v3.1",
        "material resources: metals/minerals",
        "abiotic depletion potential (ADP): elements (ultimate reserves)",
    ),
    ("EF v3.1", "energy resources: non-renewable", "abiotic depletion potential (ADP): fossil fuels"),
    ("EF v3.1", "water use", "user deprivation potential (deprivation-weighted water consumption)"),
]


@pytest.fixture(scope="session")
def bw_project() -> str:
    """Name of a Brightway project with biosphere3, the four methods and the background databases.

    Built once per session (a few seconds); tests may add foreground databases to it.
    """
    from lca.assessment.brightway.project import PROJECT
    from lca.assessment.brightway.provision import ensure_project

    if brightway_dir().resolve().is_relative_to(REPO_ROOT.resolve()):
        # Never let a test write into the checkout's own var/brightway.
        os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="lca-bw-tests-")
    ensure_project(FOUR_METHODS, project=PROJECT)
    return PROJECT
