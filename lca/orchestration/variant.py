"""The record of a trained or compressed model in a run: what it is and what making it cost."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lca.records import as_readable


@dataclass(frozen=True)
class Variant:
    """A trained or compressed model in the store, with what it is and what making it cost.

    ``model_path`` and ``energy_path`` are keys of the artefact store, not host paths; the
    field names are those of every stored ``models/<variant>.json``, so earlier runs stay readable.
    """

    name: str
    model_path: str
    description: str
    energy_path: str

    def save(self, path: Path) -> str:
        path.write_text(json.dumps(self.__dict__, indent=2))
        return str(path)

    @classmethod
    def load(cls, path: str | Path) -> "Variant":
        return cls(**json.loads(as_readable(path).read_text()))
