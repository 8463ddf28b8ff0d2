"""The history of a study across its runs: ``reports/<study>/history.parquet`` and ``history.html``.

A scheduled study is read as a series: did the result move since last week, by more
than its uncertainty, and if so what changed: the study file, a reference data file,
the code, the energy method, the host, or a what-if override? Every completed run
appends one row per scenario and impact category (its score and Monte Carlo 95 %
interval) with the fingerprints of what it used. The report's own ``results.csv`` is
the source of the numbers: nothing is recomputed here.

Everything goes through the artefact store (:mod:`lca.storage`), so the history works
on an object-store root as on a file system, and never needs a rename or a lock to be
right:

* each run stores its rows once, as its own object ``reports/<study>/.history/<run>.parquet``
  (dot-named: neither listed as a run nor served). A retry finds it there and keeps it,
  so earlier rows are never changed and two runs never write the same object;
* ``history.parquet`` (all runs), the charts and ``history.html`` are then rebuilt from
  those objects and stored, each write atomic, the page last. On a ``file://`` root a lock
  file serialises rebuilds, so the last one sees every run. An object store has no
  locks: a rebuild lists the runs again after writing and starts over if one was added
  meanwhile; should two rebuilds still cross, the table misses a run only until the next
  run rebuilds it, since each run's own object is the record.

Every file but the per-run objects is derived, so it heals: a ``history.parquet`` that is
missing or unreadable (truncated, corrupt) is rebuilt from the per-run objects with a warning
naming its key, and the charts and page are rewritten by every rebuild. A per-run object that
is unreadable is left out of the rebuild with a warning naming its key, rather than failing
every later run of the study. The page itself is :mod:`lca.reporting.history_page`.

A ``history.parquet`` written before the per-run objects existed is read as well: its runs
completed before the first per-run object are kept (a later row without its object is one
that a failed report left behind, lca.orchestration.stages.report, and is dropped).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lca import __version__
from lca.reporting.history_page import HISTORY_CSV, compared_runs, history_chart, history_csv, render_page
from lca.settings import REPO_ROOT, current_host, reference_data_dir, safe_name
from lca.storage import REPORTS, ArtifactStore, is_local, join, new_scratch

log = logging.getLogger(__name__)

HISTORY_PARQUET = "history.parquet"
HISTORY_HTML = "history.html"
LOCK = ".history.lock"
ROWS_FOLDER = ".history"
LOCK_TIMEOUT_S = 120

COLUMNS = (
    "run_id",
    "run_folder",
    "completed_at",
    "study",
    "scenario",
    "label",
    "is_reference",
    "method",
    "unit",
    "score",
    "mc_median",
    "mc_p2_5",
    "mc_p97_5",
    "study_sha256",
    "reference_data",
    "code_version",
    "energy_method",
    "host",
    "source_run",
    "overrides",
)
# What a run used, compared with the previous run to say why a result moved.
INPUTS = ("study_sha256", "reference_data", "code_version", "energy_method", "host", "overrides", "source_run")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def reference_data_hashes(folder: Path | None = None) -> dict[str, str]:
    """sha256 of every reference data file, by its path under include/data."""
    folder = Path(folder or reference_data_dir())
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@functools.cache
def code_version() -> str:
    """``git describe`` of the checkout when there is one (with -dirty for local edits), else the package version."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        described = out.stdout.strip()
        if described:
            return f"{__version__}+{described}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def history_rows(
    results_csv: Path,
    *,
    study_name: str,
    study_path: Path,
    run_id: str,
    run_folder: str,
    source_run: str | None = None,
    overrides: dict[str, Any] | None = None,
    completed_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per scenario and category of a finished report (its ``results.csv``), with the run's fingerprints."""
    import pandas as pd

    results = pd.read_csv(results_csv)
    methods = sorted({m for m in results["energy_method"].dropna().astype(str) if m})
    stamp = (completed_at or datetime.now(UTC)).isoformat(timespec="seconds")
    common = {
        "run_id": run_id,
        "run_folder": run_folder,
        "completed_at": stamp,
        "study": study_name,
        "study_sha256": sha256_file(study_path),
        "reference_data": json.dumps(reference_data_hashes(), sort_keys=True),
        "code_version": code_version(),
        "energy_method": ", ".join(methods) or "none",
        "host": current_host(),
        "source_run": source_run or "",
        "overrides": json.dumps(overrides or {}, sort_keys=True, default=str),
    }
    rows = []
    for r in results.to_dict("records"):
        rows.append(
            {
                **common,
                "scenario": r["scenario"],
                "label": r["label"],
                "is_reference": bool(r["is_reference"]),
                "method": r["method"],
                "unit": r["unit"],
                "score": float(r["score"]),
                **{k: (None if pd.isna(r.get(k)) else float(r[k])) for k in ("mc_median", "mc_p2_5", "mc_p97_5")},
            }
        )
    return rows


def rows_key(study_name: str, run_id: str) -> str:
    return join(REPORTS, study_name, ROWS_FOLDER, f"{safe_name(run_id)}.parquet")


