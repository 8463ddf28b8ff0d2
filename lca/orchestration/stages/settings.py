"""The run's first task: its settings and the snapshot of the study it runs, the only read of the study file.

The run's Params (or ``lca-ml reassess --set/--from``) are checked by the study schema,
so a bad value fails the run here with the study file's own error message. The study
file is then stored twice in the run's folder: as written, and as this run assumes it
(with the overrides). Every later task reads the latter (:attr:`lca.orchestration.run.Run.study`),
so editing the study file while a run is in flight changes nothing in that run.
"""

from __future__ import annotations

from typing import Any

from lca.errors import StudyError
from lca.orchestration.run import Run, stage
from lca.orchestration.run_settings import RunSettings, check_source
from lca.study.overrides import PARAM_PATHS, overridden


def _as_in_study(study, name: str, value: Any) -> bool:
    """A form field left at the study's own value (the form starts there) is no override."""
    path = PARAM_PATHS.get(name)
    if path is None or value is None:
        return False
    current: Any = study
    for part in path.split("."):
        current = getattr(current, part, None)
    if path == "deployment.country" and isinstance(value, str):
        from lca.study.countries import to_iso3

        try:
            value = to_iso3(value)
        except ValueError:
            return False  # the schema check says why
    return value == current


@stage
def write_settings(run: Run, params: dict[str, Any] | None) -> str:
    """Validate the run's Params against the study schema; store the study snapshots and the settings."""
    import yaml

    from lca.study import overrides as ov
    from lca.study.bounded_yaml import decode_utf8, load_yaml_text, read_bounded_bytes
    from lca.study.loading import parse_study

    raw = read_bounded_bytes(run.study_path)  # once, so both snapshots and the checks see the same bytes
    written = load_yaml_text(decode_utf8(raw, run.study_path), run.study_path)
    base = parse_study(written, run.study_path)
    if base.name != run.study_name:
        raise StudyError(
            f"{run.study_path}: field 'name': value {base.name!r}: the file now names another study than "
            f"the DAG '{run.study_name}' it was built for; wait for the DAG to be parsed again"
        )
    params = {name: value for name, value in (params or {}).items() if not _as_in_study(base, name, value)}
    overrides = ov.from_params(params)
    resolved = overridden(written, overrides, run.study_path)
    study = parse_study(resolved, run.study_path) if overrides else base
    source = (params.get("reuse_measurements_from") or "").strip() or None
    if source is not None:
        check_source(run.store, run.study_name, source, study.variant_names())
    run.local(run.layout.study_as_written).write_bytes(raw)
    run.put(run.layout.study_as_written)
    run.local(run.layout.study).write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))
    run.put(run.layout.study)
    settings = RunSettings(overrides=overrides, reuse_measurements_from=source)
    run.local(run.layout.settings).write_text(settings.to_json())
    return run.put(run.layout.settings)
