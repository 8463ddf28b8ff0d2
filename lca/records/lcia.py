"""Characterised scores of a run's scenarios, as Brightway computed them (:mod:`lca.assessment.brightway.lcia`)."""

from __future__ import annotations

from pydantic import Field

from lca.records.base import _Record


def method_key(method) -> str:
    """A method name as one string (JSON keys cannot be tuples)."""
    return " | ".join(method)


class ImpactScore(_Record):
    scenario: str
    method: tuple[str, ...]
    unit: str
    score: float


class StageScore(_Record):
    """Score of one life-cycle stage of a scenario; a scenario's stages add up to its score."""

    scenario: str
    stage: str
    method: tuple[str, ...]
    unit: str
    score: float


class LciaResults(_Record):
    study: str
    run_id: str
    scores: list[ImpactScore]
    brightway_project: str
    foreground_database: str
    stages: list[StageScore] = Field(default_factory=list, description="contribution of each life-cycle stage")
    engine_max_rel_diff: float | None = Field(
        default=None, description="largest relative gap between lca.assessment.engine and Brightway on these scores"
    )
