"""Fields of a study that name files or code: where they may point, checked before anything runs.

The trust model (docs/byo.md, "What a study file may and may not do"): a study file is
data. It may name a Python file that sits in the study's own model folder, next to the
study, because whoever can put a ``.py`` file there can already run code as the worker;
it may not name code anywhere else. So ``factory: os:system``, ``subprocess:run`` or
``builtins:exec`` are refused at validation, without importing anything, and no field
can reach a file outside the study's folder. The checks work on paths only: nothing
here imports the module it checks (``PathFinder.find_spec`` of a top-level name
searches the installed packages' folders, it executes nothing).

Only the standard library is used: this runs when Airflow parses the DAG folder.
"""

from __future__ import annotations

import importlib.machinery
import keyword
import math
import sys
import sysconfig
from pathlib import Path, PurePath
from typing import Any

# kwargs of a custom model: a few knobs, never a program.
_PLAIN_SCALARS = (str, int, float, bool, type(None))
_MAX_PLAIN_DEPTH = 8
_MAX_PLAIN_VALUES = 1_000


class CodeRefError(ValueError):
    """A field names code or a file a study may not use; the message says why and what to do."""


def resolve_inside(base: Path, relative: str, *, what: str, follow_symlinks: bool) -> Path:
    """``relative`` joined to the study's folder ``base``; refused if it could leave that folder.

    Refused lexically: an empty path, an absolute path, a ``~`` home path and any ``..``.
    With ``follow_symlinks`` (code), the fully resolved path must also stay inside ``base``;
    without it (data), a symlink the study's owner placed in the folder is honoured: the
    study file can only name what is in its folder, and a symlink there is a deliberate act
    of whoever may write that folder.
    """
    text = str(relative).strip()
    pure = PurePath(text)
    if not text:
        raise CodeRefError(f"{what} is empty")
    if pure.is_absolute() or text.startswith("~"):
        raise CodeRefError(f"{what} must be relative to the study file's folder, not an absolute path")
    if ".." in pure.parts:
        raise CodeRefError(f"{what} may not contain '..': it must stay inside the study file's folder")
    if "\x00" in text:
        raise CodeRefError(f"{what} contains a NUL byte")
    base = base.resolve()
    joined = base.joinpath(*pure.parts)
    if follow_symlinks:
        real = joined.resolve()
        if not real.is_relative_to(base):
            raise CodeRefError(f"{what} resolves to {real}, outside the study file's folder {base} (a symlink?)")
        return real
    return joined.absolute()


def _protected_dirs() -> list[Path]:
    """The standard library and installed packages: never a study's model folder."""
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    out = {Path(p).resolve() for name in names if (p := sysconfig.get_paths().get(name))}
    return sorted(out)


def _check_name(part: str, what: str) -> None:
    if not part.isidentifier() or keyword.iskeyword(part):
        raise CodeRefError(f"{what} {part!r} is not a Python identifier")
    if part.startswith("__"):
        raise CodeRefError(f"{what} {part!r} is a dunder or private name; name a plain module and function")


def resolve_factory(factory: str, folder: Path) -> Path:
    """The ``.py`` file of ``module:function`` inside ``folder`` (the study's model folder).

    Refused, without importing anything: names that are not plain identifiers (dunders,
    keywords), modules of the standard library (``os``, ``subprocess``, ``builtins``...),
    names of installed modules (``import`` would find those first), extension modules, and files
    that resolve outside ``folder``. A folder inside the standard library or
    site-packages is refused too.
    """
    module_name, sep, function_name = factory.partition(":")
    if not sep or not module_name or not function_name:
        raise CodeRefError("a factory is 'module:function', e.g. 'my_model:build'")
    parts = module_name.split(".")
    for part in parts:
        _check_name(part, "module name")
    _check_name(function_name, "function name")
    if function_name.startswith("_"):
        raise CodeRefError(f"function name {function_name!r} is private; name a public function")
    top = parts[0]
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        raise CodeRefError(
            f"module {top!r} is part of Python's standard library: a factory must be a .py file "
            f"in the study's model folder ({folder})"
        )
    folder = folder.resolve()
    for protected in _protected_dirs():
        if folder.is_relative_to(protected):
            raise CodeRefError(f"model folder {folder} is inside {protected} (the standard library or site-packages)")
    *packages, leaf = parts
    directory = folder.joinpath(*packages)
    candidates = [directory / f"{leaf}.py", directory / leaf / "__init__.py"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        shown = " or ".join(str(c.relative_to(folder)) for c in candidates)
        raise CodeRefError(f"no module file {shown} in the study's model folder {folder}")
    real = found.resolve()
    if not real.is_relative_to(folder):
        raise CodeRefError(f"module file {found} resolves to {real}, outside the model folder {folder}")
    if real.suffix != ".py":
        raise CodeRefError(f"module file {found} is not a .py source file")
    _check_not_installed(top)
    return real


def _check_not_installed(top: str) -> None:
    """The name must not also be an installed module: ``import`` would find that one, not the user's file.

    Only where packages are installed is searched (site-packages, the standard library
    and editable-install finders), not folders that earlier studies put on ``sys.path``;
    two studies' modules of the same name in one process are refused when imported
    (lca.ml.models.build_custom).
    """
    installed = _protected_dirs()
    path = [p for p in sys.path if p and any(Path(p).resolve().is_relative_to(d) for d in installed)]
    spec = importlib.machinery.PathFinder.find_spec(top, path)
    for finder in sys.meta_path:
        if spec is not None:
            break
        if finder in (
            importlib.machinery.PathFinder,
            importlib.machinery.BuiltinImporter,
            importlib.machinery.FrozenImporter,
        ) or not hasattr(finder, "find_spec"):
            continue
        try:
            spec = finder.find_spec(top, None)
        except Exception:  # noqa: BLE001 - a third-party finder failing is not the study's problem
            spec = None
    loaded = sys.modules.get(top)
    if spec is None and loaded is not None:
        # Already imported by this process (Airflow, lca itself...) from outside any study folder.
        origin = getattr(loaded, "__file__", None)
        project = Path(__file__).resolve().parents[1]  # the lca package
        if origin is None or any(Path(origin).resolve().is_relative_to(d) for d in [*installed, project]):
            spec = loaded.__spec__
    if spec is not None:
        where = getattr(spec, "origin", None) or ", ".join(getattr(spec, "submodule_search_locations", None) or [])
        raise CodeRefError(
            f"module name {top!r} is an installed module ({where or 'an installed package'}); import would "
            "find it instead of your file: rename your module file"
        )


def check_plain_data(value: Any, where: str = "kwargs", _depth: int = 0, _count: list[int] | None = None) -> None:
    """Text, numbers, booleans and null, in lists and string-keyed mappings: nothing callable."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > _MAX_PLAIN_VALUES:
        raise CodeRefError(f"{where}: more than {_MAX_PLAIN_VALUES} values; a model factory takes a few knobs")
    if _depth > _MAX_PLAIN_DEPTH:
        raise CodeRefError(f"{where}: nested more than {_MAX_PLAIN_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise CodeRefError(f"{where}: {value!r} is not a finite number")
    if isinstance(value, _PLAIN_SCALARS):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_plain_data(item, f"{where}.{i}", _depth + 1, count)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CodeRefError(f"{where}: key {key!r} is not text")
            check_plain_data(item, f"{where}.{key}", _depth + 1, count)
        return
    raise CodeRefError(
        f"{where}: a {type(value).__name__} is not plain data (text, numbers, booleans, null, lists, mappings)"
    )
