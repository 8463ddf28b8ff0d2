"""How a Brightway project is laid out: its biosphere database and how it names its impact methods.

Projects differ. The product's own project has ``biosphere3`` and bw2io's bundled
methods under their plain names (``('IPCC 2021', 'climate change', ...)``). A
project made by ``bw2io.import_ecoinvent_release(version, system_model)`` names its
biosphere ``ecoinvent-<version>-biosphere`` and, by default
(``namespace_lcia_methods=True``), prefixes every method with ``ecoinvent-<version>``:
``('ecoinvent-3.10', 'IPCC 2021', 'climate change', ...)``. A product that assumed
the first layout in the second one booked its flows on a biosphere no method
characterises, and every score came out zero without a word.

So nothing here assumes a name: the biosphere is the database whose nodes are all
elementary flows, and a study's method is found under its own name or under a
project's prefix (:func:`resolve_methods`), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lca.errors import ReferenceDataError

MethodName = tuple[str, ...]


def biosphere_databases(bd: Any) -> list[str]:
    """Databases of the current project that hold only elementary flows (one SQL query).

    bw2data gives flows types such as 'emission' and 'natural resource': anything not an LCI node type.
    """
    from bw2data.backends import ActivityDataset

    lci = set(bd.labels.lci_node_types)
    kinds: dict[str, set[str]] = {}
    query = ActivityDataset.select(ActivityDataset.database, ActivityDataset.type).group_by(
        ActivityDataset.database, ActivityDataset.type
    )
    for database, kind in query.tuples():
        kinds.setdefault(database, set()).add(kind)
    return sorted(name for name, found in kinds.items() if name in bd.databases and found and not found & lci)


def biosphere_of(bd: Any, *, default: str | None = None) -> str:
    """The one biosphere database of the current project.

    With several, the one the project prefers (``bd.preferences['biosphere_database']``,
    which ``import_ecoinvent_release`` sets) is taken only if no other database is a
    biosphere the project's methods use; otherwise the project is ambiguous and this
    says how to fix it. ``default`` is returned when the project has none.
    """
    found = biosphere_databases(bd)
    if len(found) == 1:
        return found[0]
    if not found:
        if default is not None:
            return default
        raise ReferenceDataError(
            f"Brightway project {bd.projects.current!r} has no biosphere database (a database of elementary flows); "
            "import ecoinvent with bw2io.import_ecoinvent_release, which creates one: the product never adds a "
            "biosphere to a project it did not create"
        )
    preferred = bd.preferences.get("biosphere_database")
    used = {bd.methods[m].get("database") for m in bd.methods} & set(found)
    if preferred in found and used <= {preferred}:
        return preferred
    raise ReferenceDataError(
        f"Brightway project {bd.projects.current!r} has {len(found)} biosphere databases {found}: a flow booked on "
        "one is not characterised by methods written for another. Keep one (an earlier lca-ml setup may have added "
        "'biosphere3' beside ecoinvent's: delete it with bw2data.Database('biosphere3').delete() after deleting "
        "the databases and methods that use it) or set bw2data.preferences['biosphere_database']"
    )


def _strip_prefix(name: MethodName, known: set[MethodName]) -> MethodName | None:
    return name[1:] if len(name) > 1 and name[1:] in known else None


def method_prefixes(bd: Any, known: Iterable[MethodName]) -> list[str]:
    """The prefixes under which the project holds ``known`` methods (``['ecoinvent-3.10']``; ``['']`` unprefixed)."""
    known = {tuple(m) for m in known}
    prefixes = set()
    for name in bd.methods:
        if tuple(name) in known:
            prefixes.add("")
        elif _strip_prefix(tuple(name), known) is not None:
            prefixes.add(name[0])
    return sorted(prefixes)


def resolve_methods(bd: Any, methods: Sequence[Sequence[str]]) -> dict[MethodName, MethodName]:
    """Each study method -> the project's name for it; a clear error for any the project lacks.

    A method present under its own name is itself. Otherwise a project method that is the
    study's name behind one prefix (``('ecoinvent-3.10', *name)``) is it, when exactly one is.
    """
    out: dict[MethodName, MethodName] = {}
    problems = []
    names = [tuple(m) for m in bd.methods]
    for method in dict.fromkeys(tuple(m) for m in methods):
        if method in bd.methods:
            out[method] = method
            continue
        prefixed = [name for name in names if name[1:] == method]
        if len(prefixed) == 1:
            out[method] = prefixed[0]
            continue
        if prefixed:
            problems.append(
                f"{method!r} is in the project under {len(prefixed)} prefixes: name one of {sorted(prefixed)}"
            )
            continue
        family = [name for name in names if method[0] in name[:2]][:5]
        hint = f"; methods of the same family there: {family}" if family else ""
        problems.append(f"{method!r} is not in the project{hint}")
    if problems:
        raise ReferenceDataError(
            f"Brightway project {bd.projects.current!r}: " + "; ".join(problems) + ". The product never adds methods "
            "to a project it did not create: name the project's own methods in the study's impact_methods"
        )
    return out
