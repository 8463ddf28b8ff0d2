"""Hand-made records for tests that must not depend on a real measurement."""

from __future__ import annotations

from lca.assessment.inventory import build_inventory
from lca.records import EnergyRecord, VariantBenchmark
from lca.study.life_cycle import LcaSpec
from lca.study.loading import load_study
from lca.uncertainty import Uncertainty

ESTIMATE = Uncertainty(distribution="lognormal", gsd=1.8, basis="test")


def energy(stage: str, kwh: float, items: int | None = None, duration_s: float = 10.0) -> EnergyRecord:
    return EnergyRecord(
        stage=stage,
        duration_s=duration_s,
        energy_kwh=kwh,
        cpu_kwh=kwh / 4,
        ram_kwh=kwh * 3 / 4,
        gpu_kwh=0.0,
        method="codecarbon_estimate",
        method_detail="codecarbon cpu mode 'cpu_load', gpu count 0",
        uncertainty=ESTIMATE,
        cpu_model="Test CPU",
        threads=2,
        tracking_mode="machine",
        codecarbon_version="3.3.2",
        items=items,
    )


def bench(variant: str, kwh_per_item: float, accuracy: float = 0.97, items: int = 1000) -> VariantBenchmark:
    record = energy(f"inference:{variant}", kwh_per_item * items, items=items)
    return VariantBenchmark(
        variant=variant,
        description=f"{variant} for tests",
        accuracy=accuracy,
        quality={"accuracy": accuracy, "macro_f1": accuracy},
        primary_metric="accuracy",
        primary_value=accuracy,
        quality_loss=0.0,
        n_test_items=450,
        latency_ms_median=1.0,
        latency_ms_p90=1.2,
        batch_size=64,
        items_per_second=items / record.duration_s,
        size_bytes=1000,
        n_parameters=100,
        n_nonzero_parameters=100,
        energy=record,
        energy_per_item_kwh=kwh_per_item,
        routed_fraction=1.0 - accuracy,
    )


def digits_inventory(run_id: str):
    """The digits study with made-up measurements and the office boundary: a realistic, reproducible inventory."""
    from tests.conftest import DIGITS

    study = load_study(DIGITS)
    study = study.model_copy(
        update={"lca": LcaSpec(system_boundary="devices_and_office", development_hours="development_hours_small_model")}
    )
    names = study.variant_names()
    return build_inventory(
        study,
        run_id,
        training=energy("training", 0.02, duration_s=40.0),
        compression={n: energy(f"compression:{n}", 0.001 * (i + 1)) for i, n in enumerate(names[1:])},
        benchmarks={n: bench(n, 2e-9 / (i + 1), accuracy=0.99 - 0.01 * i) for i, n in enumerate(names)},
    )


def sampled(record: EnergyRecord, interval: float = 1.0) -> EnergyRecord:
    """A record as the tracker writes it now: with its sampling interval."""
    return record.model_copy(update={"sampling_interval_s": interval})


def measured_bench(
    variant: str, watts: float, idle: EnergyRecord, accuracy: float = 0.97, items: int = 1000, duration_s: float = 10.0
) -> VariantBenchmark:
    """A benchmark whose window drew ``watts`` for ``duration_s`` (1 s sampling), measured against ``idle``."""
    kwh = watts * duration_s / 3.6e6
    b = bench(variant, kwh / items, accuracy=accuracy, items=items)
    window = sampled(b.energy.model_copy(update={"energy_kwh": kwh, "duration_s": duration_s}))
    dynamic = (kwh - idle.mean_power_w * duration_s / 3.6e6) / items
    return b.model_copy(
        update={
            "energy": window,
            "energy_per_item_kwh": kwh / items,
            "idle_energy": idle,
            "idle_power_w": idle.mean_power_w,
            "dynamic_energy_per_item_kwh": dynamic,
        }
    )


IDLE_W = 20.0


def idle_record(watts: float = IDLE_W, seconds: float = 5.0) -> EnergyRecord:
    return sampled(energy("idle", watts * seconds / 3.6e6, duration_s=seconds))


def digits_measured_inventory(run_id: str, allocation: str = "shared"):
    """The digits study with an idle measurement, so the allocation rule applies (not the no-idle fallback)."""
    from tests.conftest import DIGITS

    study = load_study(DIGITS)
    study = study.model_copy(
        update={
            "lca": LcaSpec(system_boundary="devices_and_office", development_hours="development_hours_small_model"),
            "deployment": study.deployment.model_copy(update={"allocation": allocation}),
        }
    )
    names = study.variant_names()
    idle = idle_record()
    return build_inventory(
        study,
        run_id,
        training=sampled(energy("training", 60 * 40.0 / 3.6e6, duration_s=40.0)),  # 60 W for 40 s
        compression={n: sampled(energy(f"compression:{n}", 45 * 3.0 / 3.6e6, duration_s=3.0)) for n in names[1:]},
        benchmarks={n: measured_bench(n, 40.0 - i, idle, accuracy=0.99 - 0.01 * i) for i, n in enumerate(names)},
    )
