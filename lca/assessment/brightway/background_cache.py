"""Characterised scores and Monte Carlo draws of linked background activities, computed once and cached.

A practitioner's background (ecoinvent: about 20,000 activities, each exchange
uncertain) makes every Brightway Monte Carlo iteration a full matrix draw and a
sparse solve. The run's foreground only ever needs, from that background, the
score per unit of the few activities it links to. So:

* deterministic scores: one ``MultiLCA`` over all linked activities, once per
  (database fingerprint, methods);
* uncertainty: one ``MultiLCA`` with ``use_distributions=True`` and a seed over
  all linked activities at once, so each iteration draws the background's
  matrices once for all of them: draw *k* of every linked activity comes from
  the same sampled background (paired). The engine then pairs draw *k* with its
  own foreground draw *k*.

Both are cached under the Brightway project's directory (``lca-ml-cache/``),
keyed by the fingerprint of the databases involved (their processed
datapackages, dependencies included), the methods, the seed and the number of
draws, and reused by later runs and other studies. A cached entry serves any
request it covers: same fingerprint and seed, a superset of the activities and
methods, at least as many draws (draw *k* of a seeded sequence does not depend
on how many follow).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lca.assessment.brightway.project import activate, current_project
from lca.records import method_key

CACHE_FOLDER = "lca-ml-cache"
_LAYOUT = 2  # 2: no longer caches all-zero characterisations

ActivityRef = tuple[str, str]  # (database, code)


def _dependencies(bd: Any, databases: Sequence[str]) -> list[str]:
    seen: list[str] = []
    pending = list(databases)
    while pending:
        name = pending.pop()
        if name in seen or name not in bd.databases:
            continue
        seen.append(name)
        pending.extend(bd.databases[name].get("depends", []))
    return sorted(seen)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(bd: Any, databases: Sequence[str], methods: Sequence[Sequence[str]] = ()) -> str:
    """Changes when any of ``databases`` (or what they depend on) or ``methods`` is rewritten."""
    from lca.assessment.brightway.layout import resolve_methods

    digest = hashlib.sha256(str(_LAYOUT).encode())
    for name in _dependencies(bd, databases):
        digest.update(name.encode())
        digest.update(_file_digest(Path(bd.Database(name).filepath_processed())).encode())
    names = resolve_methods(bd, methods)
    for method in methods:
        digest.update(method_key(names[tuple(method)]).encode())
        digest.update(_file_digest(Path(bd.Method(names[tuple(method)]).filepath_processed())).encode())
    return digest.hexdigest()[:24]


def cache_dir(bd: Any) -> Path:
    path = Path(bd.projects.dir) / CACHE_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def _lookup(folder: Path, fp: str, refs: Sequence[ActivityRef], methods: Sequence[str], seed, draws: int):
    wanted_refs = {"|".join(r) for r in refs}
    for meta_path in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if meta.get("fingerprint") != fp or meta.get("seed") != seed or meta.get("draws", 0) < draws:
            continue
        if wanted_refs <= set(meta["activities"]) and set(methods) <= set(meta["methods"]):
            data = meta_path.with_suffix(".npz")
            if data.is_file():
                return meta, data
    return None


def _compute(bd: Any, refs: Sequence[ActivityRef], methods: list[tuple[str, ...]], draws: int, seed) -> np.ndarray:
    """(activities, methods, draws + 1): column 0 is deterministic when ``draws == 0``, else the draws.

    ``methods`` are the study's names; the project may hold them under a prefix
    (:func:`lca.assessment.brightway.layout.resolve_methods`). A method that characterises
    nothing these activities emit raises (:func:`lca.assessment.brightway.lcia.run_multi_lca`).
    """
    from lca.assessment.brightway.layout import resolve_methods
    from lca.assessment.brightway.lcia import run_multi_lca

    names = resolve_methods(bd, methods)
    ids = [bd.get_node(database=db, code=code).id for db, code in refs]
    demands = {f"activity {i}": {node: 1.0} for i, node in enumerate(ids)}
    bw_methods = [names[m] for m in methods]
    mlca = run_multi_lca(bd, demands, bw_methods, use_distributions=draws > 0, seed=seed if draws > 0 else None)
    labels = list(demands)
    if draws == 0:
        raw = mlca.scores
        return np.array([[[raw[(m, lab)]] for m in bw_methods] for lab in labels], dtype=float)
    out = np.empty((len(labels), len(methods), draws))
    for k in range(draws):
        next(mlca)  # one draw of every matrix, for all the linked activities at once (paired)
        raw = mlca.scores
        for i, lab in enumerate(labels):
            for j, m in enumerate(bw_methods):
                out[i, j, k] = raw[(m, lab)]
    return out


def _get(refs: Sequence[ActivityRef], methods: Sequence[Sequence[str]], draws: int, seed, project: str | None):
    """(meta, path, array view for refs x methods x draws)."""
    from filelock import FileLock

    bd = activate(current_project(project))
    refs = list(dict.fromkeys(tuple(r) for r in refs))
    methods = [tuple(m) for m in dict.fromkeys(tuple(m) for m in methods)]
    fp = fingerprint(bd, sorted({db for db, _ in refs}), methods)
    labels = [method_key(m) for m in methods]
    folder = cache_dir(bd)
    found = _lookup(folder, fp, refs, labels, seed, draws)
    if found is None:
        # Its own lock, not the project's write lock: a 20,000-activity sampling takes minutes and writes nothing
        # into Brightway. One process computes, the others wait and then find it.
        with FileLock(str(folder / ".lock"), timeout=3600):
            found = _lookup(folder, fp, refs, labels, seed, draws)
            if found is None:
                started = time.perf_counter()
                values = _compute(bd, refs, methods, draws, seed)
                seconds = time.perf_counter() - started
                meta = {
                    "fingerprint": fp,
                    "seed": seed,
                    "draws": draws,
                    "activities": ["|".join(r) for r in refs],
                    "methods": labels,
                    "seconds": seconds,
                    "project": bd.projects.current,
                    "what": "characterised scores per unit of each activity"
                    + (", Brightway MultiLCA paired Monte Carlo draws" if draws else ", deterministic"),
                }
                name = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:20]
                data_path = folder / f"{name}.npz"
                tmp = folder / f"{name}.tmp.npz"
                np.savez(tmp, values=values)
                os.replace(tmp, data_path)
                meta_tmp = folder / f"{name}.json.tmp"
                meta_tmp.write_text(json.dumps(meta, indent=1))
                os.replace(meta_tmp, folder / f"{name}.json")
                found = (meta, data_path)
    return found


def select(meta: dict, values: np.ndarray, refs: Sequence[ActivityRef], methods: Sequence[Sequence[str]], draws: int):
    """The (refs, methods, draws) block of a cached array."""
    rows = [meta["activities"].index("|".join(r)) for r in refs]
    cols = [meta["methods"].index(method_key(m)) for m in methods]
    return values[np.ix_(rows, cols)][:, :, :draws]


def deterministic_scores(
    refs: Sequence[ActivityRef], methods: Sequence[Sequence[str]], project: str | None = None
) -> dict[ActivityRef, dict[str, float]]:
    """Brightway's score per unit of each activity, by method key."""
    meta, path = _get(refs, methods, 0, None, project)
    with np.load(path) as data:
        block = select(meta, data["values"], refs, methods, 1)
    return {tuple(r): {method_key(m): float(block[i, j, 0]) for j, m in enumerate(methods)} for i, r in enumerate(refs)}


def background_draws(
    refs: Sequence[ActivityRef], methods: Sequence[Sequence[str]], draws: int, seed: int, project: str | None = None
) -> Path:
    """The cached file of paired draws covering ``refs`` x ``methods`` x ``draws`` (computed if missing)."""
    _, path = _get(refs, methods, draws, seed, project)
    return path


def cached_draws(path: str | Path) -> int:
    return int(json.loads(Path(path).with_suffix(".json").read_text())["draws"])


def load_draws(
    path: str | Path, refs: Sequence[ActivityRef], methods: Sequence[Sequence[str]], draws: int
) -> np.ndarray:
    """(refs, methods, draws) from a file :func:`background_draws` wrote.

    When fewer draws are cached than asked for (the study's ``lca.background_draws``), draw k
    is cached draw k mod n: each background draw still pairs all linked activities.
    """
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    with np.load(path) as data:
        block = select(meta, data["values"], refs, methods, draws)
    if block.shape[2] < draws:
        block = np.take(block, np.arange(draws) % block.shape[2], axis=2)
    return block
