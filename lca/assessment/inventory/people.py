"""People's work: an hour of a clerk or an engineer with their devices, an item done by hand, fixed efforts,
development."""

from __future__ import annotations

from lca.assessment.inventory.names import (
    BUILT_ONCE,
    CLERK_HOUR,
    CLERK_HOUR_FULL,
    DATA_COLLECTION,
    DEVELOPMENT,
    ENGINEER_HOUR,
    MANUAL_ITEM,
    OFFICE_HOUR,
    RETRAINING_EFFORT,
    REVIEW_ITEM,
    SERVICE_LIFE_SHARE,
    effort_provider_name,
)
from lca.assessment.inventory.office import add_office
from lca.assessment.inventory.parts import InventoryParts
from lca.assessment.inventory.spread import lognormal_product
from lca.records import Provider, ProviderUse
from lca.study.human_effort import period_hours
from lca.study.reference_data import Parameter
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
    framework = parts.spec.framework
    add_person_hour(
        parts,
        CLERK_HOUR if framework.kind == "attributional" else CLERK_HOUR_FULL,
        "one hour of a person doing the job the reference way",
        parts.figure(study.reference.device_power),
        parts.spec.hardware.workers,
        "workers",
    )
    if framework.kind == "consequential":
        _removed_hour(parts, parts.figure(framework.consequential.work_removed))
    add_fixed_efforts(parts)
    if study.reference.time_per_item is None:
        return
    seconds = parts.figure(study.reference.time_per_item)
    per_item_h = seconds.magnitude("hour")
    verification = _person_time(
        parts, study.reference.verification_time_per_item, "verification time per item (people)"
    )
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
            ]
            + ([verification] if verification is not None else []),
        )
    )


def add_review_item(parts: InventoryParts) -> None:
    """A person's review or spot check of one item the model keeps, where the study's routing declares one."""
    use = _person_time(parts, parts.study.routing.review_time_per_item, "review time per kept item (people)")
    if use is None:
        return
    parts.add(
        Provider(
            name=REVIEW_ITEM,
            label="review of one item the model keeps",
            unit="item",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=use.comment,
            uses=[use],
        )
    )


def _person_time(parts: InventoryParts, ref, group: str) -> ProviderUse | None:
    """Time of the person doing the job the reference way, per item (None when the study declares none)."""
    if ref is None:
        return None
    seconds = parts.figure(ref, group)
    hours = seconds.magnitude("hour")
    return ProviderUse(
        input=CLERK_HOUR,
        amount=hours,
        uncertainty=seconds.uncertainty_in("hour"),
        comment=f"{seconds.value} {seconds.unit} per item = {hours:.4g} h. {seconds.source.strip()}",
        group=group,
    )


def _removed_hour(parts: InventoryParts, removed: Parameter) -> None:
    """Consequential: an hour of people's work changes the world only by its share that is really removed."""
    share = removed.magnitude("dimensionless")
    parts.add(
        Provider(
            name=CLERK_HOUR,
            label="one hour of a person's work, as far as it is really removed (consequential)",
            unit="hour",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"share {share:g} of the hour's devices and office: the rest of the hours is redeployed and "
            f"keeps its desk. {removed.source.strip()}",
            uses=[
                ProviderUse(
                    input=CLERK_HOUR_FULL,
                    amount=share,
                    uncertainty=removed.uncertainty_in("dimensionless"),
                    comment="share of the work really removed",
                    group="share of the work really removed",
                )
            ],
        )
    )
    parts.notes.append(
        f"Consequential framework: people's hours on both sides count their devices and office only for the share "
        f"{share:g} of the work that is really removed (lca.framework.consequential.work_removed); the rest is "
        "redeployed and keeps its desk. Engineers' hours are additional work and count in full."
    )


def add_fixed_efforts(parts: InventoryParts) -> None:
    """One provider per fixed effort: its hours per functional unit of a person's work (lca.human_effort)."""
    fu = parts.study.functional_unit
    for effort in parts.spec.human_effort:
        hours = parts.figure(effort.hours, f"fixed effort '{effort.name}'")
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


