"""Reading a study: the file within the bounds of lca.study.bounded_yaml, then every check that needs no run.

Errors name the file, the field and the offending value, so a typo never surfaces
as a wrong number three tasks later.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from lca.errors import StudyError
from lca.study.bounded_yaml import load_yaml_file
from lca.study.error_messages import describe_invalid
from lca.study.paths import resolve_paths
from lca.study.reference_data_checks import check_references
from lca.study.schema import Study


def parse_study(data: object, path: Path) -> Study:
    """The study of plain data read from ``path``: its schema, then its reference data, then its files."""
    if data is None:
        raise StudyError(
            f"{path}: the study file is empty; a study is a YAML mapping (see include/studies/digits.yaml)"
        )
    if not isinstance(data, dict):
        raise StudyError(f"{path}: a study is a YAML mapping, got {type(data).__name__}")
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise StudyError(describe_invalid(path, exc, data)) from None
    check_references(study, path)
    return resolve_paths(study, path)


def load_study(path: str | Path) -> Study:
    """The validated study of a file, read within the bounds of lca.study.bounded_yaml."""
    path = Path(path)
    return parse_study(load_yaml_file(path), path)
