"""Where each measured stage's energy comes from, how far it resolves, and how much it weighs (issue 18, items 3-5).

Template ``report_energy_sources.html.j2`` names each window's method and attribution basis
(cited power model, RAPL attributed, NVML, or CodeCarbon's whole-machine figure); a
benchmark figure that is not resolved is an upper bound and no energy verdict is drawn
from it. The 'In short' box and the Limitations say when a window was contaminated by
foreign load, contended (measured beside foreign load that may have changed the task's CPU
time: its interval widened both ways, :mod:`lca.energy.contention`) or stayed unresolved,
and the dominance statement says whether any energy
figure measured here could change a conclusion (:func:`lca.assessment.dominance.dominance`).
With ``benchmark.energy_batch_sizes``, energy per item at each batch size is shown beside the
one booked (:func:`batch_sweep`), since the figure booked depends on the deployment's batching.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.assessment.dominance import dominance, measurement_interval
from lca.records import EnergyRecord, LciaResults, StudyInventory, VariantBenchmark
from lca.reporting.formats import sig
from lca.reporting.in_short import plain_name, short_name
from lca.reporting.tables import write_csv

# Every measured window with its figures, source and company (issue 23: the printed report states the
# windows once, grouped; each window's own row is here and in tables.xlsx).
ENERGY_WINDOWS_CSV = "energy_windows.csv"

SOURCES = {
    "rapl_marginal": "RAPL counters, attributed: the task's CPU seconds x the fitted marginal energy per CPU-second",
    "rapl_share": "RAPL counters, attributed by the task's share of CPU time (Scaphandre's rule)",
    "rapl_difference": "RAPL counters above an interleaved idle window, attributed by the task's CPU time",
    "cpu_power_model": "cited power model (no counters): W per thread of the named CPU x the task's CPU seconds, "
    "plus its resident memory x W/GB",
    "cpu_power_model_family": "cited power model (no counters), CPU not named: its family's W per thread, a wide "
    "stated spread, plus resident memory x W/GB",
    "nvml": "NVML total-energy counter of the task's GPUs, plus the host part attributed",
    "rapl": "CodeCarbon's RAPL reading of the whole machine (not attributed to the task)",
    "codecarbon_estimate": "CodeCarbon's estimate for the whole machine from CPU load and a TDP (not attributed)",
}


def _basis(record: EnergyRecord) -> str:
    a = record.attribution
    if a is None:  # the method's own text is a numbered note of the energy table, written once
        return "no attribution recorded: the machine-wide figure of the window"
    parts = [a.cpu_source]
    if a.ram_source:
        parts.append(a.ram_source)
    if a.gpus:
        parts.append("GPUs " + ", ".join(a.gpus) + ("" if a.gpu_held_alone is not False else " (shared)"))
    if a.fallback:
        parts.append(f"fallback: {a.fallback}")
    return "; ".join(p for p in parts if p)


def energy_context(
    inventory: StudyInventory,
    lcia: LciaResults,
    benchmarks: list[VariantBenchmark],
    energy: list[EnergyRecord],
    folder: Path | None = None,
) -> dict[str, Any]:
    """``folder``: where the table of every window is written (energy_windows.csv); none, no table."""
    bounds = {b.energy.stage: b for b in benchmarks}
    rows = []
    windows = [*energy, *(b.energy for b in benchmarks)]
    for record in windows:
        b = bounds.get(record.stage)
        rows.append(
            {
                "stage": record.stage,
                "method": record.method,
                "source": SOURCES.get(record.method, record.method),
                "basis": _basis(record),
                "upper_bound": b is not None and not b.energy_resolved,
                "contaminated": record.contaminated or (b is not None and b.energy_contaminated),
                "contended": record.contended or (b is not None and b.energy_contended),
            }
        )
    contaminated = [str(r["stage"]) for r in rows if r["contaminated"]]
    unresolved = [b.variant for b in benchmarks if not b.energy_resolved]
    warnings = []
    if contaminated:
        warnings.append(
            f"Energy of {_windows(contaminated, len(rows), 'contaminated')} could not be separated from other "
            "processes' load on the host after the allowed re-measures: these figures include some of the neighbours' "
            "energy."
        )
    contended = contended_warning(rows, benchmarks)
    if contended:
        warnings.append(contended)
    if unresolved:
        warnings.append(
            f"Inference energy of {', '.join(unresolved)} was not resolved (the load did not rise clearly above the "
            "reference window): it is booked at its upper bound, and no energy verdict is drawn from it."
        )
    warnings.extend(inventory.host_warnings)  # the server's share charged is not the hardware measured
    statement = dominance_statement(inventory, lcia)
    return {
        "energy_sources": rows,
        "energy_source_groups": _grouped_by_source(rows),
        "energy_warnings": warnings,
        "dominance": statement,
        "energy_by_batch": batch_sweep(benchmarks),
        "energy_windows_csv": _windows_csv(folder, rows, windows, benchmarks) if folder else None,
    }


LISTED_STAGES = 4  # beyond this many, a warning counts the windows and the table below names them


def _windows(stages: list[str], total: int, flag: str) -> str:
    """'2 windows (inference:a, inference:b)', or '24 of 26 windows (marked "contended" in the table below)': on a
    shared host every window can be flagged, and 24 stage names would fill a printed page."""
    if len(stages) <= LISTED_STAGES:
        return f"{len(stages)} window{'s' if len(stages) > 1 else ''} ({', '.join(stages)})"
    return f'{len(stages)} of {total} windows (marked "{flag}" in the table below)'


def contended_warning(rows: list[dict[str, Any]], benchmarks: list[VariantBenchmark]) -> str:
    """The windows measured beside foreign load, and what the contention term did to their intervals ('' if none)."""
    stages = [str(r["stage"]) for r in rows if r["contended"]]
    if not stages:
        return ""
    cores = [b.energy_foreign_cores for b in benchmarks if b.energy_contended and b.energy_foreign_cores is not None]
    divisors = [b.energy_contention_divisor for b in benchmarks if b.energy_contended]
    busiest = f", up to {sig(max(cores), 2)} foreign CPU cores" if cores else ""
    widest = f" (by up to x{sig(max(divisors), 3)})" if divisors else ""
    return (
        f"Energy of {_windows(stages, len(rows), 'contended')} was measured beside other processes' load on the "
        f"host{busiest}, after the allowed re-measures (contended). The task's own energy is attributed, but a "
        "neighbour can change the task's CPU time per unit of work, up or down (shared caches, clock), which "
        f"no counter on this host separates: these figures' intervals are widened both ways{widest} by the "
        "cited contention term (include/data/cpu_contention.yaml), the figures themselves are the "
        "measured ones, and the Monte Carlo draws them across that range."
    )


def _windows_csv(
    folder: Path, sources: list[dict[str, Any]], records: list[EnergyRecord], benchmarks: list[VariantBenchmark]
) -> str:
    rows = []
    idle_hosts = {b.energy.stage: b.idle_energy.host for b in benchmarks if b.idle_energy is not None}
    for source, e in zip(sources, records, strict=True):
        w = e.window
        rows.append(
            {
                "stage": e.stage,
                "duration_s": e.duration_s,
                "energy_kwh": e.energy_kwh,
                "cpu_kwh": e.cpu_kwh,
                "ram_kwh": e.ram_kwh,
                "gpu_kwh": e.gpu_kwh,
                "items": e.items,
                "method": e.method,
                "method_detail": e.method_detail,
                "threads": e.threads,
                "source": source["source"],
                "attribution_basis": source["basis"],
                "upper_bound": source["upper_bound"],
                "contaminated": source["contaminated"],
                "contended": source["contended"],
                "host": e.host,
                "window_start_utc": w.started_at.isoformat() if w else None,
                "window_end_utc": w.ended_at.isoformat() if w else None,
                "load_1min_start": w.load_1min_start if w else None,
                "load_1min_end": w.load_1min_end if w else None,
                "other_processes_cpu_cores": w.background_cpu_cores if w else None,
                "window_suspect": w.background_load_high if w else None,
                "idle_power_from_host": idle_hosts.get(e.stage),
            }
        )
    return write_csv(folder / ENERGY_WINDOWS_CSV, rows)


def batch_sweep(benchmarks: list[VariantBenchmark]) -> list[dict[str, Any]]:
    """Per variant with a sweep (benchmark.energy_batch_sizes): its rows and a sentence on the batch size booked."""
    out = []
    for b in benchmarks:
        if not b.energy_by_batch:
            continue
        booked = next(r for r in b.energy_by_batch if r.booked)
        lowest = min(b.energy_by_batch, key=lambda r: r.kwh_per_item)
        text = (
            f"The LCA books batch size {booked.batch_size} (benchmark.batch_size): {sig(booked.kwh_per_item)} kWh/item"
        )
        if lowest.batch_size != booked.batch_size and booked.kwh_per_item > 0:
            change = (1 - lowest.kwh_per_item / booked.kwh_per_item) * 100
            text += (
                f"; batch size {lowest.batch_size} measured {sig(lowest.kwh_per_item)} kWh/item, {sig(change, 2)} % "
                f"less{'' if lowest.resolved else ' (an upper bound)'}, if the deployment can batch that many items"
            )
        else:
            text += ", the lowest of the batch sizes measured"
        out.append({"variant": b.variant, "rows": b.energy_by_batch, "statement": text + "."})
    return out


def _grouped_by_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per distinct (method, source, basis), listing its stages: 24 windows measured the same way are
    one line, not 24 identical ones (issue 23: the report must print to 15 pages). What differs between the
    stages of a row (an upper bound, a contaminated window) is marked on the stage, not a row of its own."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (row["method"], row["source"], row["basis"])
        group = groups.setdefault(key, {**row, "stages": [], "flagged": []})
        group["stages"].append(row["stage"])
        flags = [name for name in ("upper bound", "contaminated", "contended") if row[name.replace(" ", "_")]]
        group["flagged"].append({"stage": row["stage"], "flags": flags})
        group["upper_bound"] = group["upper_bound"] or row["upper_bound"]
        group["contaminated"] = group["contaminated"] or row["contaminated"]
        group["contended"] = group["contended"] or row["contended"]
    return list(groups.values())


def dominance_statement(inventory: StudyInventory, lcia: LciaResults) -> str:
    """Each scenario's share of measured stages, and which conclusion (if any) the measured energy can change."""
    reference = next((s.name for s in inventory.scenarios if s.is_reference), None)
    if reference is None or not lcia.stages:
        return "The share of measured energy in each score was not computed (no stage contributions in this run)."
    low, high = measurement_interval(inventory)
    rows = [r for r in dominance(lcia, reference, low, high) if r.scenario != reference]
    if not rows:
        return ""
    head = rows[0].method
    shares = ", ".join(
        f"'{plain_name(r.scenario)}' {sig(r.measured_share * 100, 2)} %" for r in rows if r.method == head
    )
    flips = [
        f"'{r.scenario}' against the reference ({' | '.join(r.method)})" for r in rows if r.flips_against_reference
    ]
    flips += [f"'{r.scenario}' against the baseline ({' | '.join(r.method)})" for r in rows if r.flips_against_baseline]
    text = (
        f"Measured energy (data preparation, training, compression, inference) makes up {shares} of each ML score "
        f"({short_name(head)}). Scaled across the measurement's 95 % interval (x{sig(low, 2)} to x{sig(high, 2)}), "
    )
    if not flips:
        return text + "no energy figure measured here can change a conclusion of this study."
    return text + "the measured energy can change these conclusions: " + "; ".join(flips) + "."
