"""The report's table of assumptions and sources (template ``report_assumptions.html.j2``).

Every parameter the study resolved from the reference data, with its value, unit,
uncertainty and citation: the deployment's and the reference's, then the life-cycle
model's own (only those the study's boundary uses).
"""

from __future__ import annotations

from lca.study.reference_data import Parameter, resolve
from lca.study.schema import Study


def cited_parameters(study: Study) -> list[tuple[str, Parameter]]:
    out = [
        ("Power usage effectiveness (PUE) of the datacentre", resolve(study.deployment.pue)),
        ("Reference: power of the device used", resolve(study.reference.device_power)),
    ]
    if study.reference.time_per_item is not None:
        out.insert(1, ("Reference: time per item", resolve(study.reference.time_per_item)))
    spec = study.lca
    out += [(f"Fixed effort '{e.name}' ({e.side}), hours", resolve(e.hours)) for e in spec.human_effort]
    if spec.development_hours is not None:
        out.append(("Engineers' development time", resolve(spec.development_hours)))
        out.append(("Power of the engineers' devices", resolve(spec.hardware.engineer_power)))
    if spec.system_boundary == "devices_and_office":
        o = spec.office
        out += [
            ("Office electricity per floor area", resolve(o.electricity_intensity)),
            ("Office share of electricity not used by workstations", resolve(o.share_not_workstations)),
            ("Office heating fuel per floor area", resolve(o.heat_intensity)),
            ("Office floor area per workplace", resolve(o.area_per_workplace)),
            ("Hours a workplace is occupied per year", resolve(o.hours_per_year)),
        ]
    return out
