"""The background data every study shares, written offline into the Brightway project.

Two kinds of project, and the product writes differently into each:

* **Its own** (``lca-ml``, or any project :func:`ensure_project` created): besides one
  foreground database per run (:mod:`lca.assessment.brightway.foreground`), it holds
  ``biosphere3``, the ecoinvent 3.9 elementary flows bundled with bw2io (4,709 flows, no
  download needed), and the LCIA methods the studies ask for, and only those, read from
  bw2io's bundled ``data/lcia/lcia_39_ecoinvent.zip``. ``bw2io.bw2setup()`` is no option:
  it writes all 762 methods (about 85 s) and, on bw2io 0.9.17 with bw2data 4.8, fails
  because that file stores flow keys as JSON lists where bw2data wants tuples.
* **A practitioner's** (``lca-ml setup --brightway-project``, e.g. ecoinvent imported by
  ``bw2io.import_ecoinvent_release``): used in place. The product adds only databases whose
  names start with ``lca-ml`` (:func:`planned_additions` lists them) and a cache folder;
  never a biosphere, never a method, never a change to a database it did not write. Its
  databases book their flows on the project's own biosphere
  (:func:`lca.assessment.brightway.layout.biosphere_of`) and the studies' methods are the
  project's own, prefixed or not (:func:`lca.assessment.brightway.layout.resolve_methods`).
  Working on a copy (``bw2data.projects.copy_project``) was the alternative: it copies the
  whole project directory (gigabytes and minutes for ecoinvent), goes stale when the
  practitioner updates their project, and doubles what they must manage; a few clearly
  named databases of the product, listed before they are added, serve them better.

The product's databases: ``lca-ml grid electricity``, one activity per country
(:func:`lca.assessment.background.grid_countries`) producing 1 kWh, and ``lca-ml
background``: the manufacture of each device of ``include/data/hardware.yaml`` and office
heating fuel. The sources give characterized totals (kg CO2-eq, kg Sb-eq, MJ, m3 of water
consumed), not inventories of flows. Each total is booked on the one biosphere flow that
its category's method characterizes (the carrier flows of
:mod:`lca.assessment.characterization`), so IPCC 2021 GWP100 and the EF v3.1 minerals,
fossils and water-use methods reproduce the sources' figures. Any other method (GWP20,
say) would see only those carriers and be wrong: the engine refuses it for any activity
the study has not linked to the practitioner's background.

Every write here holds :func:`lca.assessment.brightway.project.write_lock`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from lca.assessment.brightway.bundled import (
    BIOSPHERE,
    MethodName,
    bundled_methods,
    check_known,
    write_biosphere,
    write_methods,
)
from lca.assessment.brightway.layout import resolve_methods
from lca.assessment.brightway.project import (
    BACKGROUND_DATABASE,
    CREATED_MARK,
    FOREGROUND_PREFIX,
    GRID_DATABASE,
    PROJECT,
    _bw2data,
    _switch_to,
    current_project,
    is_own_database,
    is_own_project,
    project_biosphere,
    write_lock,
)
from lca.errors import ReferenceDataError
from lca.settings import brightway_dir, brightway_project

GRID_UNIT = "kilowatt hour"
CO2_FOSSIL_AIR = ("Carbon dioxide, fossil", ("air",))
"""The flow that carries a grid factor's CO2e total (name, categories) in the biosphere."""

# Bump when the structure of the background activities changes, so existing projects get rewritten.
_GRID_LAYOUT = 3
_BACKGROUND_FILES = (
    "grid_electricity.csv",
    "grid_electricity.source.yaml",
    "grid_impacts.csv",
    "grid_impacts.source.yaml",
    "hardware.yaml",
    "parameters_lca.yaml",
)


def _as_method_names(methods: Iterable[Sequence[str]]) -> list[MethodName]:
    names: list[MethodName] = []
    for method in methods:
        if isinstance(method, str) or not method or not all(isinstance(part, str) for part in method):
            raise ReferenceDataError(f"an LCIA method name is a non-empty tuple of strings, got {method!r}")
        if tuple(method) not in names:
            names.append(tuple(method))
    return names


def _grid_fingerprint(biosphere: str) -> str:
    """Changes whenever the background data files, the way they are written, bw2io or the biosphere change."""
    from importlib.metadata import version

    from lca.settings import reference_data_dir

    digest = hashlib.sha256(
        json.dumps({"layout": _GRID_LAYOUT, "bw2io": version("bw2io"), "biosphere": biosphere}).encode()
    )
    for name in _BACKGROUND_FILES:
        path = reference_data_dir() / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def _database_complete(bd: ModuleType, name: str) -> bool:
    # Database.write commits in one transaction, then processes: rows plus the processed file mean both finished.
    if name not in bd.databases:
        return False
    db = bd.Database(name)
    return db.filepath_processed().exists() and len(db) > 0


