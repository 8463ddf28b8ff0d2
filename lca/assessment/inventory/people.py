"""People's work: an hour of a clerk or an engineer with their devices, an item done by hand, fixed efforts,
development."""

from __future__ import annotations

from lca.assessment.inventory.names import (
    CLERK_HOUR,
    DEVELOPMENT,
    ENGINEER_HOUR,
    MANUAL_ITEM,
    OFFICE_HOUR,
    effort_provider_name,
)
from lca.assessment.inventory.office import add_office
from lca.assessment.inventory.parts import InventoryParts
from lca.records import Provider, ProviderUse
from lca.study.reference_data import Parameter, resolve
from lca.uncertainty import NO_UNCERTAINTY


def add_person_hour(
    parts: InventoryParts, name: str, label: str, power: Parameter, devices: list[str], role: str
) -> None:
    uses = []
    for device_id in devices:
        device = parts.device(device_id)
        uses.append(
            ProviderUse(
                input=f"device::{device.id}",
                amount=device.per_hour_of_use(),
                uncertainty=device.lifetime_uncertainty,
                comment=(
                    f"embodied share per hour of use: 1 / ({device.lifetime_hours:g} h lifetime x "
                    f"{device.use_ratio:g} in use) ({device.source})"
                ),
                group=f"lifetime of {device.id}",
            )
        )
    if parts.spec.system_boundary == "devices_and_office":
        add_office(parts)
        uses.append(
            ProviderUse(
                input=OFFICE_HOUR,
                amount=1.0,
                uncertainty=NO_UNCERTAINTY,
                comment="the office workplace for the same hour",
            )
        )
    parts.add(
        Provider(
            name=name,
            label=label,
            unit="hour",
            electricity_kwh_per_unit=power.magnitude("kW"),
            uncertainty=power.uncertainty_in("kW"),
            electricity_group=f"power of the {role}' devices",
            comment=f"Devices {', '.join(devices)} at {power.value} {power.unit} in use. Power: {power.source}",
            uses=uses,
        )
    )


def add_manual_item(parts: InventoryParts) -> None:
    """One item done the reference way: shared by the reference and by every variant's residual work.

    Also the hour of the person doing it, which fixed efforts (:func:`add_fixed_efforts`) use too.
    """
    study = parts.study
    add_person_hour(
        parts,
        CLERK_HOUR,
        "one hour of a person doing the job the reference way",
        resolve(study.reference.device_power),
        parts.spec.hardware.workers,
        "workers",
    )
    add_fixed_efforts(parts)
    if study.reference.time_per_item is None:
        return
    seconds = resolve(study.reference.time_per_item)
    per_item_h = seconds.magnitude("hour")
    parts.add(
        Provider(
            name=MANUAL_ITEM,
            label="one item done by a person, the reference way",
            unit="item",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{seconds.value} {seconds.unit} per item. Time: {seconds.source.strip()}",
            uses=[
                ProviderUse(
                    input=CLERK_HOUR,
                    amount=per_item_h,
                    uncertainty=seconds.uncertainty_in("hour"),
                    comment=f"{seconds.value} {seconds.unit} per item = {per_item_h:.4g} h",
                    group="time per item (people)",
                )
            ],
        )
    )


def add_fixed_efforts(parts: InventoryParts) -> None:
    """One provider per fixed effort: its hours per functional unit of a person's work (lca.human_effort)."""
    fu = parts.study.functional_unit
    for effort in parts.spec.human_effort:
        hours = resolve(effort.hours)
        n, how = effort.multiplier(fu.period)
        per_fu = hours.magnitude("hour") * n
        parts.add(
            Provider(
                name=effort_provider_name(effort.name),
                label=f"fixed effort '{effort.name}' over the functional unit ({effort.basis})",
                unit="unit",
                electricity_kwh_per_unit=0.0,
                uncertainty=NO_UNCERTAINTY,
                comment=f"{hours.value:g} {hours.unit} x {how} = {per_fu:.4g} h; done by: {effort.side}. "
                f"{effort.description.strip()} Hours: {hours.source.strip()}",
                uses=[
                    ProviderUse(
                        input=CLERK_HOUR,
                        amount=per_fu,
                        uncertainty=hours.uncertainty_in("hour").scaled(n),
                        comment=f"{hours.value:g} {hours.unit} x {how}",
                        group=f"fixed effort ({effort.name})",
                    )
                ],
            )
        )


def add_development(parts: InventoryParts) -> None:
    """Building the model once, if the study declares the engineers' hours; otherwise said in a note."""
    hw = parts.spec.hardware
    if parts.spec.development_hours is None:
        parts.notes.append(
            "The engineers' development time is not declared (lca.development_hours): it is not counted."
        )
        return
    add_person_hour(
        parts, ENGINEER_HOUR, "one hour of an ML engineer's work", resolve(hw.engineer_power), hw.engineers, "engineers"
    )
    hours = resolve(parts.spec.development_hours)
    parts.add(
        Provider(
            name=DEVELOPMENT,
            label="building the model once (engineers' time)",
            unit="unit",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{hours.value} {hours.unit} of engineers' work. {hours.source.strip()}",
            uses=[
                ProviderUse(
                    input=ENGINEER_HOUR,
                    amount=hours.magnitude("hour"),
                    uncertainty=hours.uncertainty_in("hour"),
                    comment=hours.description.strip() or "development time",
                    group="development time",
                )
            ],
        )
    )
