"""Dataset preparation: one table per run, split once, written with its card.

Sources (:mod:`lca.ml.datasets`): scikit-learn's bundled digits (real), two
SYNTHETIC generators (fraud screening, grid load) and the user's own CSV or
Parquet file. The prepared table is a CSV with a ``split`` column (``train``,
``validation``, ``test``) so the data gate, training, routing and benchmarking all
read the very same rows; the validation rows are carved from the non-test rows
before anything is trained, so the routing threshold is chosen on items the model
never saw and never on the test set (:mod:`lca.ml.routing`); its card
(``<name>.card.json``) says what it is and what it must look like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lca.errors import StudyError
from lca.ml.datasets.card import Prepared, card_path, sha256
from lca.records import DatasetCard
from lca.study.machine_learning import BUILTIN_DATASETS, DatasetSpec

LABEL = "label"  # the digits' target column
SPLIT = "split"
CHRONOLOGICAL = ("synthetic_grid_load", "synthetic_stock_demand")  # forecasts: the test set is the last weeks


@dataclass(frozen=True)
class DatasetSchema:
    """What the data gate expects of a prepared dataset (kept for callers of the digits-only API)."""

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


def dataset_filename(spec: DatasetSpec) -> str:
    """Generated data say so in their very file name."""
    return "dataset_SYNTHETIC.csv" if spec.synthetic else "dataset.csv"


def _source(spec: DatasetSpec, task_kind: str) -> Prepared:
    if spec.builtin == "sklearn_digits":
        from lca.ml.datasets import digits

        return digits.load()
    if spec.builtin == "synthetic_fraud":
        from lca.ml.datasets import synthetic_fraud

        return synthetic_fraud.load(spec.rows, spec.seed)
    if spec.builtin == "synthetic_grid_load":
        from lca.ml.datasets import synthetic_grid_load

        return synthetic_grid_load.load(spec.rows, spec.seed)
    if spec.builtin == "synthetic_stock_demand":
        from lca.ml.datasets import synthetic_stock_demand

        return synthetic_stock_demand.load(spec.rows, spec.seed)
    if spec.builtin == "synthetic_purchases":
        from lca.ml.datasets import synthetic_purchases

        return synthetic_purchases.load(spec.rows, spec.seed)
    if spec.builtin == "synthetic_customers":
        from lca.ml.datasets import synthetic_customers

        return synthetic_customers.load(spec.rows, spec.seed)
    from lca.ml.datasets import user_file

    return user_file.load(spec, task_kind)


def prepare_dataset(spec: DatasetSpec, out_path: Path, task_kind: str | None = None) -> Path:
    """Load or generate the dataset, split it reproducibly, write it as CSV with its card."""
    kind = task_kind or BUILTIN_DATASETS[spec.builtin]
    prepared = _source(spec, kind)
    frame = prepared.frame.reset_index(drop=True)
    method = spec.split or ("chronological" if spec.builtin in CHRONOLOGICAL else "random")
    if spec.max_rows is not None and spec.max_rows < len(frame):
        if method == "chronological":  # keep a contiguous stretch of time
            frame = frame.iloc[-spec.max_rows :].reset_index(drop=True)
        else:
            rng = np.random.default_rng(spec.seed)
            frame = frame.iloc[np.sort(rng.choice(len(frame), size=spec.max_rows, replace=False))].reset_index(
                drop=True
            )
    test = _test_rows(frame, prepared, kind, method, spec)
    frame[SPLIT] = "train"
    frame.loc[test, SPLIT] = "test"
    frame.loc[_validation_rows(frame, prepared, kind, method, spec), SPLIT] = "validation"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_path, index=False)
    DatasetCard(
        name=spec.builtin or Path(spec.file).stem,
        title=prepared.title,
        synthetic=prepared.synthetic,
        origin=prepared.origin,
        license=prepared.license,
        generator=prepared.generator,
        task=kind,
        feature_columns=prepared.feature_columns,
        target_columns=prepared.target_columns,
        id_columns=prepared.id_columns,
        labels=prepared.labels,
        feature_ranges=prepared.feature_ranges,
        target_range=prepared.target_range,
        target_unit=prepared.target_unit,
        encoding=prepared.encoding,
        input_shape=prepared.input_shape,
        split_method=method,
        seed=spec.seed,
        n_train=int((frame[SPLIT] == "train").sum()),
        n_test=int((frame[SPLIT] == "test").sum()),
        n_validation=int((frame[SPLIT] == "validation").sum()),
        file_sha256=sha256(out_path),
    ).save(card_path(out_path))
    return out_path


def _test_rows(frame: pd.DataFrame, prepared: Prepared, kind: str, method: str, spec: DatasetSpec) -> np.ndarray:
    n_test = max(1, int(round(len(frame) * spec.test_fraction)))
    if method == "chronological":  # the future is never in the training set
        return np.arange(len(frame) - n_test, len(frame))
    from sklearn.model_selection import train_test_split

    # Stratified for classification; a next-purchase or segment target is not a class to balance.
    stratify = frame[prepared.target_columns[0]] if kind in ("multiclass", "binary") else None
    _, test = train_test_split(
        np.arange(len(frame)), test_size=spec.test_fraction, random_state=spec.seed, stratify=stratify
    )
    return np.sort(test)


def _validation_rows(frame: pd.DataFrame, prepared: Prepared, kind: str, method: str, spec: DatasetSpec) -> np.ndarray:
    """``validation_fraction`` of the non-test rows, chosen with the dataset seed like the test rows.

    Chronological data keep time order: the validation rows are the last ones before the test rows.
    """
    rest = np.flatnonzero(frame[SPLIT].to_numpy() == "train")
    n_validation = int(round(len(rest) * (spec.validation_fraction or 0.0)))
    if n_validation == 0:
        return rest[:0]
    if method == "chronological":
        return rest[-n_validation:]
    from sklearn.model_selection import train_test_split

    stratify = frame[prepared.target_columns[0]].to_numpy()[rest] if kind in ("multiclass", "binary") else None
    _, validation = train_test_split(rest, test_size=n_validation, random_state=spec.seed, stratify=stratify)
    return np.sort(validation)


def load_card(dataset_path: str | Path) -> DatasetCard:
    path = card_path(dataset_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the dataset card is missing; prepare the dataset again")
    return DatasetCard.load(path)


@dataclass
class Split:
    """One split as the model sees it (``x``, ``y``) and as the metrics judge it (``y_true``).

    Regression targets are standardised for training; :meth:`decode` maps model
    outputs back to the target's unit.
    """

    x: np.ndarray
    y: np.ndarray
    y_true: np.ndarray
    target_mean: np.ndarray | None = None
    target_std: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        if self.target_mean is None:
            return outputs
        return outputs.reshape(len(outputs), -1) * self.target_std + self.target_mean


def load_split(path: str | Path, split: str, card: DatasetCard | None = None) -> Split:
    """Features encoded for the model (scaled images, or standardised with the training split's statistics)."""
    card = card or load_card(path)
    frame = pd.read_csv(path)
    train = frame[frame[SPLIT] == "train"]
    part = frame[frame[SPLIT] == split]
    raw = part[card.feature_columns].to_numpy(dtype=np.float32)
    if card.encoding == "image":
        lo, hi = card.feature_ranges[card.feature_columns[0]]
        x = ((raw - lo) / (hi - lo)).reshape(len(part), *card.input_shape)
    elif card.encoding == "raw":
        x = raw
    elif card.encoding == "item_ids":  # purchase histories as ids: the model reads (and masks) 0/1 per product
        from lca.ml.datasets.synthetic_purchases import multi_hot

        x = multi_hot(raw, card.input_shape[0])
    else:
        mean, std = _stats(train[card.feature_columns].to_numpy(dtype=np.float64))
        x = ((raw - mean) / std).astype(np.float32)
    targets = part[card.target_columns].to_numpy()
    if card.task != "regression":
        labels = targets[:, 0].astype(np.int64)
        return Split(x=x, y=labels, y_true=labels)
    mean, std = _stats(train[card.target_columns].to_numpy(dtype=np.float64))
    y_true = targets.astype(np.float64)
    y = ((y_true - mean) / std).astype(np.float32)
    return Split(x=x, y=y, y_true=y_true if y_true.shape[1] > 1 else y_true[:, 0], target_mean=mean, target_std=std)


def feature_stats(path: str | Path, card: DatasetCard) -> tuple[np.ndarray, np.ndarray]:
    """The training features' mean and spread that :func:`load_split` standardises with (to undo it)."""
    frame = pd.read_csv(path)
    return _stats(frame[frame[SPLIT] == "train"][card.feature_columns].to_numpy(dtype=np.float64))


def _stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    return mean.astype(np.float32), np.where(std > 0, std, 1.0).astype(np.float32)


def seasonal_floor(path: str | Path, split: str, columns: list[str], card: DatasetCard | None = None) -> np.ndarray:
    """The seasonal naive forecast of each item of ``split`` as the dataset holds it (raw, in the target's unit).

    ``columns`` (``baselines.seasonal_floor``) name, per target column, the feature column holding
    its value one season earlier; read unscaled, so the floor is scored as the data give it.
    """
    card = card or load_card(path)
    missing = [c for c in columns if c not in card.feature_columns]
    if missing or len(columns) != len(card.target_columns):
        raise StudyError(
            f"baselines.seasonal_floor: value {columns} must name one feature column per target column "
            f"{list(card.target_columns)} of dataset {Path(path).name}"
            + (f"; {missing} are not among its feature columns {list(card.feature_columns)}" if missing else "")
        )
    frame = pd.read_csv(path, usecols=[SPLIT, *columns])
    return frame.loc[frame[SPLIT] == split, columns].to_numpy(dtype=np.float64)
