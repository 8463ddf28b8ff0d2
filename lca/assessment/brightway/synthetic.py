"""A SYNTHETIC, ecoinvent-shaped Brightway database, generated from a seed (for tests and the scale benchmark).

Nobody may ship ecoinvent, and the machines that run this project cannot
download it, so the linking to a practitioner's background is tested and timed on
a database of the same *shape*: thousands of activities, a sparse technosphere
(about ten inputs each), lognormal uncertainty on every exchange, and emissions
of a few hundred real ``biosphere3`` flows that IPCC 2021 and EF v3.1
characterise. Its figures mean nothing: the database's name and every
activity's comment say SYNTHETIC.

The technosphere is built so that it always solves: every column of inputs sums
to well under one unit per unit produced (diagonally dominant), even at a high
lognormal draw. A few activities look like what a study links to: low-voltage
electricity markets of some countries (kWh), computers and a server (unit) and
heat from natural gas (MJ).
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

LABEL = "SYNTHETIC"

# Activities a study can link to: code -> (name, reference product, location, unit).
NAMED = {
    "elec-FR": ("market for electricity, low voltage", "electricity, low voltage", "FR", "kilowatt hour"),
    "elec-SE": ("market for electricity, low voltage", "electricity, low voltage", "SE", "kilowatt hour"),
    "elec-DE": ("market for electricity, low voltage", "electricity, low voltage", "DE", "kilowatt hour"),
    "desktop": ("market for computer, desktop, without screen", "computer, desktop, without screen", "GLO", "unit"),
    "laptop": ("market for computer, laptop", "computer, laptop", "GLO", "unit"),
    "monitor": ("market for display, liquid crystal, 17 inches", "display, liquid crystal, 17 inches", "GLO", "unit"),
    "server": ("market for server, rack-mounted", "server, rack-mounted", "GLO", "unit"),
    "heat-gas": (
        "market for heat, central or small-scale, natural gas",
        "heat, central or small-scale, natural gas",
        "Europe without Switzerland",
        "megajoule",
    ),
}
_UNITS = ["kilogram", "megajoule", "kilowatt hour", "unit", "cubic meter", "ton kilometer"]
_LOCATIONS = ["GLO", "RER", "RoW", "FR", "DE", "SE", "CN", "US", "IN", "PL"]


def characterised_flows(methods: Sequence[Sequence[str]], biosphere: str = "biosphere3") -> list[str]:
    """Codes of the biosphere flows ``methods`` characterise, from bw2io's bundled method file (sorted).

    The codes are ecoinvent's flow UUIDs: the same in ``biosphere3`` and in an
    ``ecoinvent-<version>-biosphere`` that ``bw2io.import_ecoinvent_release`` writes.
    """
    import bw2io

    path = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(path) as archive:
        data = {tuple(ds["name"]): ds for ds in json.loads(archive.read("data.json"))}
    codes = set()
    for method in methods:
        for cf in data[tuple(method)]["exchanges"]:
            if cf["input"][0] == biosphere:
                codes.add(cf["input"][1])
    return sorted(codes)


def _suppliers(rng: np.random.Generator, index: int, n: int, k: int, tier: int = 30, far: float = 0.005) -> list[int]:
    """Mostly the activities just upstream (supply-chain tiers), a few anywhere (loops, as in ecoinvent).

    Uniformly random links would make every LU factorisation nearly dense, which no real
    background is; tiers with rare long links keep the fill-in, and the cost per draw, realistic.
    """
    out: set[int] = set()
    while len(out) < k:
        if index == 0 or rng.random() < far:
            j = int(rng.integers(n))
        else:
            j = index - 1 - int(rng.integers(min(tier, index)))
        if j != index:
            out.add(j)
    return sorted(out)


def generate(  # noqa: PLR0913  # keyword-only knobs of the synthetic background, each with a default
    name: str,
    activities: int,
    methods: Sequence[Sequence[str]],
    *,
    seed: int = 0,
    inputs_per_activity: int = 10,
    flows: int = 300,
    biosphere: str = "biosphere3",
    gsd_range: tuple[float, float] = (1.05, 1.5),
    flows_per_activity: tuple[int, int] = (3, 8),
    hub_inputs: int = 0,
    hub_use: float = 0.0,
) -> dict[tuple[str, str], dict[str, Any]]:
    """The database as bw2data's ``Database.write`` takes it (no Brightway import here).

    ``flows_per_activity``: the range of elementary flows each activity emits (ecoinvent:
    tens). ``hub_inputs`` > 0 makes the electricity markets hubs, as ecoinvent's markets are:
    each takes that many inputs (drawn anywhere), and each other activity uses one of them
    with probability ``hub_use``.
    """
    if activities < len(NAMED) + inputs_per_activity + 1:
        raise ValueError(f"a synthetic database needs at least {len(NAMED) + inputs_per_activity + 1} activities")
    rng = np.random.Generator(np.random.PCG64(seed))
    pool = characterised_flows(methods)  # flow codes of the bundled file's biosphere3, written to ``biosphere``
    co2 = "349b29d1-3e58-4c66-98b9-9d1a076efd2e"  # Carbon dioxide, fossil, to air (biosphere3)
    chosen = list(rng.choice(pool, size=min(flows, len(pool)), replace=False))
    if co2 not in chosen:
        chosen[0] = co2
    codes = list(NAMED) + [f"act-{i:06d}" for i in range(activities - len(NAMED))]
    hubs = [i for i, code in enumerate(codes) if code.startswith("elec-")] if hub_inputs else []
    data: dict[tuple[str, str], dict[str, Any]] = {}

    def uncertain(amount: float) -> dict[str, Any]:
        gsd = float(rng.uniform(*gsd_range))
        return {"amount": amount, "uncertainty type": 2, "loc": math.log(amount), "scale": math.log(gsd)}

    for index, code in enumerate(codes):
        if code in NAMED:
            act_name, product, location, unit = NAMED[code]
        else:
            unit = _UNITS[index % len(_UNITS)]
            act_name = f"synthetic activity {index:06d}"
            product = f"synthetic product {index:06d}"
            location = _LOCATIONS[index % len(_LOCATIONS)]
        if index in hubs:
            others = np.delete(np.arange(len(codes)), index)
            suppliers = sorted(int(j) for j in rng.choice(others, size=min(hub_inputs, len(others)), replace=False))
        else:
            k = max(1, int(rng.poisson(inputs_per_activity)))
            suppliers = _suppliers(rng, index, len(codes), k)
            if hubs and rng.random() < hub_use:
                suppliers = sorted(set(suppliers) | {hubs[int(rng.integers(len(hubs)))]} - {index})
        # Medians summing to 0.25 per unit produced: even at 3 GSDs the column stays far below 1.
        shares = rng.dirichlet(np.ones(len(suppliers))) * 0.25
        exchanges = [{"input": (name, code), "amount": 1.0, "type": "production", "unit": unit}]
        for supplier, share in zip(suppliers, shares):
            exchanges.append(
                {"input": (name, codes[supplier]), "type": "technosphere", **uncertain(float(share) + 1e-6)}
            )
        n_flows = min(int(rng.integers(*flows_per_activity)), len(chosen))
        for flow in rng.choice(chosen, size=n_flows, replace=False):
            amount = float(10 ** rng.uniform(-6, -2))
            exchanges.append({"input": (biosphere, str(flow)), "type": "biosphere", **uncertain(amount)})
        # Every activity emits some fossil CO2, as almost every ecoinvent process does.
        exchanges.append({"input": (biosphere, co2), "type": "biosphere", **uncertain(float(10 ** rng.uniform(-2, 0)))})
        data[(name, code)] = {
            "name": act_name,
            "reference product": product,
            "location": location,
            "unit": unit,
            "type": "process",
            "comment": f"{LABEL}: generated from seed {seed} by lca.assessment.brightway.synthetic; not real data.",
            "exchanges": exchanges,
        }
    return data


def shape(data: dict[tuple[str, str], dict[str, Any]]) -> dict[str, float]:
    """Exchanges, the most technosphere inputs of one activity, and elementary flows per activity (mean)."""
    inputs = [sum(e["type"] == "technosphere" for e in ds["exchanges"]) for ds in data.values()]
    flows = [sum(e["type"] == "biosphere" for e in ds["exchanges"]) for ds in data.values()]
    return {
        "exchanges": sum(len(ds["exchanges"]) for ds in data.values()),
        "max_inputs": max(inputs),
        "biosphere_per_activity": sum(flows) / len(flows),
    }


def write(bd: Any, name: str, activities: int, methods: Sequence[Sequence[str]], **kwargs: Any) -> dict[str, float]:
    """Write the generated database into the current project of ``bd`` (bw2data); returns its :func:`shape`."""
    data = generate(name, activities, methods, **kwargs)
    if name in bd.databases:
        del bd.databases[name]
    db = bd.Database(name)
    db.register(description=f"{LABEL} ecoinvent-shaped database ({activities} activities), not real data")
    db.write(data, searchable=False)
    return shape(data)
