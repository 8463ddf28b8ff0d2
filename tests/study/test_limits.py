"""Every number a study can declare has a finite upper bound and a strict type (lca.limits).

Walks the schema itself, so a field added later without a bound fails here, not in a
worker that was asked for 10**30 items.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from lca.errors import StudyError
from lca.study.bounded_yaml import load_yaml_text
from lca.study.schema import Study
from lca.uncertainty import Uncertainty

# Numbers whose range is already closed by another field's bound or by the task (fractions).
_FRACTIONS_ARE_BOUNDED_BY_LT = {"lt", "le"}


def _numeric_fields(model: type[BaseModel], prefix: str = "", seen=None):
    """(dotted field, base type, metadata, strict) for every int/float field reachable from ``model``."""
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield from _walk(info.annotation, list(info.metadata), f"{prefix}{name}", seen)


def _walk(annotation, metadata, where, seen):
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        expanded = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        yield from _walk(base, metadata + expanded, where, seen)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _walk(arg, metadata, where, seen)
    elif origin in (list, tuple, dict):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from _walk(arg, [], f"{where}[]", seen)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _numeric_fields(annotation, f"{where}.", seen)
    elif annotation in (int, float):
        yield where, annotation, metadata


NUMBERS = sorted(
    {(w, t.__name__, tuple(map(repr, m))): (w, t, m) for w, t, m in _numeric_fields(Study)}.values(), key=lambda x: x[0]
)


def test_the_walk_finds_the_numbers_of_the_schema():
    names = {w for w, _, _ in NUMBERS}
    assert {
        "functional_unit.items",
        "benchmark.energy_window_seconds",
        "lca.training_runs.hyperparameter_search",
        "training.epochs",
    } <= names
    # an inline cited figure's numbers, under the first field that takes one (each model is walked once)
    assert {"value", "uncertainty.gsd"} <= {w.split(".", 2)[-1] for w in names if w.startswith("functional_unit.")}
    assert len(NUMBERS) > 40


@pytest.mark.parametrize(("where", "kind", "metadata"), NUMBERS, ids=[n[0] for n in NUMBERS])
def test_every_number_has_a_finite_upper_bound_and_a_strict_type(where, kind, metadata):
    upper = [m for m in metadata if isinstance(m, (annotated_types.Le, annotated_types.Lt))]
    assert upper, f"{where} has no upper bound: add one to lca.limits"
    strict = any(getattr(m, "strict", False) for m in metadata)
    assert strict, f"{where} accepts booleans and text: use StrictInt / StrictFloat"


def test_non_finite_floats_are_refused_by_every_model_of_the_schema():
    models, pending = set(), [Study, Uncertainty]
    while pending:
        model = pending.pop()
        if model in models:
            continue
        models.add(model)
        for info in model.model_fields.values():
            for arg in _flatten(info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    pending.append(arg)
    lax = sorted(m.__name__ for m in models if m.model_config.get("allow_inf_nan", True))
    assert lax == []


def _flatten(annotation):
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _flatten(arg)


# --- lca.study.bounded_yaml: what stays allowed --------------------------------------------


def test_merge_keys_and_a_few_aliases_still_work():
    data = load_yaml_text("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3\nagain: *b\n", Path("s.yaml"))
    assert data["mine"] == {"x": 1, "y": 3} and data["again"] == {"x": 1, "y": 2}


def test_a_duplicate_key_is_named_with_both_lines():
    with pytest.raises(
        StudyError, match=r"s.yaml: .*key 'epochs' is given twice .*line 2, column 3 and line 3, column 3"
    ):
        load_yaml_text("training:\n  epochs: 3\n  epochs: 30\n", Path("s.yaml"))


def test_the_same_key_in_two_mappings_is_not_a_duplicate():
    assert load_yaml_text("a: {k: 1}\nb: {k: 2}\n", Path("s.yaml")) == {"a": {"k": 1}, "b": {"k": 2}}
