"""A study's figures and ids checked against the cited reference data of ``include/data/``.

Parameter ids must exist, have the dimension their field needs and a plausible
sign and range; impact methods and hardware ids must be known. Checked when the
study is loaded, so a wrong id is reported by field and value before anything runs.
"""

from __future__ import annotations

from pathlib import Path

from lca import limits as L
from lca.errors import ReferenceDataError, StudyError
from lca.study.error_messages import shown
from lca.study.impact_methods import category_of
from lca.study.life_cycle import device_ids, parameter_checks
from lca.study.office_climate import heating_climate
from lca.study.reference_data import Parameter, ParameterRef, check_device_id, hardware_data, resolve
from lca.study.schema import FROM_HOST, Study


def check_references(study: Study, path: Path) -> None:
    """Parameter ids must exist and have the right dimension before the run starts."""
    checks = {
        "deployment.pue": (study.deployment.pue, "dimensionless"),
        "deployment.server_share": (study.deployment.server_share, "dimensionless"),
        "reference.device_power": (study.reference.device_power, "W"),
    }
    optional = {
        "functional_unit.delivered_error_rate": (study.functional_unit.delivered_error_rate, "dimensionless"),
        "reference.error_rate": (study.reference.error_rate, "dimensionless"),
        "reference.verification_time_per_item": (study.reference.verification_time_per_item, "s"),
        "routing.review_time_per_item": (study.routing.review_time_per_item, "s"),
    }
    checks.update({field: check for field, check in optional.items() if check[0] is not None})
    online = study.deployment.online
    if online is not None and online.utilisation is not None:
        checks["deployment.online.utilisation"] = (online.utilisation, "dimensionless")
    if study.reference.time_per_item is not None:
        checks["reference.time_per_item"] = (study.reference.time_per_item, "s")

    checks.update(parameter_checks(study.lca))
    if study.deployment.server_share == FROM_HOST:
        del checks["deployment.server_share"]  # not a figure: resolved from the measured host at inventory time
    for field, (ref, unit) in checks.items():
        try:
            figure = resolve(ref)
            value = figure.magnitude(unit)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field '{field}': value {shown(ref)}: {exc}") from None
        _check_range(path, field, ref, figure, value, unit)
    _check_lca_data(study, path)


# Every figure a study declares is a time, a power, an intensity, a share or a PUE: none can be
# negative (a negative time would reach the inventory as a negative amount). These have more.
_FIGURE_RANGES = {
    "deployment.pue": (L.MIN_PUE, L.MAX_PUE),
    "lca.office.share_not_workstations": (0.0, 1.0),
    "functional_unit.delivered_error_rate": (0.0, 1.0),
    "reference.error_rate": (0.0, 1.0),
    "deployment.online.utilisation": (0.0, 1.0),
    "lca.framework.consequential.work_removed": (0.0, 1.0),
    "lca.framework.rebound.cost_reduction": (0.0, 0.99),
}


def _check_range(path: Path, field: str, ref: ParameterRef, figure: Parameter, value: float, unit: str) -> None:
    """A figure's sign and range, and those of its uncertainty bounds, where the study declares it."""
    lo, hi = _FIGURE_RANGES.get(field, (0.0, L.MAX_ABS_FIGURE))
    spread = figure.uncertainty
    bounds = [b for b in (spread.minimum, spread.maximum) if b is not None]
    scale = value / figure.value if figure.value else 1.0
    if value < 0:
        problem = f"{figure.value:g} {figure.unit} is negative (a time, power, intensity or share never is)"
    elif not lo <= value <= hi:
        problem = f"{value:g} {unit} is outside [{lo:g}, {hi:g}] {unit}"
    elif any(not lo <= b * scale <= hi for b in bounds):
        problem = f"its uncertainty bounds {bounds} {figure.unit} reach outside [{lo:g}, {hi:g}] {unit}"
    else:
        return
    shown_ref = shown(ref) if isinstance(ref, str) else f"{figure.value:g} {figure.unit}"
    raise StudyError(f"{path}: field '{field}': value {shown_ref}: {problem}; give a figure in [{lo:g}, {hi:g}] {unit}")


def _check_lca_data(study: Study, path: Path) -> None:
    """Impact methods the background data can serve, and hardware ids that exist (lca.study.life_cycle)."""

    linked = study.lca.background is not None and bool(study.lca.background.slots())
    for i, method in enumerate(study.impact_methods):
        if linked:
            continue  # any method of the linked Brightway project (checked against it by lca-ml validate)
        try:
            category_of(method)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field 'impact_methods.{i}': value {list(method)!r}: {exc}") from None
    if study.lca.system_boundary == "devices_and_office":
        try:
            heating_climate(study.deployment.country)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field 'deployment.country': value {study.deployment.country!r}: {exc}") from None
    for field, device in device_ids(study.lca).items():
        try:
            check_device_id(device)
        except ReferenceDataError as exc:
            raise StudyError(f"{path}: field '{field}': value {device!r}: {exc}") from None
    _check_from_host(study, path)


def _check_from_host(study: Study, path: Path) -> None:
    """``server_share: from_host`` divides the host's logical CPUs by the server's threads: they must be known."""
    if study.deployment.server_share != FROM_HOST:
        return
    server = study.lca.hardware.server
    threads = (hardware_data().get("devices") or {}).get(server, {}).get("threads")
    if not isinstance(threads, int) or threads <= 0:
        raise StudyError(
            f"{path}: field 'deployment.server_share': value {FROM_HOST!r}: the server {server!r} "
            f"(lca.hardware.server) states no threads in include/data/hardware.yaml to divide the host's logical "
            "CPUs by; give a share instead, or a server with its threads"
        )
