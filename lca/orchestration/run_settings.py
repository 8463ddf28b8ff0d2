"""A run's own assumptions: the overrides it runs under and the earlier run whose measurements it reuses.

The first task of every run records them (``settings`` in :mod:`lca.run_layout`);
a run without that file (one older than what-if runs) assumes the study as written and
measures. A reassessment may reuse a reassessment: :func:`measured_run` follows the chain
back to the run that measured. Only a run whose data and benchmark gates passed can be
reused (:func:`check_source`).

Everything here works on keys of the artefact store, so it reads a run on any root.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from lca.errors import StudyError
from lca.run_layout import RunLayout
from lca.storage import ArtifactStore


class RunSettings(BaseModel):
    """What the run's Params (or ``lca-ml reassess --set/--from``) asked for, checked by the study schema."""

    model_config = ConfigDict(extra="ignore")

    overrides: dict[str, Any] = {}
    reuse_measurements_from: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.model_dump(), indent=2, default=str)


def read_settings(store: ArtifactStore, layout: RunLayout) -> RunSettings:
    if not store.is_file(layout.settings):
        return RunSettings()
    return RunSettings.model_validate(store.read_json(layout.settings))


def measured_run(store: ArtifactStore, layout: RunLayout) -> RunLayout:
    """The run that made the measurements: a reassessment of a reassessment leads back to it."""
    seen = set()
    while layout not in seen:
        seen.add(layout)
        source = read_settings(store, layout).reuse_measurements_from
        if not source:
            break
        layout = layout.sibling(source)
    return layout


def source_of(store: ArtifactStore, layout: RunLayout) -> RunLayout | None:
    """The run whose measurements this one reuses, or None for a run that measures."""
    source = read_settings(store, layout).reuse_measurements_from
    return measured_run(store, layout.sibling(source)) if source else None


def check_source(store: ArtifactStore, study_name: str, source: str, variants: list[str]) -> RunLayout:
    """The run to reuse; a clear error unless its data and benchmark gates passed."""
    where = f"reuse_measurements_from: value {source!r}"
    try:
        layout = RunLayout.of(study_name, source)
    except ValueError:
        raise StudyError(f"{where}: not a run id") from None
    if not store.path(layout.prefix).is_dir():
        parent = store.path(layout.prefix).parent
        raise StudyError(f"{where}: no run of study '{study_name}' in {parent}")
    layout = measured_run(store, layout)
    for gate, key in (("dataset", layout.dataset_gate), ("benchmarks", layout.benchmark_gate)):
        gate_result = store.read_json(key) if store.is_file(key) else {}
        if not isinstance(gate_result, dict) or not gate_result.get("success"):
            raise StudyError(
                f"{where}: its {gate} gate did not pass ({store.path(key)}); only checked measurements are reused"
            )
    missing = [v for v in variants if not store.is_file(layout.scored(v))]
    if missing:
        raise StudyError(
            f"{where}: it has no scored benchmark of variant(s) {', '.join(missing)} "
            f"({store.path(layout.scored_folder).parent})"
        )
    return layout