def _engineer_hour(parts: InventoryParts) -> None:
    hw = parts.spec.hardware
    add_person_hour(
        parts,
        ENGINEER_HOUR,
        "one hour of an ML engineer's work",
        parts.figure(hw.engineer_power),
        hw.engineers,
        "engineers",
    )


def _hours_provider(parts: InventoryParts, name: str, label: str, person: str, ref, group: str) -> None:
    hours = parts.figure(ref, label)
    parts.add(
        Provider(
            name=name,
            label=label,
            unit="unit",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{hours.value} {hours.unit} of work. {hours.source.strip()}",
            uses=[
                ProviderUse(
                    input=person,
                    amount=hours.magnitude("hour"),
                    uncertainty=hours.uncertainty_in("hour"),
                    comment=hours.description.strip() or label,
                    group=group,
                )
            ],
        )
    )


def add_development(parts: InventoryParts) -> None:
    """What is built once (development by engineers, data collection by people), and its share of one period.

    With ``lca.service_life``, one functional-unit period carries period / service life of it
    (one shared draw of the service life for every scenario); without, all of it, said in a
    note. Sets ``parts.build_provider``: the provider the development stage draws on.
    Retraining effort (engineers' hours per model build) is added here too.
    """
    spec = parts.spec
    if spec.retraining_hours is not None:
        _engineer_hour(parts)
        _hours_provider(
            parts,
            RETRAINING_EFFORT,
            "engineers' work on one model build (retraining)",
            ENGINEER_HOUR,
            spec.retraining_hours,
            "engineering hours per retraining",
        )
    elif spec.development_hours is not None:
        parts.notes.append(
            "The engineers' time of each retraining is not declared (lca.retraining_hours): only its energy is counted."
        )
    built = []
    if spec.development_hours is None:
        parts.notes.append(
            "The engineers' development time is not declared (lca.development_hours): it is not counted."
        )
    else:
        _engineer_hour(parts)
        _hours_provider(
            parts,
            DEVELOPMENT,
            "building the model once (engineers' time)",
            ENGINEER_HOUR,
            spec.development_hours,
            "development time",
        )
        built.append(DEVELOPMENT)
    if spec.data_collection_hours is not None:
        _hours_provider(
            parts,
            DATA_COLLECTION,
            "collecting and labelling the training data once (people's time)",
            CLERK_HOUR,
            spec.data_collection_hours,
            "data collection time",
        )
        built.append(DATA_COLLECTION)
    if not built:
        return
    if spec.service_life is None and built == [DEVELOPMENT]:
        parts.build_provider = DEVELOPMENT
        parts.notes.append(
            "No service life is declared (lca.service_life): the development is charged in full to one "
            f"functional-unit period ({parts.study.functional_unit.period})."
        )
        return
    parts.add(
        Provider(
            name=BUILT_ONCE,
            label="what is built once: " + " and ".join(b.replace("_", " ") for b in built),
            unit="unit",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment="the model's development and its data, built once for its whole service life",
            uses=[ProviderUse(input=b, amount=1.0, uncertainty=NO_UNCERTAINTY, comment=b) for b in built],
        )
    )
    parts.build_provider = BUILT_ONCE
    if spec.service_life is None:
        parts.notes.append(
            "No service life is declared (lca.service_life): development and data collection are charged in full "
            f"to one functional-unit period ({parts.study.functional_unit.period})."
        )
        return
    life = parts.figure(spec.service_life)
    period = parts.study.functional_unit.period
    share = period_hours(period) / life.magnitude("hour")
    _, spread = lognormal_product([("service life", life, "-")])
    parts.add(
        Provider(
            name=SERVICE_LIFE_SHARE,
            label=f"one functional-unit period's share of what is built once ({period} / service life)",
            unit="unit",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{period} / {life.value:g} {life.unit} = {share:.4g}. Service life: {life.source.strip()}",
            uses=[
                ProviderUse(
                    input=BUILT_ONCE,
                    amount=share,
                    uncertainty=spread,
                    comment=f"{period} / {life.value:g} {life.unit} of service life",
                    group="service life of the model",
                )
            ],
        )
    )
    parts.build_provider = SERVICE_LIFE_SHARE
