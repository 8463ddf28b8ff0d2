"""Point an embedded Airflow (SQLite, in-process) at this project, before Airflow is imported.

Airflow reads its configuration when first imported, so this must run first
in a process that wants ``dag.test()`` on the project's DAGs: the CLI's
``demo`` and the test suite both call :func:`configure`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lca.settings import REPO_ROOT, airflow_home


def configure(home: Path | None = None) -> Path:
    if "airflow" in sys.modules:
        raise RuntimeError("configure() must run before airflow is imported")
    home = Path(home or airflow_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "GX_ANALYTICS_ENABLED": "False",
    }
    forced = {"AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__PLUGINS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES"}
    for key, value in settings.items():
        if key in forced:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)
    return home


def airflow_home_in_use() -> str:
    return os.environ.get("AIRFLOW_HOME", str(airflow_home()))


def migrate_db() -> None:
    """Create or upgrade the metadata database (idempotent)."""
    from airflow.utils.db import initdb

    initdb()
