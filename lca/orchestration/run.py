"""One execution of one study: where its files are, what it assumes, and this attempt's copies of its inputs.

Stages exchange only keys of the artefact store (:mod:`lca.storage`) through XCom,
never a path on the worker's disk. A stage fetches its inputs into a scratch folder
of its own on this host (removed when it returns, :func:`stage`), works on local
files, and stores its outputs back under the keys of :mod:`lca.run_layout`:
run again (an Airflow retry, a cleared task), it replaces them whole.
"""

from __future__ import annotations

import functools
import shutil
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lca.orchestration.run_settings import RunSettings, read_settings, source_of
from lca.orchestration.termination import honour_sigterm, raise_if_terminated
from lca.run_layout import RunLayout
from lca.storage import ArtifactStore, StoreError, join, new_scratch
from lca.study.loading import parse_study
from lca.study.schema import Study

_SCRATCH: ContextVar[Path | None] = ContextVar("lca_stage_scratch", default=None)


def stage(fn):
    """Run a stage in a scratch folder of its own under this host's cache, removed when it returns.

    Every stage starts here, so every stage honours SIGTERM (lca.orchestration.termination).
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        honour_sigterm()
        raise_if_terminated()
        scratch = new_scratch(fn.__name__)
        token = _SCRATCH.set(scratch)
        try:
            return fn(*args, **kwargs)
        finally:
            _SCRATCH.reset(token)
            shutil.rmtree(scratch, ignore_errors=True)

    return wrapper


@dataclass(frozen=True)
class Run:
    """One execution of one study: the keys of its files, and this attempt's local copies of them.

    ``study_name`` is the DAG's id, fixed when the DAG was built, so a run finds its folder
    without reading the study file. ``study_path`` is where the study's own files (a data
    file, model code) are found and the name its errors carry; only the first task reads
    the file itself (lca.orchestration.stages.settings), every later one the run's snapshot.
    """

    study_path: Path
    study_name: str
    run_id: str

    @cached_property
    def layout(self) -> RunLayout:
        return RunLayout.of(self.study_name, self.run_id)

    @cached_property
    def settings(self) -> RunSettings:
        return read_settings(self.store, self.layout)

    @cached_property
    def study(self) -> Study:
        """The study as this run assumes it: the snapshot the first task stored (the file with the run's overrides).

        Validated again as the file would be, on this host: relative paths resolve beside the
        study file, reference data are checked here.
        """
        from lca.study.bounded_yaml import load_yaml_text

        if not self.store.is_file(self.layout.study):
            raise StoreError(
                f"{self.layout.study!r} is not in the artefact store {self.store.url}: the run's first task "
                "(settings) stores the study every later task reads"
            )
        text = self.store.read_text(self.layout.study)
        return parse_study(load_yaml_text(text, self.study_path), self.study_path)

    @property
    def sampling(self) -> dict[str, float]:
        """Every stage is tracked at the study's sampling interval (lca.study.energy_windows)."""
        return {"measure_power_secs": self.study.benchmark.sampling_interval_seconds}

    @cached_property
    def source(self) -> RunLayout | None:
        """The earlier run whose measurements this run reuses (None: this run measures)."""
        return source_of(self.store, self.layout)

    @property
    def measured(self) -> RunLayout:
        """Where this run's measurements are: its own folder, or that of the run it reuses."""
        return self.source if self.source is not None else self.layout

    @cached_property
    def store(self) -> ArtifactStore:
        return ArtifactStore()

    @property
    def dir(self):
        """The run's folder in the store (a local path on a file:// root): for reading, e.g. in tests."""
        return self.store.path(self.layout.prefix)

    @property
    def scratch(self) -> Path:
        scratch = _SCRATCH.get()
        if scratch is None:
            raise RuntimeError("a Run's files are only reachable inside a stage (see lca.orchestration.run.stage)")
        return scratch

    def local(self, key: str) -> Path:
        """Where this attempt keeps its copy of ``key`` (the key's own layout, under the scratch folder)."""
        target = self.scratch.joinpath(*join(key).split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def put(self, key: str) -> str:
        """Store the output written at :meth:`local` ``(key)``; return ``key``."""
        return self.store.put(self.local(key), key)

    def save(self, record, key: str) -> str:
        """Write a record (anything with ``save(path)``) and store it under ``key``; return ``key``."""
        record.save(self.local(key))
        return self.put(key)

    def fetch(self, key: str) -> Path:
        """A local copy of ``key``, fetched from the store for this attempt."""
        return self.store.get(key, self.local(key))

    def load(self, record_type, key: str):
        """The record stored under ``key`` (a :class:`lca.records.base._Record` type): the one way a stage reads one.

        A damaged file fails with its key and this run's name (lca.errors.StoredArtefactError).
        """
        return record_type.load(self.fetch(key), key=key)

    def fetch_dataset(self, key: str) -> Path:
        """The prepared dataset and its card (which lca.ml.data reads beside it)."""
        from lca.ml.datasets.card import card_key

        local = self.fetch(key)
        self.fetch(card_key(key))
        return local

    def is_stored(self, key: str) -> bool:
        return self.store.is_file(key)

    def stored_files(self, folder_key: str, suffix: str) -> list[str]:
        """The keys of the files in a folder of the store (e.g. every variant record of a run)."""
        return self.store.list_files(folder_key, suffix)
