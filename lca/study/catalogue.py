"""The study files of a folder by the name they declare: one name, one file.

A study's ``name`` is its DAG id and the folder of its runs and reports. Two files
declaring the same name would give Airflow two DAGs with one id (the last parsed
silently wins), and ``lca-ml demo <name>`` could run the other file's study. So a
name declared by two files is refused everywhere: ``lca-ml validate``, the DAG folder
(both files skipped, the others still load) and ``lca-ml demo``, each naming the files.

Names are read from the raw YAML (within lca.study.bounded_yaml's bounds), so a clash
is reported even when one of the files is also invalid for another reason.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lca.errors import StudyError
from lca.study.bounded_yaml import load_yaml_file

STUDY_GLOB = "*.yaml"  # what the DAG folder reads (dags/lca_studies.py)


def declared_name(path: Path) -> str | None:
    """The ``name`` a study file declares, or None when it cannot be read or has none."""
    try:
        data = load_yaml_file(path)
    except StudyError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def study_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob(STUDY_GLOB) if p.is_file())


def name_clashes(paths: list[Path]) -> dict[str, list[Path]]:
    """Declared name -> the files declaring it, for names declared by more than one file."""
    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        name = declared_name(path)
        if name is not None:
            by_name[name].append(path)
    return {name: files for name, files in by_name.items() if len(files) > 1}


def clash_message(name: str, files: list[Path]) -> str:
    listed = ", ".join(str(f) for f in files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return (
        f"{files[0]}: field 'name': value {name!r}: {len(files)} study files declare this name ({listed}); "
        "a name is a DAG id and a reports folder, so each file needs its own: rename all but one"
    )


def check_unique_name(path: Path, name: str, folders: list[Path]) -> None:
    """StudyError if another study file in ``folders`` declares ``name`` too."""
    me = Path(path).resolve()
    others: list[Path] = []
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        if not folder.is_dir():
            continue
        others += [p for p in study_files(folder) if p.resolve() != me and declared_name(p) == name]
    if others:
        raise StudyError(clash_message(name, [Path(path), *dict.fromkeys(others)]))
