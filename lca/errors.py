"""Errors a user can act on. Each message names the file, the field and the value at fault."""


class LcaError(Exception):
    """Base class: anything the project raises on purpose."""


class StudyError(LcaError):
    """A study file (or a file it points to) is malformed."""


class ReferenceDataError(LcaError):
    """A reference-data file under include/ is malformed or lacks a needed entry."""


class DataQualityError(LcaError):
    """A Great Expectations gate failed; the message lists every failed expectation."""


class CompressionError(LcaError):
    """A compression method cannot apply to the model it was given."""


class OutputExistsError(LcaError):
    """A run would overwrite the results of an earlier run."""


class MeasurementError(LcaError):
    """An energy measurement contradicts itself (e.g. idle power above the power under load)."""


class SettingsError(LcaError, ValueError):
    """An environment variable (``LCA_HOME``, ``LCA_FOREGROUND_KEEP``...) holds a value the product cannot use.

    A ValueError too: a bad setting is deterministic, so a retry would only repeat it.
    """
