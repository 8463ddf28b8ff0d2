"""The report's table of assumptions and sources (template ``report_assumptions.html.j2``).

Every parameter the study resolved from the reference data, with its value, unit,
uncertainty and citation: the deployment's and the reference's, then the life-cycle
model's own (only those the study's boundary uses).
"""

from __future__ import annotations

from lca.study.office_climate import heating_climate
from lca.study.reference_data import Parameter, resolve
from lca.study.schema import Study


def cited_parameters(study: Study) -> list[tuple[str, Parameter]]:
    """Each figure as used in the study's country: a figure from elsewhere comes back as a labelled proxy."""
    c = study.deployment.country
    out = [
        ("Power usage effectiveness (PUE) of the datacentre", resolve(study.deployment.pue, c)),
        ("Reference: power of the device used", resolve(study.reference.device_power, c)),
    ]
    if study.reference.time_per_item is not None:
        out.insert(1, ("Reference: time per item", resolve(study.reference.time_per_item, c)))
    spec = study.lca
    out += [(f"Fixed effort '{e.name}' ({e.side}), hours", resolve(e.hours, c)) for e in spec.human_effort]
    if spec.development_hours is not None:
        out.append(("Engineers' development time", resolve(spec.development_hours, c)))
        out.append(("Power of the engineers' devices", resolve(spec.hardware.engineer_power, c)))
    if spec.system_boundary == "devices_and_office":
        o = spec.office
        out += [
            ("Office electricity per floor area", resolve(o.electricity_intensity, c)),
            ("Office share of electricity not used by workstations", resolve(o.share_not_workstations, c)),
            ("Office heating fuel per floor area", resolve(o.heat_intensity, c)),
            ("Office floor area per workplace", resolve(o.area_per_workplace, c)),
            ("Hours a workplace is occupied per year", resolve(o.hours_per_year, c)),
            ("Office heating relative to the UK benchmark (climate)", heating_climate(c)),
        ]
    return out
