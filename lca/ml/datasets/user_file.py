"""The user's own dataset: a CSV or Parquet file with the target column named in the study.

Everything that can be wrong with such a file is reported with the file, the
study field and the offending value, before any training starts. The same checks
run twice: on the header and a sample when the study is validated
(:mod:`lca.ml.datasets.preflight`), and on the whole table in ``prepare_data``.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from lca.errors import StudyError
from lca.limits import MAX_COLUMNS
from lca.ml.datasets.card import FINITE, Prepared
from lca.study.error_messages import shown
from lca.study.machine_learning import DatasetSpec

PARQUET = (".parquet", ".pq")
# Fewer rows cannot give a stratified train/test split with a test set worth scoring.
MIN_ROWS = 20
# A CSV header line longer than this is not a header (a binary file, one giant line).
_MAX_HEADER_BYTES = 1024 * 1024


def read_header(path: Path) -> list[str]:
    """The column names exactly as the file spells them (pandas would rename a duplicate to ``a.1``)."""
    if path.suffix.lower() in PARQUET:
        try:
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        except ImportError as exc:
            raise StudyError(f"{path}: cannot read Parquet without pyarrow ({exc})") from None
        except (OSError, ValueError) as exc:
            raise StudyError(f"{path}: field 'dataset.file': cannot read it as Parquet: {exc}") from None
    try:
        with path.open("rb") as fh:
            raw = fh.readline(_MAX_HEADER_BYTES + 1)
    except OSError as exc:
        raise StudyError(f"{path}: field 'dataset.file': cannot read it: {exc.strerror}") from None
    if len(raw) > _MAX_HEADER_BYTES:
        raise StudyError(
            f"{path}: field 'dataset.file': the first line is over {_MAX_HEADER_BYTES:,} bytes; not a CSV header"
        )
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudyError(
            f"{path}: field 'dataset.file': not UTF-8 text: byte {exc.start} of the header is "
            f"{raw[exc.start : exc.start + 4]!r}; save the CSV as UTF-8"
        ) from None
    if not line.strip():
        raise StudyError(f"{path}: field 'dataset.file': the file is empty; a CSV needs a header line and rows")
    return next(csv.reader([line]))


def check_header(columns: list[str], path: Path) -> None:
    """Unique, non-blank column names: no silent renaming, no guessing which column is meant."""
    if len(columns) > MAX_COLUMNS:
        raise StudyError(
            f"{path}: field 'dataset.file': {len(columns):,} columns, more than the limit of {MAX_COLUMNS:,}"
        )
    blank = [i + 1 for i, c in enumerate(columns) if not str(c).strip()]
    if blank:
        raise StudyError(
            f"{path}: field 'dataset.file': column(s) {blank} of the header have no name; name every column"
        )
    dupes = sorted(name for name, n in Counter(columns).items() if n > 1)
    if dupes:
        raise StudyError(
            f"{path}: field 'dataset.file': value {dupes!r}: column name(s) given more than once in the header; "
            "rename them (pandas would silently rename the second to 'name.1')"
        )


def read_table(path: Path, nrows: int | None = None, usecols: list[str] | None = None) -> pd.DataFrame:
    try:
        if path.suffix.lower() in PARQUET:
            frame = pd.read_parquet(path, columns=usecols)
            return frame.head(nrows) if nrows is not None else frame
        return pd.read_csv(path, nrows=nrows, usecols=usecols)
    except ImportError as exc:  # Parquet needs pyarrow
        raise StudyError(f"{path}: cannot read Parquet without pyarrow ({exc})") from None
    except pd.errors.EmptyDataError:
        raise StudyError(
            f"{path}: field 'dataset.file': the file is empty; a CSV needs a header line and rows"
        ) from None
    except UnicodeDecodeError as exc:
        raise StudyError(f"{path}: field 'dataset.file': not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise StudyError(f"{path}: field 'dataset.file': cannot read it as a table: {exc}") from None


def check_rows(n_rows: int, path: Path) -> None:
    if n_rows == 0:
        raise StudyError(f"{path}: field 'dataset.file': the file has a header but no rows; add the data rows")
    if n_rows < MIN_ROWS:
        raise StudyError(
            f"{path}: field 'dataset.file': {n_rows} row(s), fewer than the {MIN_ROWS} a train/test split needs"
        )


def check_columns(frame: pd.DataFrame, spec: DatasetSpec, path: Path) -> list[str]:
    """The feature columns, checked to exist and be numeric (booleans become 0/1 in ``frame``)."""
    target = spec.target
    if target not in frame.columns:
        raise StudyError(
            f"{path}: field 'dataset.target': value {target!r}: no such column; columns are "
            f"{shown(list(frame.columns))}"
        )
    features = spec.features or [c for c in frame.columns if c != target]
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise StudyError(f"{path}: field 'dataset.features': value {shown(missing)}: no such column(s)")
    if target in features:
        raise StudyError(f"{path}: field 'dataset.features': the target column {target!r} cannot be a feature too")
    for column in features:
        if pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = frame[column].astype(int)
            continue
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise StudyError(
                f"{path}: field 'dataset.features': column {column!r} is not numeric "
                f"(e.g. {shown(first_non_numeric(frame[column]))}); encode it as numbers or leave it out of 'features'"
            )
        if frame[column].isna().any():  # pandas reads '', 'NA', 'n/a', 'null'... as missing
            row = int(np.flatnonzero(frame[column].isna().to_numpy())[0])
            raise StudyError(
                f"{path}: field 'dataset.features': column {column!r} has no value in data row {row + 1}; "
                "fill in or drop rows with missing values (the model needs a number in every cell)"
            )
    return list(features)


def first_non_numeric(column: pd.Series):
    """The first value that is not a number: the text a user must fix, not a number beside it."""
    values = column.dropna()
    bad = values[pd.to_numeric(values, errors="coerce").isna()]
    return bad.iloc[0] if len(bad) else (values.iloc[0] if len(values) else None)


def load(spec: DatasetSpec, task_kind: str) -> Prepared:
    path = Path(spec.file)
    check_header(read_header(path), path)
    frame = read_table(path)
    check_rows(len(frame), path)
    target = spec.target
    features = check_columns(frame, spec, path)
    labels = check_target(frame, path, target, task_kind)
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


def check_target(frame: pd.DataFrame, path: Path, target: str, kind: str) -> list[int] | None:
    """The class labels of a classification target (None for a regression), refused when they cannot train."""
    column = frame[target]
    if pd.api.types.is_bool_dtype(column):
        frame[target] = column = column.astype(int)
    if kind == "regression":
        if not pd.api.types.is_numeric_dtype(column):
            raise StudyError(
                f"{path}: field 'dataset.target': column {target!r} is not numeric "
                f"(e.g. {shown(first_non_numeric(column))}), a regression needs numbers"
            )
        return None
    if column.isna().any():
        row = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise StudyError(
            f"{path}: field 'dataset.target': column {target!r} is empty in data row {row + 1}; every row needs a label"
        )
    values = column.unique()
    integral = pd.api.types.is_numeric_dtype(column) and np.all(np.mod(values, 1) == 0)
    if not integral:
        raise StudyError(
            f"{path}: field 'dataset.target': column {target!r} holds {sorted(map(str, values))[:5]}; "
            f"class labels must be integers 0..K-1 (binary: 0 and 1)"
        )
    counts = column.astype(int).value_counts().sort_index()
    found = [int(v) for v in counts.index]
    if kind == "binary" and not set(found) <= {0, 1}:
        raise StudyError(f"{path}: field 'dataset.target': column {target!r} holds {found}; a binary target is 0/1")
    if found[0] < 0:
        raise StudyError(f"{path}: field 'dataset.target': column {target!r} holds {found[0]}; labels start at 0")
    if len(found) < 2:
        raise StudyError(
            f"{path}: field 'dataset.target': column {target!r} holds only the class {found[0]}; "
            "a classifier needs at least two classes (no quality metric can be computed on one)"
        )
    rare = {label: int(n) for label, n in counts.items() if n < 2}
    if rare:
        raise StudyError(
            f"{path}: field 'dataset.target': class(es) {sorted(rare)} of column {target!r} appear only once; "
            "a stratified train/test split needs each class at least twice"
        )
    return [0, 1] if kind == "binary" else list(range(found[-1] + 1))
