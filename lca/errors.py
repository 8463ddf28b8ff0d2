"""Errors a user can act on. Each message names the file, the field and the value at fault."""

from __future__ import annotations

from types import TracebackType


class LcaError(Exception):
    """Base class: anything the project raises on purpose."""


class DeterministicError(LcaError):
    """The same inputs would fail the same way: a retry only repeats it, so the task fails at once.

    A marker base rather than a list of types in the DAG factory, so that a new error of the
    product says where it belongs when it is declared (:func:`is_deterministic`).
    """


class StudyError(DeterministicError):
    """A study file (or a file it points to) is malformed."""


class ReferenceDataError(DeterministicError):
    """A reference-data file under include/ is malformed or lacks a needed entry."""


class DataQualityError(DeterministicError):
    """A Great Expectations gate failed; the message lists every failed expectation."""


class CompressionError(DeterministicError):
    """A compression method cannot apply to the model it was given."""


class OutputExistsError(DeterministicError):
    """A run would overwrite the results of an earlier run."""


class MeasurementError(DeterministicError):
    """An energy measurement contradicts itself (e.g. idle power above the power under load)."""


class SettingsError(DeterministicError, ValueError):
    """An environment variable (``LCA_HOME``, ``LCA_FOREGROUND_KEEP``...) holds a value the product cannot use.

    A ValueError too, for callers that catch one.
    """


class StoredArtefactError(DeterministicError):
    """A file of the artefact store is there but cannot be read (truncated, corrupt, of another format).

    Carries the store key and, for a run's file, the run, so the message says which object to
    restore or which run to redo instead of naming a scratch copy.
    """

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.run = run_of_key(key)
        where = f" of run {self.run!r}" if self.run else ""
        super().__init__(
            f"stored artefact {key!r}{where} is unreadable: {reason}. It was damaged after it was written "
            "(a truncated copy, a disk fault); restore it from a backup, or run the study again"
        )


def run_of_key(key: str) -> str | None:
    """The run a store key belongs to: ``runs/<study>/<run>/...`` or ``reports/<study>/<run>/...``."""
    parts = key.split("/")
    if len(parts) >= 4 and parts[0] in ("runs", "reports") and not parts[2].startswith("."):
        return parts[2]
    return None


def is_deterministic(exc: BaseException) -> bool:
    """Whether retrying the task that raised ``exc`` can only repeat it.

    The product's own errors declare it (:class:`DeterministicError`). A plain ``ValueError``
    counts when the product's own code raised it (one of its checks); the same type raised
    inside a library (a parser, a solver, a network client) may come from a transient state
    and is retried, as every other exception is (a lost connection, a killed worker, a full disk).
    """
    if isinstance(exc, DeterministicError):
        return True
    return isinstance(exc, ValueError) and _raised_in_product(exc.__traceback__)


def _raised_in_product(tb: TracebackType | None) -> bool:
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module == "lca" or module.startswith("lca.")
