"""The user's own dataset: a CSV or Parquet file with the target column named in the study.

Everything that can be wrong with such a file is reported with the file, the
study field and the offending value, before any training starts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lca.errors import StudyError
from lca.ml.datasets.card import FINITE, Prepared
from lca.study.schema import DatasetSpec


def read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except ImportError as exc:  # Parquet needs pyarrow
        raise StudyError(f"{path}: cannot read Parquet without pyarrow ({exc})") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise StudyError(f"{path}: field 'dataset.file': cannot read it as a table: {exc}") from None


def load(spec: DatasetSpec, task_kind: str) -> Prepared:
    path = Path(spec.file)
    frame = read_table(path)
    target = spec.target
    if target not in frame.columns:
        raise StudyError(
            f"{path}: field 'dataset.target': value {target!r}: no such column; columns are {list(frame.columns)}"
        )
    features = spec.features or [c for c in frame.columns if c != target]
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise StudyError(f"{path}: field 'dataset.features': value {missing!r}: no such column(s)")
    if target in features:
        raise StudyError(f"{path}: field 'dataset.features': the target column {target!r} cannot be a feature too")
    for column in features:
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            if pd.api.types.is_bool_dtype(frame[column]):
                frame[column] = frame[column].astype(int)
                continue
            example = frame[column].dropna().iloc[0] if frame[column].notna().any() else None
            raise StudyError(
                f"{path}: field 'dataset.features': column {column!r} is not numeric (e.g. {example!r}); "
                "encode it as numbers or leave it out of 'features'"
            )
    labels = _check_target(frame, path, target, task_kind)
    return Prepared(
        frame=frame[[*features, target]].copy(),
        feature_columns=list(features),
        target_columns=[target],
        title=f"{path.name} (your file, {len(frame):,} rows)",
        origin=f"User-supplied file {path}",
        synthetic=False,
        encoding="standardize",
        input_shape=[len(features)],
        labels=labels,
        feature_ranges={c: FINITE for c in features},
        target_range=FINITE if task_kind == "regression" else None,
    )


def _check_target(frame: pd.DataFrame, path: Path, target: str, kind: str) -> list[int] | None:
    column = frame[target]
    if pd.api.types.is_bool_dtype(column):
        frame[target] = column = column.astype(int)
    if kind == "regression":
        if not pd.api.types.is_numeric_dtype(column):
            raise StudyError(f"{path}: field 'dataset.target': column {target!r} is not numeric, a regression needs numbers")
        return None
    values = column.dropna().unique()
    integral = pd.api.types.is_numeric_dtype(column) and np.all(np.mod(values, 1) == 0)
    if not integral:
        raise StudyError(
            f"{path}: field 'dataset.target': column {target!r} holds {sorted(map(str, values))[:5]}; "
            f"class labels must be integers 0..K-1 (binary: 0 and 1)"
        )
    found = sorted(int(v) for v in values)
    if kind == "binary":
        if not set(found) <= {0, 1}:
            raise StudyError(f"{path}: field 'dataset.target': column {target!r} holds {found}; a binary target is 0/1")
        return [0, 1]
    if found[0] < 0:
        raise StudyError(f"{path}: field 'dataset.target': column {target!r} holds {found[0]}; labels start at 0")
    return list(range(found[-1] + 1))
