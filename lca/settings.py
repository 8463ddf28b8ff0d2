"""Where things live on disk.

Outputs go under ``LCA_HOME`` (default: the repository checkout): reports in
``reports/``, everything a run needs along the way in ``var/``. A test or a
second deployment points the whole product elsewhere with that one variable. Reference data and studies always come from the checkout's
``include/`` unless ``LCA_INCLUDE_DIR`` says otherwise.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def include_dir() -> Path:
    return Path(os.environ.get("LCA_INCLUDE_DIR", REPO_ROOT / "include"))


def studies_dir() -> Path:
    """Study files; ``LCA_STUDIES_DIR`` lets a test or a team keep theirs elsewhere."""
    return Path(os.environ.get("LCA_STUDIES_DIR", include_dir() / "studies"))


def reference_data_dir() -> Path:
    return include_dir() / "data"


def lca_home() -> Path:
    return Path(os.environ.get("LCA_HOME", REPO_ROOT))


def var_dir() -> Path:
    return lca_home() / "var"


def runs_dir() -> Path:
    """Intermediate artefacts of each run (datasets, models, energy records)."""
    return var_dir() / "runs"


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", var_dir() / "airflow"))


def reports_dir() -> Path:
    """Final reports; ``reports/<study>/<run id>/`` is written once and never overwritten."""
    return Path(os.environ.get("LCA_REPORTS_DIR", lca_home() / "reports"))


def brightway_dir() -> Path:
    return Path(os.environ.get("BRIGHTWAY2_DIR", var_dir() / "brightway"))


DEFAULT_BRIGHTWAY_PROJECT = "lca-ml"


def brightway_project_file() -> Path:
    """Written by ``lca-ml setup --brightway-project NAME``, so later runs use the practitioner's project."""
    return var_dir() / "brightway_project"


def brightway_project() -> str:
    """The Brightway project the product reads and adds its databases to.

    ``LCA_BRIGHTWAY_PROJECT`` wins, then the name ``lca-ml setup --brightway-project``
    recorded, then the product's own project. Pointing at a practitioner's project
    (e.g. one holding their licensed ecoinvent) lets studies link to its activities
    without copying them.
    """
    name = os.environ.get("LCA_BRIGHTWAY_PROJECT", "").strip()
    if name:
        return name
    recorded = brightway_project_file()
    if recorded.is_file() and recorded.read_text().strip():
        return recorded.read_text().strip()
    return DEFAULT_BRIGHTWAY_PROJECT


def safe_name(text: str) -> str:
    """A run id such as ``manual__2026-11-22T04:00:00+00:00`` as a portable directory name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    if not cleaned:
        raise ValueError(f"cannot make a directory name out of {text!r}")
    return cleaned