def append(store: ArtifactStore, study_name: str, rows: list[dict[str, Any]]) -> str:
    """Store a run's rows as its own object, once; a run already there is kept as is. Returns its key."""
    import pandas as pd

    run_ids = {r["run_id"] for r in rows}
    if len(run_ids) != 1:
        raise ValueError(f"history rows of one run expected, got runs {sorted(run_ids)}")
    key = rows_key(study_name, run_ids.pop())
    if store.is_file(key):
        return key
    scratch = new_scratch("history_rows")
    try:
        local = scratch / "rows.parquet"
        pd.DataFrame(rows, columns=list(COLUMNS)).to_parquet(local, index=False)
        return store.put(local, key)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def forget(store: ArtifactStore, study_name: str, run_id: str) -> None:
    """Remove a run's rows: its report was not published after all (lca.orchestration.stages.report)."""
    store.remove_tree(rows_key(study_name, run_id))


def _row_keys(store: ArtifactStore, study_name: str) -> list[str]:
    return store.list_files(join(REPORTS, study_name, ROWS_FOLDER), suffix=".parquet")


def _read(store: ArtifactStore, key: str, local: Path, what: str):
    """The stored Parquet table ``key``, or None (with a warning naming the key) when it cannot be read."""
    import pandas as pd

    try:
        return pd.read_parquet(store.get(key, local))
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError; a truncated file too
        reason = str(exc).replace(str(local), key)  # the parser names this host's copy
        log.warning("history: stored object %r is unreadable (%s: %s); %s", key, type(exc).__name__, reason, what)
        return None


def load(store: ArtifactStore, study_name: str, keys: list[str] | None = None):
    """Every run's rows, in the order they were appended: the per-run objects, plus runs of an older table."""
    import pandas as pd

    keys = _row_keys(store, study_name) if keys is None else keys
    scratch = new_scratch("history_load")
    try:
        parts = [_read(store, k, scratch / f"{i}.parquet", "that run is left out") for i, k in enumerate(keys)]
        parts = [p for p in parts if p is not None]
        table_key = join(REPORTS, study_name, HISTORY_PARQUET)
        old = None
        if store.is_file(table_key):  # runs recorded before the per-run objects, or by an older version
            old = _read(store, table_key, scratch / HISTORY_PARQUET, "rebuilt from the per-run objects")
        if old is not None and len(old):
            seen = set().union(*(set(p["run_id"]) for p in parts)) if parts else set()
            first = min((p["completed_at"].min() for p in parts if len(p)), default=None)
            older = ~old["run_id"].isin(seen) & (old["completed_at"] < first if first is not None else True)
            parts.insert(0, old[older])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(parts, ignore_index=True).sort_values("completed_at", kind="stable", ignore_index=True)


def record_run(
    results_csv: Path,
    *,
    study_name: str,
    study_path: Path,
    run_id: str,
    run_folder: str,
    source_run: str | None = None,
    overrides: dict[str, Any] | None = None,
    store: ArtifactStore | None = None,
) -> str:
    """Append a finished run (its report's ``results.csv``, a local file) to its study's history and rebuild
    the history page; return the page's key."""
    store = store or ArtifactStore()
    rows = history_rows(
        Path(results_csv),
        study_name=study_name,
        study_path=Path(study_path),
        run_id=run_id,
        source_run=source_run,
        overrides=overrides,
        run_folder=run_folder,
    )
    append(store, study_name, rows)
    return rebuild(store, study_name)


def rebuild(store: ArtifactStore, study_name: str, attempts: int = 3) -> str:
    """Store ``history.parquet``, the charts and ``history.html`` from every run's rows; return the page's key.

    See the module docstring for why this is safe with concurrent runs.
    """
    folder = join(REPORTS, study_name)
    if is_local(store.path(folder)):
        from filelock import FileLock

        lock = store.path(folder) / LOCK
        lock.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(lock), timeout=LOCK_TIMEOUT_S):
            return _write_history(store, study_name, _row_keys(store, study_name))
    for _ in range(attempts):
        keys = _row_keys(store, study_name)
        page = _write_history(store, study_name, keys)
        if _row_keys(store, study_name) == keys:
            break
    return page


def _write_history(store: ArtifactStore, study_name: str, keys: list[str]) -> str:
    folder = join(REPORTS, study_name)
    table = load(store, study_name, keys)
    scratch = new_scratch("history_page")
    try:
        table.to_parquet(scratch / HISTORY_PARQUET, index=False)
        store.put(scratch / HISTORY_PARQUET, join(folder, HISTORY_PARQUET))
        runs = compared_runs(table) if len(table) else []
        history_csv(table, runs).to_csv(scratch / HISTORY_CSV, index=False)
        store.put(scratch / HISTORY_CSV, join(folder, HISTORY_CSV))
        charts = []
        for i, method in enumerate(dict.fromkeys(table["method"]), start=1):
            name = f"history_{i:02d}.png"
            history_chart(scratch / name, table[table["method"] == method], method, runs)
            store.put(scratch / name, join(folder, name))
            charts.append((method, name))
        page = render_page(study_name, table, runs, charts, HISTORY_PARQUET)
        (scratch / HISTORY_HTML).write_text(page, encoding="utf-8")
        return store.put(scratch / HISTORY_HTML, join(folder, HISTORY_HTML))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
