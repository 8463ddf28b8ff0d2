"""Embodied impacts of the server (and GPUs) charged to the hours a scenario uses them.

How much of the server is charged follows the study's one allocation rule
(:mod:`.allocation`): with 'shared' or 'dedicated', the same share of the server's
idle power and of its embodied impacts, drawn once in the Monte Carlo.
"""

from __future__ import annotations

from lca.assessment.hardware import Device
from lca.assessment.inventory.allocation import ServerAllocation
from lca.assessment.inventory.electricity import add_it_electricity
from lca.assessment.inventory.names import (
    GPU_HOUR,
    IT_ELECTRICITY,
    SERVER_HOUR,
    SERVER_RUNNING_HOUR,
    SERVER_SHARE_GROUP,
    SERVER_SHARE_HOUR,
    STAGE_EMBODIED,
    STAGE_EMBODIED_GPU,
    STAGE_SERVER,
    measured_provider_name,
)
from lca.assessment.inventory.parts import InventoryParts
from lca.assessment.inventory.serving import OnlineTerms
from lca.errors import StudyError
from lca.records import EnergyRecord, Provider, ProviderUse, StageFlow, VariantBenchmark
from lca.uncertainty import NO_UNCERTAINTY


def add_hardware_hour(parts: InventoryParts, name: str, device_id: str, units: int, label: str) -> Device:
    device = parts.device(device_id)
    parts.add(
        Provider(
            name=name,
            label=label,
            unit="hour",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=(
                f"{units} x {device.label}: embodied impacts allocated by hours of use, 1 / "
                f"({device.lifetime_hours:g} h "
                f"x {device.use_ratio:g}) per hour. {device.source}"
            ),
            uses=[
                ProviderUse(
                    input=f"device::{device.id}",
                    amount=units * device.per_hour_of_use(),
                    uncertainty=device.lifetime_uncertainty,
                    comment="share of the device per hour of use",
                    group=f"lifetime of {device.id}",
                )
            ],
        )
    )
    return device


def threads_share(parts: InventoryParts, benchmark: VariantBenchmark, training: EnergyRecord) -> tuple[float, str]:
    """The share of the server by threads used (the rule of ``allocation: whole_machine``)."""
    hw = parts.spec.hardware
    server = parts.table.device(hw.server)
    if hw.server_share is not None:
        return hw.server_share, "the study's lca.hardware.server_share"
    if server.threads:
        threads = max(training.threads, benchmark.energy.threads)
        return min(1.0, threads / server.threads), f"{threads} threads used / {server.threads} of the server"
    return 1.0, "the whole server"


def embodied_stages(
    parts: InventoryParts,
    benchmark: VariantBenchmark,
    seconds_fixed: float,
    training: EnergyRecord,
    alloc: ServerAllocation,
    online: OnlineTerms | None = None,
) -> list[StageFlow]:
    """Hours of use (fixed stages plus inference), charged by the allocation rule.

    Batch serving: inference at the measured throughput, growing with the items. Online
    serving: the provisioned replica-hours instead, busy or not, which do not grow with them.
    """
    hw = parts.spec.hardware
    items = parts.study.functional_unit.items
    window = benchmark.energy
    if not window.items:
        raise ValueError(f"the inference window of variant {benchmark.variant!r} counts no items")
    add_hardware_hour(parts, SERVER_HOUR, hw.server, 1, "one hour of the whole server (embodied share)")
    if online is None:
        inference_s = window.duration_s / window.items * items
        hours = (seconds_fixed + inference_s) / 3600.0
        variable = inference_s / (seconds_fixed + inference_s) if hours > 0 else 1.0
        use = (
            f"{hours:.4g} h of use ({seconds_fixed:.1f} s training/compression/preparation + "
            f"{inference_s:.1f} s inference at the measured throughput)"
        )
    else:
        hours = seconds_fixed / 3600.0 + online.provisioned_hours
        variable = 0.0
        online_spec = parts.study.deployment.online
        use = (
            f"{hours:.6g} h of use ({seconds_fixed:.1f} s training/compression/preparation + "
            f"{online.comment(online_spec.batch_size, online_spec.replicas)})"
        )
    if alloc.rule == "whole_machine":
        share, why = threads_share(parts, benchmark, training)
        stages = [
            StageFlow(
                stage=STAGE_EMBODIED,
                provider=SERVER_HOUR,
                amount=hours * share,
                uncertainty=NO_UNCERTAINTY,
                variable_share=variable,
                comment=f"{use} x share {share:.4g} ({why}); allocation 'whole_machine'",
            )
        ]
    else:
        _add_server_share(parts, benchmark.idle_energy, alloc)
        stages = [
            StageFlow(
                stage=STAGE_SERVER,
                provider=SERVER_SHARE_HOUR,
                amount=hours,
                uncertainty=NO_UNCERTAINTY,
                variable_share=variable,
                comment=f"{use}, each charged share {alloc.share:.3g} of the server's idle power and embodied impacts "
                f"(allocation '{alloc.rule}')",
            )
        ]
    if not hw.gpu and "cuda" in {training.device, window.device}:
        raise StudyError(
            f"variant {benchmark.variant!r} ran on a GPU (deployment.device {parts.study.deployment.device!r}) but "
            "field 'lca.hardware.gpu' is not set: name the GPU (an id of include/data/hardware.yaml) so its "
            "embodied share is charged"
        )
    if hw.gpu:
        add_hardware_hour(parts, GPU_HOUR, hw.gpu, hw.gpus, f"one hour of {hw.gpus} GPU(s) (embodied share)")
        stages.append(
            StageFlow(
                stage=STAGE_EMBODIED_GPU,
                provider=GPU_HOUR,
                amount=hours,
                uncertainty=NO_UNCERTAINTY,
                variable_share=variable,
                comment=f"{hours:.4g} h of use of the GPU(s), wholly allocated to the workload",
            )
        )
    return stages


