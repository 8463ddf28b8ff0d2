"""Regenerate include/data/grid_electricity.csv from the grid data CodeCarbon ships.

Run by hand when CodeCarbon is upgraded; the product itself only reads the CSV,
so a study's numbers never change silently with a library upgrade.
"""

from __future__ import annotations

import csv
import json
from importlib import metadata, resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "include" / "data" / "grid_electricity.csv"


def main() -> None:
    raw = resources.files("codecarbon").joinpath("data/private_infra/global_energy_mix.json").read_text()
    mix = json.loads(raw)
    rows = [
        {
            "iso3": iso3,
            "country": entry["country_name"],
            "g_co2e_per_kwh": f"{entry['carbon_intensity']:.3f}",
            "year": entry.get("year", ""),
        }
        for iso3, entry in sorted(mix.items())
        if entry.get("carbon_intensity") and entry.get("year")
    ]
    with OUT.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["iso3", "country", "g_co2e_per_kwh", "year"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries from codecarbon {metadata.version('codecarbon')} to {OUT}")


if __name__ == "__main__":
    main()
