"""The card that travels with every prepared dataset: what it is, where it comes from, what it must look like.

Written next to the CSV as ``<name>.card.json`` (:func:`lca.ml.datasets.card.card_path`).
The data gate checks the table against it, the training and benchmark stages
read shapes and encodings from it, and the report prints its provenance, with a
SYNTHETIC banner when the data were generated rather than collected.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lca.records.base import _Record


class DatasetCard(_Record):
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
    encoding: Literal["image", "standardize", "raw", "item_ids"] = Field(
        description="how load_split feeds the features: scaled images, standardised, as they are, or product ids "
        "turned into 0/1 per product (input_shape[0] products)"
    )
    input_shape: list[int]
    split_method: Literal["random", "chronological"]
    seed: int
    n_train: int
    n_test: int
    n_validation: int = Field(default=0, description="rows held out of training to choose the routing threshold")
    file_sha256: str

    @property
    def n_classes(self) -> int | None:
        return len(self.labels) if self.labels is not None else None

    def banner(self) -> str:
        """One line for logs and reports; SYNTHETIC first so nobody mistakes it for field data."""
        kind = "SYNTHETIC data" if self.synthetic else "Real data"
        return f"{kind}: {self.title}. {self.origin}"
