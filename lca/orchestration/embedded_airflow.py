"""Point an embedded Airflow (SQLite) at this project, before Airflow is imported.

Airflow reads its configuration when first imported, so this must run first
in a process that wants ``dag.test()`` on the project's DAGs: the CLI's
``demo``, ``make ui`` (:mod:`lca.orchestration.airflow_ui`) and the test suite all
call :func:`configure`, so all three share one metadata database under
``$LCA_HOME/var/airflow`` (``AIRFLOW_HOME`` moves it).

SQLite and several processes: the UI's api-server, scheduler and dag-processor (and
a ``lca-ml demo`` beside them) write to the same file. In SQLite's default rollback
journal a writer locks readers out, and Python's sqlite3 gives up after 5 s with
"database is locked", which the api-server returned as HTTP 500 on the first trigger
with "unpause on trigger" while the dag-processor wrote. Write-ahead logging lets
readers run beside the one writer, and a 60 s busy timeout makes a writer wait its
turn instead of failing. WAL is a property of the file (set once, kept); the timeout
is a connection argument Airflow reads from :data:`SQLITE_CONNECT_ARGS`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from lca.settings import REPO_ROOT, airflow_home

BUSY_TIMEOUT_SECONDS = 60.0
# Airflow imports this dict by its dotted path ([database] sql_alchemy_connect_args).
SQLITE_CONNECT_ARGS: dict = {"timeout": BUSY_TIMEOUT_SECONDS}
_CONNECT_ARGS_PATH = f"{__name__}.SQLITE_CONNECT_ARGS"


def database_file(home: Path) -> Path:
    return home / "airflow.db"


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
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{database_file(home)}",
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
    if os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite"):
        os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS", _CONNECT_ARGS_PATH)
        os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS_ASYNC", _CONNECT_ARGS_PATH)
        use_write_ahead_log(database_file(home))
    return home


def use_write_ahead_log(db: Path) -> None:
    """Switch the SQLite file (created if absent) to write-ahead logging; kept by the file from then on."""
    with sqlite3.connect(db, timeout=BUSY_TIMEOUT_SECONDS) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def airflow_home_in_use() -> str:
    return os.environ.get("AIRFLOW_HOME", str(airflow_home()))


def migrate_db() -> None:
    """Create or upgrade the metadata database (idempotent)."""
    from airflow.utils.db import initdb

    initdb()
