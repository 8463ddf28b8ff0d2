"""Write examples/time_of_use/SYNTHETIC_grid_profile_SE.csv: a SYNTHETIC hourly grid-intensity profile.

No public hourly grid-intensity series can be read offline with figures this
project could cite, so the example profile is generated from a seed, and labelled
SYNTHETIC in its file name, its header comment file and every study that uses it.
Its shape is plausible (a daily cycle peaking in the early evening, a winter
peak, persistent weather-driven swings), and its annual mean equals Sweden's
annual grid factor in include/data/grid_electricity.csv; its hourly figures mean
nothing. A study with real figures gives its own CSV (see README "Electricity over time").

    .venv/bin/python scripts/make_synthetic_grid_profile.py
"""

from __future__ import annotations

import math
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "examples" / "time_of_use" / "SYNTHETIC_grid_profile_SE.csv"
SEED = 2025


def main() -> None:
    from lca.assessment.background import grid_impacts

    annual = grid_impacts("SWE").totals["climate"] * 1000.0  # g CO2e/kWh
    rng = np.random.Generator(np.random.PCG64(SEED))
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    hours = 8760
    t = np.arange(hours)
    daily = 0.25 * np.sin(2 * math.pi * ((t % 24) - 12) / 24)  # low at night and around 06:00, high at 18:00
    seasonal = 0.30 * np.cos(2 * math.pi * t / hours)  # winter high, summer low
    weather = np.zeros(hours)
    for k in range(1, hours):  # AR(1): a windy day stays windy for a while
        weather[k] = 0.97 * weather[k - 1] + rng.normal(0.0, 0.06)
    shape = np.exp(daily + seasonal + weather)
    values = annual * shape / shape.mean()
    lines = ["timestamp,g_co2e_per_kwh"]
    for k in range(hours):
        lines.append(f"{(start + timedelta(hours=k)).isoformat()},{values[k]:.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} (SYNTHETIC, seed {SEED}, annual mean {values.mean():.1f} g CO2e/kWh)")


if __name__ == "__main__":
    main()
