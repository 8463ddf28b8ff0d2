"""What the product installs offline into a project it created: ``biosphere3`` and bw2io's bundled methods.

Read from bw2io's ``data/lcia/lcia_39_ecoinvent.zip`` (the ecoinvent 3.9 LCIA
implementation). ``bw2io.bw2setup()`` is no option: it writes all 762 methods (about
85 s) and, on bw2io 0.9.17 with bw2data 4.8, fails because that file stores flow keys
as JSON lists where bw2data wants tuples. Nothing here ever runs on a practitioner's
project (:func:`lca.assessment.brightway.provision.ensure_project` decides).
"""

from __future__ import annotations

import difflib
import json
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from lca.errors import ReferenceDataError

BIOSPHERE = "biosphere3"
LCIA_ARCHIVE = ("data", "lcia", "lcia_39_ecoinvent.zip")

MethodName = tuple[str, ...]


@lru_cache(maxsize=1)
def bundled_methods() -> dict[MethodName, dict]:
    import bw2io

    path = Path(bw2io.__file__).parent.joinpath(*LCIA_ARCHIVE)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    return {tuple(ds["name"]): ds for ds in data}


def available_methods() -> list[MethodName]:
    """Names of the LCIA methods that can be installed offline (bw2io's ecoinvent 3.9 set)."""
    return sorted(bundled_methods())


def check_known(names: Iterable[MethodName]) -> None:
    bundled = bundled_methods()
    unknown = [name for name in names if name not in bundled]
    if not unknown:
        return
    labels = {" | ".join(name): name for name in bundled}
    lines = []
    for name in unknown:
        close = difflib.get_close_matches(" | ".join(name), list(labels), n=5, cutoff=0.6)
        if not close:  # same family, e.g. the other categories of 'IPCC 2021'
            close = [label for label, other in labels.items() if other[0] == name[0]][:5]
        hint = "; close matches: " + ", ".join(repr(labels[c]) for c in close) if close else ""
        lines.append(f"unknown LCIA method {name!r}{hint}")
    source = "/".join(LCIA_ARCHIVE)
    raise ReferenceDataError(
        "\n".join(lines) + f"\n(methods available offline are those of bw2io's {source}; see available_methods())"
    )


def write_biosphere(bd: ModuleType) -> None:
    from bw2io.importers import Ecospold2BiosphereImporter

    importer = Ecospold2BiosphereImporter(name=BIOSPHERE, version="3.9")
    importer.apply_strategies(verbose=False)
    importer.write_database()


def write_methods(bd: ModuleType, names: list[MethodName]) -> None:
    import bw2io
    from bw2data.backends import ActivityDataset

    # Resolving each flow key to its id in one query, not one query per factor as Method.write would.
    ids = dict(
        ActivityDataset.select(ActivityDataset.code, ActivityDataset.id)
        .where(ActivityDataset.database == BIOSPHERE)
        .tuples()
    )
    bundled = bundled_methods()
    for name in names:
        ds = bundled[name]
        cfs = []
        for cf in ds["exchanges"]:
            database, code = cf["input"]
            if database != BIOSPHERE or code not in ids:
                raise ReferenceDataError(f"LCIA method {name!r}: flow {cf['input']} is not in {BIOSPHERE}")
            cfs.append((ids[code], cf["amount"]))
        if name in bd.methods:
            bd.Method(name).deregister()
        method = bd.Method(name)
        method.register(
            unit=ds["unit"],
            description=ds["description"],
            filename=ds["filename"],
            source=f"bw2io {bw2io.__version__}, {'/'.join(LCIA_ARCHIVE)}",
        )
        method.write(cfs)
