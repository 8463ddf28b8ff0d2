"""The files a study names, found relative to the study file and checked when it is loaded.

A data file, a model folder with its factory's module, and a grid profile must lie
inside the study's folder (lca.study.code_refs); each is reported by field and value.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from lca import limits as L
from lca.errors import StudyError
from lca.study.code_refs import CodeRefError, resolve_factory, resolve_inside
from lca.study.compression import Combination, Distillation
from lca.study.error_messages import shown
from lca.study.machine_learning import CustomModelSpec
from lca.study.schema import Study


def resolve_paths(study: Study, path: Path) -> Study:
    """Make the study's file paths absolute (relative to the study file) and check them now.

    A missing data file or model folder is reported now, when the DAG is parsed,
    not an hour later in the task that first needs it; a path leaving the study's
    folder, or a factory naming code outside its model folder, is refused here,
    before anything is imported (lca.study.code_refs).
    """
    base = path.resolve().parent
    updates: dict[str, Any] = {}
    if study.dataset.file is not None:
        updates["dataset"] = study.dataset.model_copy(update={"file": str(_data_file(study.dataset.file, base, path))})
    if isinstance(study.model, CustomModelSpec):
        updates["model"] = _resolve_model(study.model, base, path, "model")
    compression = []
    for i, spec in enumerate(study.compression):
        if isinstance(spec, Distillation):
            spec = _resolve_student(spec, base, path, f"compression.{i}.student")
        elif isinstance(spec, Combination):
            steps = [
                _resolve_student(step, base, path, f"compression.{i}.steps.{j}.student")
                if isinstance(step, Distillation)
                else step
                for j, step in enumerate(spec.steps)
            ]
            spec = spec.model_copy(update={"steps": steps})
        compression.append(spec)
    updates["compression"] = compression
    if study.lca.grid_profile is not None:
        updates["lca"] = _resolve_grid_profile(study, base, path)
    return study.model_copy(update=updates)


def _data_file(file: str, base: Path, path: Path) -> Path:
    field = f"{path}: field 'dataset.file': value {shown(file)}"
    try:
        data_file = resolve_inside(base, file, what="a data file", follow_symlinks=False)
    except CodeRefError as exc:
        raise StudyError(f"{field}: {exc}") from None
    try:
        info = data_file.stat()
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
        raise StudyError(f"{field}: {reason} ({data_file})") from None
    if not stat.S_ISREG(info.st_mode):
        raise StudyError(f"{field}: {data_file} is not a regular file; give a CSV or Parquet file")
    if info.st_size > L.MAX_DATA_FILE_BYTES:
        raise StudyError(
            f"{field}: {info.st_size:,} bytes, more than the limit of {L.MAX_DATA_FILE_BYTES:,}; subsample it"
        )
    return data_file


def _resolve_grid_profile(study: Study, base: Path, path: Path):
    from lca.study.grid_profile import read_profile

    spec = study.lca.grid_profile
    field = f"{path}: field 'lca.grid_profile.profile': value {shown(spec.profile)}"
    try:
        file = resolve_inside(base, spec.profile, what="a grid profile", follow_symlinks=False)
    except CodeRefError as exc:
        raise StudyError(f"{field}: {exc}") from None
    read_profile(str(file))  # the file (regular, bounded) and its rows are checked now, not in the task
    return study.lca.model_copy(update={"grid_profile": spec.model_copy(update={"profile": str(file)})})


def _resolve_student(spec: Distillation, base: Path, path: Path, field: str) -> Distillation:
    if isinstance(spec.student, CustomModelSpec):
        return spec.model_copy(update={"student": _resolve_model(spec.student, base, path, field)})
    return spec


def _resolve_model(spec: CustomModelSpec, base: Path, path: Path, field: str) -> CustomModelSpec:
    """The model folder inside the study's folder, and the factory's module file inside that."""
    try:
        folder = resolve_inside(base, spec.path, what="the model folder", follow_symlinks=True)
    except CodeRefError as exc:
        raise StudyError(f"{path}: field '{field}.path': value {shown(spec.path)}: {exc}") from None
    if not folder.is_dir():
        raise StudyError(f"{path}: field '{field}.path': value {shown(spec.path)}: no such folder ({folder})")
    try:
        resolve_factory(spec.factory, folder)
    except CodeRefError as exc:
        raise StudyError(f"{path}: field '{field}.factory': value {shown(spec.factory)}: {exc}") from None
    return spec.model_copy(update={"path": str(folder)})
