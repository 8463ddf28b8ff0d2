"""Hand-made records for tests that must not depend on a real measurement."""

from __future__ import annotations

from lca.assessment.inventory import build_inventory
from lca.records import EnergyRecord, VariantBenchmark
from lca.study.life_cycle import LcaSpec
from lca.study.schema import load_study
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
