"""Dataset preparation: real data that ships inside a package, written once per run.

The digits are scikit-learn's bundled copy of the UCI handwritten digits (no
download). The prepared table is a plain CSV with a ``split`` column so the
data gate, training and benchmarking all read the very same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lca.study import DatasetSpec

LABEL = "label"
SPLIT = "split"


@dataclass(frozen=True)
class DatasetSchema:
    """What the data gate expects of a prepared dataset."""

    feature_columns: list[str]
    label_column: str
    allowed_labels: list[int]
    value_range: tuple[float, float]
    image_shape: tuple[int, int]


DIGITS_SCHEMA = DatasetSchema(
    feature_columns=[f"pixel_{i}" for i in range(64)],
    label_column=LABEL,
    allowed_labels=list(range(10)),
    value_range=(0.0, 16.0),
    image_shape=(8, 8),
)


def schema_for(spec: DatasetSpec) -> DatasetSchema:
    return {"sklearn_digits": DIGITS_SCHEMA}[spec.builtin]


def prepare_dataset(spec: DatasetSpec, out_path: Path) -> Path:
    """Load the built-in dataset, split it reproducibly, and write it as CSV."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x, y = digits.data, digits.target
    if spec.max_rows is not None and spec.max_rows < len(y):
        rng = np.random.default_rng(spec.seed)
        keep = np.sort(rng.choice(len(y), size=spec.max_rows, replace=False))
        x, y = x[keep], y[keep]
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=spec.test_fraction, random_state=spec.seed, stratify=y
    )
    frame = pd.DataFrame(x, columns=DIGITS_SCHEMA.feature_columns)
    frame[LABEL] = y.astype(int)
    frame[SPLIT] = "train"
    frame.loc[idx_test, SPLIT] = "test"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_path, index=False)
    return out_path


def load_split(path: Path, split: str, schema: DatasetSchema) -> tuple[np.ndarray, np.ndarray]:
    """Features scaled to [0, 1] and shaped as images, and integer labels."""
    frame = pd.read_csv(path)
    part = frame[frame[SPLIT] == split]
    lo, hi = schema.value_range
    x = (part[schema.feature_columns].to_numpy(dtype=np.float32) - lo) / (hi - lo)
    x = x.reshape(len(part), 1, *schema.image_shape)
    return x, part[schema.label_column].to_numpy(dtype=np.int64)
