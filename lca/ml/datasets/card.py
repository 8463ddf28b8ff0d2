"""The card that travels with every prepared dataset: what it is, where it comes from, what it must look like.

Written next to the CSV as ``<name>.card.json``. The data gate checks the table
against it, the training and benchmark stages read shapes and encodings from
it, and the report prints its provenance, with a SYNTHETIC banner when the data
were generated rather than collected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # pragma: no cover - typing only; the report imports this module without pandas
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
    encoding: Literal["image", "standardize", "raw"]  # raw: 0/1 purchase histories, fed as they are
    input_shape: list[int]
    id_columns: list[str] = field(default_factory=list)
    labels: list[int] | None = None
    feature_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    target_range: tuple[float, float] | None = None
    target_unit: str = ""
    license: str = ""
    generator: str = ""


class DatasetCard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    synthetic: bool
    origin: str = Field(description="citation of a real dataset, or the generator that made a synthetic one")
    license: str = ""
    generator: str = ""
    task: Literal["multiclass", "binary", "regression", "ranking", "clustering"]
    feature_columns: list[str]
    target_columns: list[str]
    id_columns: list[str] = Field(default_factory=list, description="bookkeeping columns, neither feature nor target")
    labels: list[int] | None = None
    feature_ranges: dict[str, tuple[float, float]]
    target_range: tuple[float, float] | None = None
    target_unit: str = ""
    encoding: Literal["image", "standardize", "raw"]
    input_shape: list[int]
    split_method: Literal["random", "chronological"]
    seed: int
    n_train: int
    n_test: int
    file_sha256: str

    @property
    def n_classes(self) -> int | None:
        return len(self.labels) if self.labels is not None else None

    def banner(self) -> str:
        """One line for logs and reports; SYNTHETIC first so nobody mistakes it for field data."""
        kind = "SYNTHETIC data" if self.synthetic else "Real data"
        return f"{kind}: {self.title}. {self.origin}"

    def save(self, path: Path) -> Path:
        path.write_text(self.model_dump_json(indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path) -> DatasetCard:
        return cls.model_validate(json.loads(Path(path).read_text()))


def card_path(dataset_path: str | Path) -> Path:
    path = Path(dataset_path)
    return path.with_name(path.stem + ".card.json")


def card_key(dataset_key: str) -> str:
    """The artefact-store key of a stored dataset's card: beside it, as :func:`card_path` is on disk."""
    return card_path(dataset_key).as_posix()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