def _add_server_share(parts: InventoryParts, idle: EnergyRecord | None, alloc: ServerAllocation) -> None:
    """One hour of the server running (idle draw + embodied), and the service's share of it: one exchange for s."""
    if idle is None or alloc.idle_power_w is None:
        raise ValueError(f"allocation {alloc.rule!r} needs the run's idle power measurement")
    parts.add(
        Provider(
            name=SERVER_RUNNING_HOUR,
            label="one hour of the whole server running: its idle draw and its embodied share",
            unit="hour",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{_idle_text(alloc, idle)}, plus one hour of the server's embodied impacts",
            uses=[
                _idle_draw(parts, alloc, idle),
                ProviderUse(input=SERVER_HOUR, amount=1.0, uncertainty=NO_UNCERTAINTY, comment="embodied, per hour"),
            ],
        )
    )
    parts.add(
        Provider(
            name=SERVER_SHARE_HOUR,
            label="the service's share of one server hour",
            unit="hour",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=alloc.statement,
            uses=[
                ProviderUse(
                    input=SERVER_RUNNING_HOUR,
                    amount=alloc.share,
                    uncertainty=alloc.uncertainty,
                    comment=f"share {alloc.share:.3g}: {alloc.why}",
                    group=SERVER_SHARE_GROUP,
                )
            ],
        )
    )


def _idle_text(alloc: ServerAllocation, idle: EnergyRecord) -> str:
    if alloc.idle_source == "modelled":
        return f"idle power {alloc.idle_power_w:.3g} W of the modelled server ({alloc.idle_basis[:200]})"
    return f"idle power {alloc.idle_power_w:.3g} W measured over {idle.duration_s:.3g} s ({idle.method})"


def _idle_draw(parts: InventoryParts, alloc: ServerAllocation, idle: EnergyRecord) -> ProviderUse:
    """One hour's idle draw: the cited server figure with its spread, or the run's idle window.

    A window attributed to the task's own processes measures a sleeping process, not the
    server: the server's idle draw then comes from the modelled hardware (lca.assessment.inventory.allocation).
    """
    if alloc.idle_source == "modelled":
        if not parts.has(IT_ELECTRICITY):
            add_it_electricity(parts)
        return ProviderUse(
            input=IT_ELECTRICITY,
            amount=alloc.idle_power_w / 1000.0,
            uncertainty=alloc.idle_uncertainty,
            comment=f"kWh of the modelled server's idle draw per hour. {alloc.idle_basis}",
            group="server idle power (modelled)",
        )
    return ProviderUse(
        input=measured_provider_name(idle),
        amount=alloc.idle_power_w / 1000.0,
        uncertainty=NO_UNCERTAINTY,
        comment="kWh of idle draw per hour (its measurement error lives in the measured provider)",
    )