def _method_complete(bd: ModuleType, name: MethodName) -> bool:
    return (
        name in bd.methods and bd.methods[name].get("num_cfs", 0) > 0 and bd.Method(name).filepath_processed().exists()
    )


@dataclass
class _Missing:
    biosphere: bool
    methods: list[MethodName] = field(default_factory=list)
    grid: bool = False

    def __bool__(self) -> bool:
        return self.biosphere or bool(self.methods) or self.grid


def _missing(bd: ModuleType, wanted: list[MethodName]) -> _Missing:
    if not is_own_project(bd):
        # The practitioner's methods are theirs: none is ever added (validate and the run check a study's).
        fingerprint = _grid_fingerprint(project_biosphere(bd))
        return _Missing(biosphere=False, grid=not _grid_ok(bd, fingerprint))
    if not _database_complete(bd, BIOSPHERE):
        # Rewriting biosphere3 gives its flows new ids: everything built on it must be rewritten too.
        bundled = bundled_methods()
        stale = [name for name in bd.methods if name in bundled and name not in wanted]
        return _Missing(biosphere=True, methods=wanted + stale, grid=True)
    return _Missing(
        biosphere=False,
        methods=[name for name in wanted if not _method_complete(bd, name)],
        grid=not _grid_ok(bd, _grid_fingerprint(BIOSPHERE)),
    )


def _grid_ok(bd: ModuleType, fingerprint: str) -> bool:
    return all(
        _database_complete(bd, name) and bd.databases[name].get("lca_fingerprint") == fingerprint
        for name in (GRID_DATABASE, BACKGROUND_DATABASE)
    )


def planned_additions(methods: Iterable[Sequence[str]], project: str | None = None) -> list[str]:
    """What :func:`ensure_project` would add to ``project`` now, one line each (empty: nothing to add).

    ``lca-ml setup --brightway-project`` prints it before adding anything. In a practitioner's
    project a method it lacks or an ambiguous biosphere raises here, before anything is written.
    """
    project = current_project(project)
    wanted = _as_method_names(methods)
    bd = _bw2data()
    if project not in bd.projects:
        return [f"a new Brightway project {project!r} with {BIOSPHERE!r} and {len(wanted)} method(s)"]
    _switch_to(bd, project)
    missing = _missing(bd, wanted)
    lines = []
    if missing.biosphere:
        lines.append(f"database {BIOSPHERE!r}: the ecoinvent 3.9 elementary flows bundled with bw2io")
    lines += [f"LCIA method {m!r} from bw2io's bundled set" for m in missing.methods]
    if missing.grid:
        from lca.assessment.background import grid_countries
        from lca.assessment.hardware import hardware_table

        biosphere = project_biosphere(bd) if not missing.biosphere else BIOSPHERE
        lines.append(
            f"database {GRID_DATABASE!r}: {len(grid_countries())} national electricity mixes, their cited totals "
            f"booked on flows of {biosphere!r}"
            + (" (replacing the product's earlier version)" if GRID_DATABASE in bd.databases else "")
        )
        lines.append(
            f"database {BACKGROUND_DATABASE!r}: manufacture of {len(hardware_table().devices)} devices and office "
            f"heating fuel, booked on flows of {biosphere!r}"
        )
    if not is_own_project(bd):
        try:
            resolve_methods(bd, wanted)
        except ReferenceDataError as exc:
            lines.append(f"no method (studies naming these cannot run on this project): {exc}")
    if lines and not is_own_project(bd):
        lines.append(
            f"later, one database {FOREGROUND_PREFIX}<study>__<run> per run (the newest kept) and the cache folder "
            "lca-ml-cache/ in the project's directory; never a biosphere, a method or a change to your databases"
        )
    return lines


