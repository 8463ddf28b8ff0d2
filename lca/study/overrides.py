"""What-if assumptions: a study file with some of its values replaced, checked by the same schema.

An analyst asks "and in Sweden?" or "with a PUE of 1.1?" without editing the study
file. The override is a dotted path into the study (``deployment.country``), its
value parsed as YAML (so ``items=2000000`` is a number); the edited study goes
through :func:`lca.study.loading.parse_study` exactly as the file would, so a bad
value gets the same error, naming the study file, the field and the value.

Overrides are typed by anyone who may trigger a DAG, so they are held to the bounds
of a study file (lca.study.bounded_yaml): a ``--set`` value is parsed by the same
bounded reader, and every value, from the command line or from the trigger form's
JSON, must fit within the file's depth and size where it lands in the study.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from lca.errors import StudyError
from lca.study.bounded_yaml import MAX_BYTES, YamlRefused, check_bounds, load_yaml_file, parse_bounded
from lca.study.error_messages import shown
from lca.study.loading import parse_study
from lca.study.schema import Study

# The Airflow form's named fields and the study path each one sets.
PARAM_PATHS = {
    "country": "deployment.country",
    "pue": "deployment.pue",
    "items": "functional_unit.items",
    "routing_threshold": "routing.confidence_threshold",
    "monte_carlo_iterations": "lca.monte_carlo_iterations",
}
# Changing these would change which run folder, DAG or measurements the run is about.
FIXED = ("name", "schedule", "dataset", "model", "training", "compression", "benchmark", "task")


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"deployment.country=SE"`` -> ``("deployment.country", "SE")``; the value is read as bounded YAML."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise StudyError(f"override {shown(text)}: expected <dotted.path>=<value>, e.g. deployment.country=SE")
    if not raw.strip():
        return path, None
    refused = f"override (--set) of field '{path}': value {shown(raw)}: refused"
    if len(raw.encode(errors="surrogatepass")) > MAX_BYTES:
        raise StudyError(f"{refused}: more than {MAX_BYTES:,} bytes, the limit of a whole study file")
    try:
        value = parse_bounded(raw)
    except YamlRefused as exc:
        raise StudyError(f"{refused}: {exc}") from None
    except yaml.YAMLError as exc:
        raise StudyError(f"override {shown(text)}: the value is not valid YAML: {exc}") from None
    return path, value


def from_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """The overrides the run's Params ask for: the named fields that are set, then the free-form ``overrides``."""
    params = params or {}
    out: dict[str, Any] = {}
    for name, path in PARAM_PATHS.items():
        value = params.get(name)
        if value is None or value == "":
            continue
        if name == "routing_threshold":
            out["routing.rule"] = "low_confidence"  # a threshold only means something with that rule
        out[path] = value
    for path, value in (params.get("overrides") or {}).items():
        out[str(path)] = value
    return out


def _raw(study_path: Path) -> dict[str, Any]:
    data = load_yaml_file(study_path)
    if not isinstance(data, dict):
        raise StudyError(f"{study_path}: a study is a YAML mapping, got {type(data).__name__}")
    return data


def _set(data: dict[str, Any], path: str, value: Any, study_path: Path) -> None:
    keys = path.split(".")
    if keys[0] in FIXED:
        raise StudyError(
            f"{study_path}: field '{path}': value {shown(value)}: cannot be overridden in a reassessment "
            f"(it changes what was measured; edit the study file and run it again)"
        )
    _check_bounds(path, value, study_path)
    node: Any = data
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise StudyError(f"{study_path}: field '{path}': no item {key!r} in that list")
            key = int(key)
        elif not isinstance(node, dict):
            raise StudyError(f"{study_path}: field '{path}': '{'.'.join(keys[:i])}' is a value, not a section")
        if last:
            node[key] = value
        else:
            if isinstance(node, dict) and not isinstance(node.get(key), (dict, list)):
                node[key] = {}
            node = node[key]


def overridden(mapping: dict[str, Any], overrides: dict[str, Any], study_path: Path) -> dict[str, Any]:
    """A copy of a study's mapping with the overrides set: the one rule for what may be overridden, and how.

    ``study_path`` only names the file in error messages; a run's snapshot of the study
    (lca.orchestration.run_settings) is overridden without reading the file again.
    """
    data = copy.deepcopy(mapping)
    for path, value in overrides.items():
        _set(data, path, value, study_path)
    return data


def apply_overrides(study_path: str | Path, overrides: dict[str, Any]) -> Study:
    """The study of ``study_path`` with ``overrides`` applied, validated as the study file is."""
    study_path = Path(study_path)
    return parse_study(overridden(_raw(study_path), overrides, study_path), study_path)


def _check_bounds(path: str, value: Any, study_path: Path) -> None:
    """A trigger form's value is JSON, not YAML: held here to the bounds the study file is read within."""
    try:
        check_bounds(value, depth=len(path.split(".")))
    except YamlRefused as exc:
        raise StudyError(f"{study_path}: field '{path}': value {shown(value)}: refused: {exc}") from None


def original_value(study_path: str | Path, path: str) -> Any:
    """The value the study file itself gives at ``path`` (``"default"`` when it leaves it out)."""
    node: Any = _raw(Path(study_path))
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return "default"
    return node


def describe(study_path: str | Path, overrides: dict[str, Any]) -> list[dict[str, str]]:
    """One line per override for the report: path, new value, the study file's value."""
    return [
        {"path": path, "value": _show(value), "original": _show(original_value(study_path, path))}
        for path, value in overrides.items()
    ]


def _show(value: Any) -> str:
    return (
        value
        if isinstance(value, str)
        else yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    )
