"""Which Brightway project the product works in, and how processes share it safely.

Brightway keeps its data in SQLite, plus metadata files (``databases.json``,
``methods.json``, ``geomapping.pickle``) that each process loads once and later
rewrites whole. Two processes writing at once therefore either hit ``database
is locked`` or silently drop each other's metadata entries. Every write in
``lca.assessment.brightway`` holds :func:`write_lock` and reloads the metadata from disk first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from lca.assessment.brightway.bundled import BIOSPHERE
from lca.assessment.brightway.layout import MethodName, biosphere_of, resolve_methods
from lca.errors import LcaError, ReferenceDataError
from lca.settings import DEFAULT_BRIGHTWAY_PROJECT, brightway_dir, brightway_project

PROJECT = DEFAULT_BRIGHTWAY_PROJECT
OWN_PREFIX = "lca-ml"
GRID_DATABASE = "lca-ml grid electricity"
BACKGROUND_DATABASE = "lca-ml background"
FOREGROUND_PREFIX = "lca-ml fg__"
CREATED_MARK = "lca_ml_created"  # in the project's bw2data record: the product created it
_LOCK_TIMEOUT_S = 900.0


def use_brightway_dir() -> Path:
    """Point Brightway at :func:`lca.settings.brightway_dir` and return that directory.

    bw2data reads ``BRIGHTWAY2_DIR`` once, when it is first imported, and raises
    if the directory is missing; so this runs before any bw2data import in
    ``lca.assessment.brightway``. If something imported bw2data earlier with another directory,
    switch it over rather than write into the wrong place.
    """
    path = brightway_dir().absolute()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["BRIGHTWAY2_DIR"] = str(path)
    bd = sys.modules.get("bw2data")
    projects = getattr(bd, "projects", None)
    # ``_base_data_dir`` is private, but it is the only record of where bw2data writes.
    if projects is not None and Path(projects._base_data_dir).absolute() != path:
        logs = path / "logs"
        logs.mkdir(exist_ok=True)
        projects.change_base_directories(path, base_logs_dir=logs, project_name="default", update=False)
    return path


@cache
def _file_lock(path: str) -> Any:
    from filelock import FileLock

    # One object per path: a FileLock is re-entrant only through the same object.
    return FileLock(path, timeout=_LOCK_TIMEOUT_S)


@contextmanager
def write_lock() -> Iterator[None]:
    """Hold the project's single-writer lock (re-entrant within a thread)."""
    from filelock import Timeout

    path = use_brightway_dir() / ".write.lock"
    try:
        with _file_lock(str(path)):
            yield
    except Timeout:
        raise LcaError(
            f"another process has held the Brightway write lock {path} for over {_LOCK_TIMEOUT_S:.0f} s"
        ) from None


def _bw2data() -> ModuleType:
    use_brightway_dir()
    import bw2data

    return bw2data


def _switch_to(bd: ModuleType, project: str) -> None:
    """Make ``project`` current, with its metadata as it is on disk now (another process may have written)."""
    if bd.projects.current != project:
        bd.projects.set_current(project)  # creates it if needed and reloads every metadata store
    else:
        for store in bd.config.metadata:
            store.load()


def current_project(project: str | None = None) -> str:
    """``project``, or the one the product is pointed at (:func:`lca.settings.brightway_project`)."""
    return project or brightway_project()


def activate(project: str | None = None) -> ModuleType:
    """``bw2data`` with ``project`` current; the project must exist (see :func:`ensure_project`)."""
    project = current_project(project)
    bd = _bw2data()
    if project not in bd.projects:
        raise ReferenceDataError(
            f"Brightway project {project!r} does not exist under {brightway_dir()}: run ensure_project() first"
        )
    _switch_to(bd, project)
    return bd


def is_own_project(bd: ModuleType) -> bool:
    """Whether the current project is the product's (its default one, or one :func:`ensure_project` created)."""
    return bd.projects.current == PROJECT or bool(bd.projects.dataset.data.get(CREATED_MARK))


def project_biosphere(bd: ModuleType) -> str:
    """The biosphere the product books on in the current project: the project's own, whatever its name."""
    return biosphere_of(bd, default=BIOSPHERE if is_own_project(bd) else None)


def is_own_database(bd: ModuleType, name: str) -> bool:
    """Whether the product wrote ``name`` (its background databases and the runs' foregrounds)."""
    return name in (GRID_DATABASE, BACKGROUND_DATABASE) or name.startswith(FOREGROUND_PREFIX)


def method_units(methods: Sequence[Sequence[str]], project: str | None = None) -> dict[MethodName, str]:
    """Each method's unit: the bundled method's when there is one, else the Brightway project's."""
    from lca.assessment.characterization import method_unit

    out: dict[MethodName, str] = {}
    bd = None
    for method in (tuple(m) for m in methods):
        try:
            out[method] = method_unit(method)
        except ReferenceDataError:
            bd = bd or activate(project)
            out[method] = str(bd.methods[resolve_methods(bd, [method])[method]].get("unit", ""))
    return out
