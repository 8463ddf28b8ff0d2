"""Edited copies of study files, for tests that need one field changed."""

from __future__ import annotations

from pathlib import Path

import yaml


def edited_copy(source: Path, folder: Path, **changes) -> Path:
    """Copy ``source`` into ``folder`` as study.yaml with fields replaced; ``a__b=v`` sets ``a.b``."""
    data = yaml.safe_load(source.read_text())
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[leaf] = value
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
