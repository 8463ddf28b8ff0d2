"""Embodied impacts of the server (and GPUs) charged to the hours a scenario uses them."""

from __future__ import annotations

from lca.assessment.hardware import Device
from lca.assessment.inventory.names import GPU_HOUR, SERVER_HOUR, STAGE_EMBODIED, STAGE_EMBODIED_GPU
from lca.assessment.inventory.parts import InventoryParts
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
                f"{units} x {device.label}: embodied impacts allocated by hours of use, 1 / ({device.lifetime_hours:g} h "
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


def embodied_stages(
    parts: InventoryParts, benchmark: VariantBenchmark, seconds_fixed: float, training: EnergyRecord
) -> list[StageFlow]:
    """Hours of use (fixed stages plus inference at the measured throughput) times the server's share."""
    hw = parts.spec.hardware
    items = parts.study.functional_unit.items
    window = benchmark.energy
    if not window.items:
        raise ValueError(f"the inference window of variant {benchmark.variant!r} counts no items")
    inference_s = window.duration_s / window.items * items
    hours = (seconds_fixed + inference_s) / 3600.0
    variable = inference_s / (seconds_fixed + inference_s) if hours > 0 else 1.0
    server = add_hardware_hour(parts, SERVER_HOUR, hw.server, 1, "one hour of the whole server (embodied share)")
    if hw.server_share is not None:
        share, why = hw.server_share, "the study's server_share"
    elif server.threads:
        threads = max(training.threads, window.threads)
        share, why = min(1.0, threads / server.threads), f"{threads} threads used / {server.threads} of the server"
    else:
        share, why = 1.0, "the whole server"
    stages = [
        StageFlow(
            stage=STAGE_EMBODIED,
            provider=SERVER_HOUR,
            amount=hours * share,
            uncertainty=NO_UNCERTAINTY,
            variable_share=variable,
            comment=(
                f"{hours:.4g} h of use ({seconds_fixed:.1f} s training/compression/preparation + "
                f"{inference_s:.1f} s inference at the measured throughput) x share {share:.4g} ({why})"
            ),
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
