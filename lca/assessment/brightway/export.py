"""The run's inventory as a bw2io Excel file an analyst can import (e.g. into Activity Browser).

The file is self-contained apart from ``biosphere3``: it holds the run's
foreground (providers, stages, scenarios) *and* copies of the background
activities it uses (the country's grid, the devices, heating fuel), so it links
only to elementary flows every Brightway project has. It is written by bw2io's
own exporter (``bw2io.export.excel.write_lci_excel``) from a temporary database
that is deleted afterwards; importing it back with ``bw2io.ExcelImporter``
gives the same scores (``tests/test_export.py``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lca.assessment.brightway.project import activate, current_project, is_own_database, project_biosphere, write_lock
from lca.errors import LcaError
from lca.records import StudyInventory

_FIELDS = ("name", "unit", "location", "comment", "lca_role", "scenario", "stage")


def export_name(inv: StudyInventory) -> str:
    return f"lca-ml {inv.study} {inv.run_id}"


def export_excel(inv: StudyInventory, database: str, out_path: Path, project: str | None = None) -> Path:
    """Write ``out_path`` (.xlsx) and return it; the foreground database must have been written."""
    from bw2io.export.excel import write_lci_excel

    name = export_name(inv)
    project = current_project(project)
    out_path = Path(out_path)
    with write_lock():
        bd = activate(project)
        if database not in bd.databases:
            raise LcaError(f"no foreground database {database!r} in Brightway project {project!r}")
        data = _self_contained(bd, database, name)
        if name in bd.databases:
            del bd.databases[name]
        db = bd.Database(name)
        db.register(description=f"Self-contained export of {database} (foreground and the background it uses)")
        try:
            db.write(data, searchable=False)
            with tempfile.TemporaryDirectory() as tmp:
                written = Path(write_lci_excel(name, dirpath=tmp))
                out_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(written), out_path)
        finally:
            del bd.databases[name]
    return out_path


def _self_contained(bd, database: str, name: str) -> dict:
    """Foreground nodes plus copies of every technosphere input from other databases, relinked to ``name``."""
    data: dict[tuple[str, str], dict] = {}
    biosphere = project_biosphere(bd)
    pending = [node for node in bd.Database(database)]
    # bw2io's Excel reader turns '::' into tuples: codes use '/' instead.
    codes: dict[tuple[str, str], str] = {node.key: node["code"].replace("::", "/") for node in pending}
    while pending:
        node = pending.pop()
        key = (name, codes[node.key])
        exchanges = []
        for exc in node.exchanges():
            source = exc.input
            fields = {k: v for k, v in exc.as_dict().items() if k not in ("input", "output")}
            if exc["type"] == "biosphere":
                if source["database"] != biosphere:
                    raise LcaError(f"{node.key} uses elementary flow {source.key} outside {biosphere}")
                exchanges.append({**fields, "input": source.key})
                continue
            if not is_own_database(bd, source["database"]):
                # A practitioner's database (their ecoinvent): linked, never copied (it is theirs, and licensed).
                exchanges.append({**fields, "input": source.key, "reference product": source.get("reference product")})
                continue
            if source.key not in codes:
                codes[source.key] = f"{source['database']}/{source['code']}".replace("::", "/")
                pending.append(source)
            # The importer links technosphere exchanges by (name, reference product, unit, location):
            # every activity's product is its name, and each exchange says so.
            exchanges.append({**fields, "input": (name, codes[source.key]), "reference product": source["name"]})
        fields = {k: node[k] for k in _FIELDS if node.get(k) is not None}
        data[key] = {**fields, "reference product": node["name"], "exchanges": exchanges}
    return data
