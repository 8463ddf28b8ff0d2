"""The one way a record is written and read: pydantic JSON, written atomically.

Tasks exchange store keys through XCom; the files behind them hold records as
JSON, so every number keeps its provenance (how it was measured, on what
hardware, with what uncertainty) from the measurement to the report. Every
record derives from :class:`_Record`, so every record file is written the same
way: a half-written file is never left where a later task or a reader of an
earlier run would take it for a whole one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from lca.errors import StoredArtefactError


class _Record(BaseModel):
    """A persisted record: unknown fields are refused, so a misspelt or stale field fails on reading."""

    model_config = ConfigDict(extra="forbid")

    def save(self, path: Path) -> Path:
        """Write beside ``path`` and rename over it, so a crash leaves the old file or the new one, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls: type[_R], path: str | Path, *, key: str | None = None) -> _R:
        """From a local file, or from a path of the artefact store (a ``upath.UPath``, read in place).

        ``key`` is the store key the file was fetched from (a stage reads a scratch copy): a
        truncated, corrupt or foreign file fails with :class:`~lca.errors.StoredArtefactError`
        naming that key and its run, not with a parser's traceback naming the copy.
        """
        name = key or str(path)
        try:
            return cls.model_validate(json.loads(as_readable(path).read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(the whole record)"
            reason = f"not a {cls.__name__} record: field {where!r}: {first['msg']} ({exc.error_count()} error(s))"
        raise StoredArtefactError(name, reason)


def as_readable(path: Any) -> Any:
    """``path`` itself when it can read itself (pathlib or upath), else a local ``Path``."""
    return path if hasattr(path, "read_text") else Path(path)


_R = TypeVar("_R", bound=_Record)
