"""Regenerate include/data/grid_impacts.csv: minerals, fossil resources and water per kWh, per country.

Run by hand, like ``refresh_grid_data.py``: the product reads only the CSV, so no
library upgrade changes a study's numbers silently. Inputs:

* the countries of ``include/data/grid_electricity.csv`` (CodeCarbon's table, GWP100);
* Boavizta API's public data files (boaviztapi 2.5.0 on PyPI, unpacked; pass the
  folder ``boaviztapi/data`` as ``--boavizta-data``): ``crowdsourcing/electrical_mix.csv``
  (ADEME Base IMPACTS 2011: ``adpe`` kg Sb-eq/kWh, ``adpf`` MJ/kWh, about 140 countries)
  and ``factors.yml`` (``electricity.<ISO3>.wu``: WRI water consumption, m3/kWh, 49 countries);
* CodeCarbon's bundled generation mix by source (installed package) and
  ``include/data/water_consumption_by_source.yaml`` for the water of countries WRI
  does not cover.

Countries missing from the ADEME table take its world average (flagged ``world``,
with a wider uncertainty, see grid_impacts.source.yaml).

    .venv/bin/python scripts/build_grid_impacts.py --boavizta-data /tmp/bz/w/boaviztapi/data
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import statistics
from importlib import metadata, resources
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "include" / "data"
OUT = DATA / "grid_impacts.csv"
COLUMNS = [
    "iso3",
    "minerals_kg_sb_eq_per_kwh",
    "minerals_route",
    "fossils_mj_per_kwh",
    "fossils_route",
    "water_m3_per_kwh",
    "water_route",
]


def _ademe(boavizta: Path) -> dict[str, dict[str, float]]:
    with (boavizta / "crowdsourcing" / "electrical_mix.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        record = dict(zip(header, row))
        if record.get("name") in ("adpe", "adpf") and record.get("source", "").startswith("ADEME"):
            for iso3, value in record.items():
                if len(iso3) == 3 and iso3.isupper() and value not in ("", None):
                    out.setdefault(iso3, {})[record["name"]] = float(value)
    return out


def _wri_water(boavizta: Path) -> dict[str, float]:
    text = (boavizta / "factors.yml").read_text(encoding="utf-8")
    docs: dict = {}
    for block in re.split(r'\n(?=")', text):  # one top-level JSON-like mapping per block
        docs.update(yaml.safe_load(block))
    out = {}
    for iso3, entry in docs["electricity"].items():
        wu = entry.get("wu") if isinstance(entry, dict) else None
        if wu and "wri.org" in wu.get("source", "") and wu.get("unit") == "m3/kWh":
            out[iso3] = float(wu["value"])
    return out


def _mix_water(factors: dict) -> dict[str, float]:
    mix = json.loads(resources.files("codecarbon").joinpath("data/private_infra/global_energy_mix.json").read_text())
    gallon = factors["gallon_m3"]
    out = {}
    for iso3, entry in mix.items():
        total = entry.get("total_TWh") or 0.0
        if total <= 0:
            continue
        gal_per_mwh = sum(entry.get(f"{src}_TWh", 0.0) * f["value"] for src, f in factors["factors"].items()) / total
        out[iso3] = gal_per_mwh * gallon / 1000.0  # gal/MWh -> m3/kWh
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boavizta-data", type=Path, required=True, help="the unpacked boaviztapi/data folder")
    args = parser.parse_args()

    countries = [row["iso3"] for row in csv.DictReader((DATA / "grid_electricity.csv").open(newline=""))]
    ademe = _ademe(args.boavizta_data)
    world = ademe["WOR"]
    wri = _wri_water(args.boavizta_data)
    factors = yaml.safe_load((DATA / "water_consumption_by_source.yaml").read_text())
    fallback = _mix_water(factors)

    rows = []
    for iso3 in countries:
        own = ademe.get(iso3, {})
        row = {"iso3": iso3}
        for column, key, name in (
            ("minerals_kg_sb_eq_per_kwh", "adpe", "minerals"),
            ("fossils_mj_per_kwh", "adpf", "fossils"),
        ):
            if key in own:
                row[column], row[f"{name}_route"] = f"{own[key]:.6g}", "country"
            else:
                row[column], row[f"{name}_route"] = f"{world[key]:.6g}", "world"
        if iso3 in wri:
            row["water_m3_per_kwh"], row["water_route"] = f"{wri[iso3]:.6g}", "wri"
        else:
            row["water_m3_per_kwh"], row["water_route"] = f"{fallback[iso3]:.6g}", "mix"
        rows.append(row)
    with OUT.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)

    both = [iso3 for iso3 in wri if iso3 in fallback and wri[iso3] > 0]
    ratios = [fallback[iso3] / wri[iso3] for iso3 in both]
    logs = [math.log(r) for r in ratios]
    print(f"wrote {len(rows)} countries to {OUT} (codecarbon {metadata.version('codecarbon')})")
    print(
        f"water fallback / WRI over {len(both)} countries: median {statistics.median(ratios):.2f}, "
        f"geometric SD {math.exp(statistics.pstdev(logs)):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}"
    )
    for route in ("minerals_route", "fossils_route", "water_route"):
        counts = {}
        for row in rows:
            counts[row[route]] = counts.get(row[route], 0) + 1
        print(f"{route}: {counts}")


if __name__ == "__main__":
    main()
