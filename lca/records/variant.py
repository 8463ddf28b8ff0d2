"""The record of a trained or compressed model in a run: what it is and what making it cost."""

from __future__ import annotations

from pydantic import ConfigDict

from lca.records.base import _Record


class Variant(_Record):
    """A trained or compressed model in the store, with what it is and what making it cost.

    ``model_path`` and ``energy_path`` are keys of the artefact store, not host paths; the
    field names are those of every stored ``models/<variant>.json``, so earlier runs stay readable.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    model_path: str
    description: str
    energy_path: str
