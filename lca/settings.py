"""Where things live, and the environment variables that move them.

Two places, because a run's tasks may land on different hosts:

* the **artefact store**, ``LCA_ARTIFACT_ROOT`` (a URL; default ``file://<LCA_HOME>``):
  every file a task hands to another (datasets, models, energy records,
  benchmarks, inventories, LCIA and Monte Carlo results) under ``runs/``, and the
  reports under ``reports/`` (:mod:`lca.storage`, which also says where those two live).
  Every host of a deployment points at the same root (a shared folder, ``s3://...``, ``gs://...``).
* the **host's own disk**, ``LCA_HOME`` (default: the repository checkout): the
  scratch copies a task works on (``var/cache/``), the Brightway project
  (``BRIGHTWAY2_DIR``, default ``var/brightway``) and the embedded Airflow.

A test or a second deployment points the whole product elsewhere with these
variables. Reference data and studies always come from the checkout's
``include/`` unless ``LCA_INCLUDE_DIR`` says otherwise.

Every variable is a field of :class:`Settings` (pydantic-settings), read from the
environment when an accessor below is called, not once at import: tests and the CLI
change the environment between calls. A bad value fails with :class:`SettingsError`,
naming the variable and the value.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from lca.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BRIGHTWAY_PROJECT = "lca-ml"
DEFAULT_FOREGROUND_KEEP = 5


class Settings(BaseSettings):
    """The environment this process runs in; an unset or empty variable takes the default the accessor names."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, str_strip_whitespace=True)

    lca_home: Path = Field(REPO_ROOT, validation_alias="LCA_HOME", description="a folder on this host's disk")
    lca_include_dir: Path | None = Field(None, validation_alias="LCA_INCLUDE_DIR", description="a folder")
    lca_studies_dir: Path | None = Field(None, validation_alias="LCA_STUDIES_DIR", description="a folder")
    lca_artifact_root: str | None = Field(
        None,
        validation_alias="LCA_ARTIFACT_ROOT",
        description="a URL such as file:///mnt/shared/lca or s3://bucket/lca",
    )
    airflow_home: Path | None = Field(None, validation_alias="AIRFLOW_HOME", description="a folder")
    brightway2_dir: Path | None = Field(None, validation_alias="BRIGHTWAY2_DIR", description="a folder")
    lca_brightway_project: str | None = Field(
        None, validation_alias="LCA_BRIGHTWAY_PROJECT", description="a Brightway project name"
    )
    lca_foreground_keep: int = Field(
        DEFAULT_FOREGROUND_KEEP,
        ge=1,
        validation_alias="LCA_FOREGROUND_KEEP",
        description="a whole number of databases, at least 1",
    )
    lca_cluster_host: str | None = Field(None, validation_alias="LCA_CLUSTER_HOST", description="a host name")
    lca_host_lock_dir: Path | None = Field(
        None, validation_alias="LCA_HOST_LOCK_DIR", description="a folder on this machine's local disk"
    )


_VARIABLES = tuple(field.validation_alias for field in Settings.model_fields.values())


def settings() -> Settings:
    """The settings of the current environment (one model per distinct set of values, so calls stay cheap)."""
    return _settings_for(tuple(os.environ.get(name) for name in _VARIABLES))


@lru_cache(maxsize=16)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fields = {f.validation_alias: f for f in Settings.model_fields.values()}
        problems = []
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0])
            expected = fields[name].description if name in fields else None
            problems.append(
                f"{name}={error['input']!r}: expected {expected}" if expected else f"{name}={error['input']!r}"
            )
            problems[-1] += f" ({error['msg'][0].lower()}{error['msg'][1:]})"
        raise SettingsError("bad environment variable: " + "; ".join(problems)) from None


def include_dir() -> Path:
    return settings().lca_include_dir or REPO_ROOT / "include"


def studies_dir() -> Path:
    """Study files; ``LCA_STUDIES_DIR`` lets a test or a team keep theirs elsewhere."""
    return settings().lca_studies_dir or include_dir() / "studies"


def reference_data_dir() -> Path:
    return include_dir() / "data"


def lca_home() -> Path:
    return settings().lca_home


def var_dir() -> Path:
    return lca_home() / "var"


def artifact_root_url() -> str:
    """The artefact store's root URL: ``LCA_ARTIFACT_ROOT``, else ``file://<LCA_HOME>`` (checked by lca.storage)."""
    return settings().lca_artifact_root or lca_home().absolute().as_uri()


def cache_dir() -> Path:
    """This host's scratch space: tasks fetch their inputs here and write outputs before storing them."""
    return var_dir() / "cache"


def airflow_home() -> Path:
    return settings().airflow_home or var_dir() / "airflow"


def brightway_dir() -> Path:
    """This host's Brightway projects: SQLite files, never shared between hosts."""
    return settings().brightway2_dir or var_dir() / "brightway"


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
    name = settings().lca_brightway_project
    if name:
        return name
    recorded = brightway_project_file()
    if recorded.is_file() and recorded.read_text().strip():
        return recorded.read_text().strip()
    return DEFAULT_BRIGHTWAY_PROJECT


def foreground_keep() -> int:
    """How many runs' foreground databases of one study a host keeps (``LCA_FOREGROUND_KEEP``, default 5).

    Each run writes its own Brightway database (and a ``processed/`` file); older
    ones can always be rebuilt from the run's stored inventory, so a host keeps
    only the most recent few instead of letting them pile up.
    """
    return settings().lca_foreground_keep


def host_lock_dir() -> Path | None:
    """``LCA_HOST_LOCK_DIR``, if set (:mod:`lca.host_lock` chooses the default)."""
    return settings().lca_host_lock_dir


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

    return settings().lca_cluster_host or socket.gethostname()
