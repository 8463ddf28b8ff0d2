"""The data quality (DQI) table of a study's reference figures, and which of them are judgements.

Every parameter the study resolves (deployment, reference, life-cycle model, fixed
efforts) with its pedigree scores and the spread they add (:mod:`lca.study.pedigree`).
A figure whose source says it is a judgement is flagged: the report's "what to pin
down first" names these first, since better data can replace them.
"""

from __future__ import annotations

import math

from lca.records import DqiRow
from lca.study.life_cycle import parameter_checks
from lca.study.reference_data import Parameter, ParameterRef, resolve
from lca.study.schema import FROM_HOST, Study


def _refs(study: Study) -> dict[str, ParameterRef]:
    refs: dict[str, ParameterRef] = {
        "deployment.pue": study.deployment.pue,
        "deployment.server_share": study.deployment.server_share,
        "reference.device_power": study.reference.device_power,
    }
    if study.deployment.server_share == FROM_HOST:
        del refs["deployment.server_share"]  # the measured host's, not a reference figure
    if study.reference.time_per_item is not None:
        refs["reference.time_per_item"] = study.reference.time_per_item
    refs.update({field: ref for field, (ref, _unit) in parameter_checks(study.lca).items()})
    if study.lca.system_boundary != "devices_and_office":
        refs = {k: v for k, v in refs.items() if not k.startswith("lca.office.")}
    return refs


def is_judgement(p: Parameter) -> bool:
    return "judgement" in p.source.lower()


def _gsd(p: Parameter, total: bool) -> float | None:
    u = p.total_uncertainty if total else p.uncertainty
    return u.gsd if u.distribution == "lognormal" else None


def dqi_rows(study: Study) -> list[DqiRow]:
    rows = []
    for field, ref in _refs(study).items():
        p = resolve(ref, study.deployment.country)
        ped = p.pedigree
        extra = math.exp(math.sqrt(ped.additional_variance())) if ped is not None else None
        rows.append(
            DqiRow(
                parameter=ref if isinstance(ref, str) else "inline",
                label=field,
                value=f"{p.value:g} {p.unit}",
                judgement=is_judgement(p),
                reliability=ped.reliability if ped else None,
                completeness=ped.completeness if ped else None,
                temporal=ped.temporal if ped else None,
                geographical=ped.geographical if ped else None,
                technological=ped.technological if ped else None,
                basic_gsd=_gsd(p, total=False),
                additional_gsd=extra,
                total_gsd=_gsd(p, total=True),
                applied=ped is not None and p.uncertainty.distribution == "lognormal",
                note=_where(p)
                + (ped.note if ped else "no pedigree scores")
                + ("" if ped is None or p.uncertainty.distribution == "lognormal" else "; bounds kept (not lognormal)"),
            )
        )
    return rows


def _where(p: Parameter) -> str:
    """The figure's geography, and whether it stands in for the study's country (a proxy)."""
    if p.proxy_for is not None:
        return f"Proxy: a {p.geography} figure used for {p.proxy_for} (geographical score for use elsewhere). "
    return f"Geography: {p.geography}. " if p.geography else ""


def judgement_inputs(study: Study) -> list[str]:
    """Field paths of the study's figures that are judgements, for the report's 'what to pin down first'."""
    return [row.label for row in dqi_rows(study) if row.judgement]
