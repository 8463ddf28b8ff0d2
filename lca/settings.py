"""Where things live.

Two places, because a run's tasks may land on different hosts:

* the **artefact store**, ``LCA_ARTIFACT_ROOT`` (a URL; default ``file://<LCA_HOME>``):
  every file a task hands to another (datasets, models, energy records,
  benchmarks, inventories, LCIA and Monte Carlo results) under ``runs/``, and the
  reports under ``reports/`` (:mod:`lca.storage`). Every host of a deployment
  points at the same root (a shared folder, ``s3://...``, ``gs://...``).
* the **host's own disk**, ``LCA_HOME`` (default: the repository checkout): the
  scratch copies a task works on (``var/cache/``), the Brightway project
  (``BRIGHTWAY2_DIR``, default ``var/brightway``) and the embedded Airflow.

A test or a second deployment points the whole product elsewhere with these
variables. Reference data and studies always come from the checkout's
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


def artifact_root_url() -> str:
    """The artefact store's root URL: ``LCA_ARTIFACT_ROOT``, else ``file://<LCA_HOME>``."""
    url = os.environ.get("LCA_ARTIFACT_ROOT", "").strip()
    return url or lca_home().absolute().as_uri()


def cache_dir() -> Path:
    """This host's scratch space: tasks fetch their inputs here and write outputs before storing them."""
    return var_dir() / "cache"


def runs_dir():
    """Intermediate artefacts of each run (datasets, models, energy records), in the artefact store."""
    from lca.storage import RUNS, store_root

    return store_root() / RUNS


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", var_dir() / "airflow"))


def reports_dir():
    """Final reports, in the artefact store; ``reports/<study>/<run id>/`` is written once per run."""
    from lca.storage import REPORTS, store_root

    return store_root() / REPORTS


def brightway_dir() -> Path:
    """This host's Brightway projects: SQLite files, never shared between hosts."""
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


DEFAULT_FOREGROUND_KEEP = 5


def foreground_keep() -> int:
    """How many runs' foreground databases of one study a host keeps (``LCA_FOREGROUND_KEEP``, default 5).

    Each run writes its own Brightway database (and a ``processed/`` file); older
    ones can always be rebuilt from the run's stored inventory, so a host keeps
    only the most recent few instead of letting them pile up.
    """
    raw = os.environ.get("LCA_FOREGROUND_KEEP", "").strip()
    if not raw:
        return DEFAULT_FOREGROUND_KEEP
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"LCA_FOREGROUND_KEEP={raw!r}: expected a whole number of databases, at least 1")
    return value


def safe_name(text: str) -> str:
    """A run id such as ``manual__2026-11-22T04:00:00+00:00`` as a portable directory name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    if not cleaned:
        raise ValueError(f"cannot make a directory name out of {text!r}")
    return cleaned


def current_host() -> str:
    """The machine this process runs on, as records name it: ``LCA_CLUSTER_HOST`` (set per
    worker when one machine stands in for several, as ``make cluster`` does), else the host name."""
    import socket

    return os.environ.get("LCA_CLUSTER_HOST") or socket.gethostname()