def ensure_project(methods: Iterable[Sequence[str]], project: str | None = None) -> None:
    """Create whatever of the project, its biosphere, ``methods`` and the product's databases is missing.

    Offline and idempotent: with everything present it only reads metadata.
    Unknown method names raise :class:`ReferenceDataError` before anything is written.
    In a practitioner's project (``lca-ml setup --brightway-project``) only the product's
    ``lca-ml`` databases are added, on the project's own biosphere, and the studies' methods
    must be the project's (prefixed or not); a database it did not write is never rewritten
    nor re-processed, and no biosphere or method is ever added.
    """
    project = current_project(project)
    wanted = _as_method_names(methods)
    bd = _bw2data()
    if project not in bd.projects and project == brightway_project() and project != PROJECT:
        raise ReferenceDataError(
            f"Brightway project {project!r} (LCA_BRIGHTWAY_PROJECT or `lca-ml setup --brightway-project`) does not "
            f"exist under {brightway_dir()}: the product adds its databases to an existing project, it does not "
            f"create one; existing projects: {sorted(p.name for p in bd.projects)}"
        )
    if project in bd.projects:
        _switch_to(bd, project)
        missing = _missing(bd, wanted)
        if not missing:
            return
        check_known(missing.methods)
    else:
        check_known(wanted)
    with write_lock():
        created = project not in bd.projects
        _switch_to(bd, project)
        if created:
            bd.projects.dataset.data[CREATED_MARK] = True
            bd.projects.dataset.save()
        missing = _missing(bd, wanted)  # another process may have written meanwhile
        check_known(missing.methods)
        rewritten = []
        if missing.biosphere:
            write_biosphere(bd)
            rewritten.append(BIOSPHERE)
        if missing.methods:
            write_methods(bd, missing.methods)
        if missing.grid:
            _write_grid(bd, _grid_fingerprint(project_biosphere(bd)))
            rewritten.extend([GRID_DATABASE, BACKGROUND_DATABASE])
        _reprocess_dependents(bd, rewritten)


def carrier_nodes(bd: ModuleType) -> dict[str, Any]:
    """The node of each category's carrier flow in the project's biosphere."""
    from bw2data.errors import MultipleResults, UnknownObject

    from lca.assessment.characterization import CARRIERS

    biosphere = project_biosphere(bd)
    nodes = {}
    for cat, c in CARRIERS.items():
        try:
            nodes[cat] = bd.get_node(database=biosphere, name=c.flow_name, categories=c.flow_categories)
        except (UnknownObject, MultipleResults) as exc:
            raise ReferenceDataError(
                f"the biosphere {biosphere!r} of Brightway project {bd.projects.current!r} has no single flow "
                f"{c.flow_name!r} {c.flow_categories} ({type(exc).__name__}), which carries the bundled "
                f"{cat} totals: the product's background cannot be booked there"
            ) from None
    return nodes


def activity_data(activity: Any, key: tuple[str, str], carriers: dict[str, Any]) -> dict:
    """A :class:`lca.records.BackgroundActivity` as a Brightway dataset producing 1 unit."""
    exchanges = [{"input": key, "amount": 1.0, "type": "production", "unit": activity.unit}]
    for flow in activity.flows:
        if flow.amount == 0:
            continue
        node = carriers[flow.category]
        exchanges.append(
            {
                "input": node.key,
                "amount": flow.amount,
                "type": "biosphere",
                "unit": node["unit"],
                "comment": f"{flow.category}: {flow.total:.6g} per {activity.unit} ({flow.source})"[:2000],
                **flow.uncertainty.stats_arrays(flow.amount),
            }
        )
    return {
        "name": activity.name,
        "reference product": activity.name.split(",")[0],
        "unit": activity.unit,
        "location": activity.location,
        "comment": activity.comment,
        "exchanges": exchanges,
    }


def _write_grid(bd: ModuleType, fingerprint: str) -> None:
    """Write the grid and the shared background databases (their fingerprint last: written means complete)."""
    from lca.assessment.background import grid_activity, grid_countries, grid_impacts, shared_background
    from lca.assessment.hardware import hardware_table

    carriers = carrier_nodes(bd)
    grid = {}
    for iso3 in grid_countries():
        activity = grid_activity(grid_impacts(iso3))
        grid[(GRID_DATABASE, iso3)] = activity_data(activity, (GRID_DATABASE, iso3), carriers)
    background = {}
    for activity in shared_background(list(hardware_table().devices.values())):
        key = (BACKGROUND_DATABASE, activity.database_code)
        background[key] = activity_data(activity, key, carriers)
    for name, data, description in (
        (
            GRID_DATABASE,
            grid,
            "National electricity generation mixes: GWP100, minerals, fossils, water (lca.assessment.background)",
        ),
        (BACKGROUND_DATABASE, background, "Hardware manufacture and office heating fuel (lca.assessment.background)"),
    ):
        db = bd.Database(name)
        db.register()  # no-op when registered
        db.write(data, searchable=False)
        db.metadata.update(description=description, lca_fingerprint=fingerprint)
        bd.databases.flush()


def _reprocess_dependents(bd: ModuleType, rewritten: list[str]) -> None:
    """Re-process databases that link to a rewritten one: their processed arrays hold its old node ids."""
    if not rewritten:
        return
    for name in list(bd.databases):
        if not is_own_database(bd, name):
            continue  # a practitioner's database: never written by the product
        if name not in rewritten and set(bd.databases[name].get("depends", [])) & set(rewritten):
            bd.Database(name).process()
