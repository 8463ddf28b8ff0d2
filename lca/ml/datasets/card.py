"""What a dataset source gives before its card is written, and where the card lives beside the data.

The card itself, :class:`lca.records.DatasetCard`, is a record: written next to
the CSV as ``<name>.card.json`` (:func:`card_path`), checked by the data gate,
read by the training and benchmark stages and printed by the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover - typing only; the stages import this module for card_key without pandas
    import pandas as pd

# Used when a column has no declared range: the gate then checks it is finite.
FINITE = (-1.7e308, 1.7e308)


@dataclass
class Prepared:
    """A source's table before the split, and the facts the card records about it."""

    frame: pd.DataFrame
    feature_columns: list[str]
    target_columns: list[str]
    title: str
    origin: str
    synthetic: bool
    # raw: fed as they are; item_ids: product ids (-1 for none) fed as 0/1 per product (lca.ml.data.load_split)
    encoding: Literal["image", "standardize", "raw", "item_ids"]
    input_shape: list[int]
    id_columns: list[str] = field(default_factory=list)
    labels: list[int] | None = None
    feature_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    target_range: tuple[float, float] | None = None
    target_unit: str = ""
    license: str = ""
    generator: str = ""


def card_path(dataset_path: str | Path) -> Path:
    path = Path(dataset_path)
    return path.with_name(path.stem + ".card.json")


def card_key(dataset_key: str) -> str:
    """The artefact-store key of a stored dataset's card: beside it, as :func:`card_path` is on disk."""
    return card_path(dataset_key).as_posix()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
