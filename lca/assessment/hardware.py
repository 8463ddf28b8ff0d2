"""Embodied impacts of the hardware, from ``include/data/hardware.yaml``.

The data file holds Boavizta's transcribed inputs (component factors, device
configurations, ADEME device totals); this module recomputes each device's
totals with Boavizta's published bottom-up formulas, so the figures stay
traceable component by component and no package outside the pinned stack is
needed. The life-cycle model then allocates a device's totals to a use by its
hours of use over its lifetime (see :func:`Device.per_hour_of_use`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lca.errors import ReferenceDataError
from lca.settings import reference_data_dir
from lca.study.impact_methods import Category
from lca.study.reference_data import HARDWARE_FILE, check_device_id, hardware_data
from lca.uncertainty import Uncertainty

EMBODIED: tuple[Category, ...] = ("climate", "minerals", "fossils")

# Boavizta's GPU die model (boaviztapi/models/component/gpu.py, version 2.5.0).
_KERF_MM = 0.2
_WAFER_DIAMETER_MM = 300.0
_VRAM_DIE_MM2_PER_GB = 15.5


class Device(BaseModel):
    """One piece of hardware: its embodied totals per category, and how long it is used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    kind: Literal["server", "gpu", "user_device"]
    source: str
    geography: str = Field(
        description="where the embodied figure applies: 'global' for hardware on world supply chains"
    )
    geography_note: str = Field(default="", description="what of the figure is tied to one place (lifetimes, use)")
    totals: dict[str, float] = Field(description="category -> embodied total of one device (kg CO2-eq, kg Sb-eq, MJ)")
    components: dict[str, dict[str, float]] = Field(default_factory=dict, description="component -> category -> total")
    threads: int | None = None
    lifetime_hours: float = Field(gt=0)
    use_ratio: float = Field(gt=0, le=1)
    uncertainty: dict[str, Uncertainty]
    lifetime_uncertainty: Uncertainty
    water_note: str

    @property
    def hours_of_use(self) -> float:
        """Hours the device is in use over its life: the allocation key."""
        return self.lifetime_hours * self.use_ratio

    def per_hour_of_use(self) -> float:
        """Share of one device charged to one hour of use."""
        return 1.0 / self.hours_of_use


class HardwareTable(BaseModel):
    release: str
    water_note: str
    devices: dict[str, Device]

    def device(self, device_id: str) -> Device:
        check_device_id(device_id, list(self.devices))
        return self.devices[device_id]


def effective_die_area(die_mm2: float) -> float:
    """Wafer area one good die costs (kerf, round-wafer edge loss, yield): Boavizta's GPU model."""
    width = math.sqrt(die_mm2) + _KERF_MM
    area = width**2
    wafer = math.pi * (_WAFER_DIAMETER_MM / 2) ** 2
    dies = wafer / area - math.pi * _WAFER_DIAMETER_MM / math.sqrt(2 * area)
    effective = area * wafer / (dies * area)
    usable = math.exp(-math.sqrt(area / 100 * 0.1))
    return effective / usable


def _server_components(spec: dict, factors: dict) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, comp in spec.items():
        f = factors[name]
        units = comp.get("units", 1)
        row = {}
        for cat in EMBODIED:
            k = f[cat]
            if name == "cpu":
                row[cat] = units * (comp["die_mm2"] * k["die_per_mm2"] + k["base"])
            elif name in ("ram", "ssd"):
                row[cat] = units * (comp["capacity_gb"] / comp["density_gb_per_cm2"] * k["die_per_cm2"] + k["base"])
            elif name == "power_supply":
                row[cat] = units * comp["kg_each"] * k["per_kg"]
            else:
                row[cat] = units * k["per_unit"]
        out[name] = row
    return out


def _gpu_components(spec: dict, factors: dict) -> dict[str, dict[str, float]]:
    die = effective_die_area(spec["die_mm2"])
    vram_die = spec["vram_gb"] * _VRAM_DIE_MM2_PER_GB / spec["vram_dies"]
    vram = effective_die_area(vram_die) * spec["vram_dies"]
    weight = spec["weight_kg"]
    amounts = {
        "gpu_casing": ("per_kg", spec["casing_kg"]),
        "gpu_heatsink": ("per_kg", spec["heatsink_kg"]),
        "gpu_pwb": ("per_cm2", spec["pwb_cm2"]),
        "gpu_die": ("per_mm2", die),
        "gpu_vram": ("per_mm2", vram),
        "gpu_upstream_transport": ("per_kg", weight),
        "gpu_transport_truck": ("per_kg_km", weight * spec["truck_km"]),
        "gpu_transport_boat": ("per_kg_km", weight * spec["boat_km"]),
        "gpu_transport_plane": ("per_kg_km", weight * spec["plane_km"]),
        "gpu_end_of_life": ("per_kg", weight),
    }
    return {name: {cat: factors[name][cat][key] * qty for cat in EMBODIED} for name, (key, qty) in amounts.items()}


def _device(device_id: str, raw: dict, factors: dict, uncertainty: dict, water_note: str) -> Device:
    model = raw.get("model")
    if model == "boavizta_server":
        components = _server_components(raw["components"], factors)
    elif model == "boavizta_gpu":
        components = _gpu_components(raw["components"], factors)
    elif model == "total":
        components = {}
    else:
        raise ValueError(f"model must be boavizta_server, boavizta_gpu or total, got {model!r}")
    totals = {cat: sum(c[cat] for c in components.values()) for cat in EMBODIED} if components else dict(raw["totals"])
    return Device(
        id=device_id,
        label=raw["label"],
        kind=raw["kind"],
        source=raw["source"],
        geography=raw["geography"],
        geography_note=raw.get("geography_note", ""),
        totals=totals,
        components=components,
        threads=raw.get("threads"),
        lifetime_hours=raw["lifetime_hours"],
        use_ratio=raw["use_ratio"],
        uncertainty={cat: uncertainty[cat] for cat in EMBODIED},
        lifetime_uncertainty=uncertainty["lifetime"],
        water_note=water_note,
    )


@lru_cache(maxsize=4)
def _load(path: Path) -> HardwareTable:
    raw = hardware_data(path)
    try:
        uncertainty = {k: Uncertainty.model_validate(v) for k, v in raw["uncertainty"].items()}
        factors = raw["component_factors"]
        water_note = raw["water_note"]
    except (KeyError, TypeError, ValidationError) as exc:
        raise ReferenceDataError(
            f"{path}: fields 'uncertainty', 'component_factors', 'water_note' needed: {exc}"
        ) from exc
    devices = {}
    for device_id, body in (raw.get("devices") or {}).items():
        try:
            devices[device_id] = _device(device_id, body, factors, uncertainty, water_note)
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise ReferenceDataError(f"{path}: field 'devices.{device_id}': {type(exc).__name__}: {exc}") from exc
    return HardwareTable(release=raw.get("release", ""), water_note=water_note, devices=devices)


def hardware_table(path: Path | None = None) -> HardwareTable:
    return _load(Path(path or reference_data_dir() / HARDWARE_FILE))
