"""Energy per item at several batch sizes (``benchmark.energy_batch_sizes``), beside the one the LCA books.

Energy per item falls with the batch size while the hardware is under-used (on a GPU
by far), so the figure booked depends on a choice the deployment makes. The sweep
states that choice instead of hiding it: at each named batch size, energy windows are
repeated to the study's precision exactly as for ``benchmark.batch_size``
(:func:`lca.ml.repeated_windows.measure_windows`; an unresolved figure is its upper
bound), after a warm-up on a GPU. The LCA still books ``batch_size``'s figure (the
deployment's); the report shows the sweep with that row marked. Opt-in and bounded
(``lca.limits.MAX_ENERGY_BATCH_SIZES``): each batch size costs up to ``energy_time_cap``.
"""

from __future__ import annotations

from collections.abc import Callable

from lca.ml.energy import combine_records
from lca.ml.repeated_windows import Resolution, booked_at_upper_bound, measure_windows
from lca.records import BatchEnergy, EnergyRecord
from lca.study.machine_learning import BenchmarkSpec

# one pass over a batch of the given size; returns the items it did
PassAt = Callable[[int], Callable[[], int]]


def warm_up(one_pass: Callable[[], int], device: str, runs: int) -> None:
    """On a GPU, clocks, caches and lazy kernel loading settle before a window, not inside it."""
    if device == "cuda":
        for _ in range(max(runs, 1)):
            one_pass()


def _row(batch_size: int, record: EnergyRecord, windows: int, resolution: Resolution, booked: bool) -> BatchEnergy:
    return BatchEnergy(
        batch_size=batch_size,
        kwh_per_item=record.kwh_per_item,
        items_per_second=record.items / record.duration_s if record.items and record.duration_s else 0.0,
        windows=windows,
        resolved=resolution.resolved,
        resolution=resolution.detail,
        method=record.method,
        booked=booked,
    )


def energy_by_batch(
    variant: str,
    pass_at: PassAt,
    spec: BenchmarkSpec,
    country_iso3: str,
    device: str,
    booked: tuple[EnergyRecord, int, Resolution],
) -> list[BatchEnergy]:
    """The sweep, in batch-size order; ``booked`` is batch_size's (record, windows, resolution), not measured again."""
    if not spec.energy_batch_sizes:
        return []
    record, count, resolution = booked
    rows = [_row(spec.batch_size, record, count, resolution, booked=True)]
    for size in sorted(set(spec.energy_batch_sizes) - {spec.batch_size}):
        one_pass = pass_at(size)
        warm_up(one_pass, device, spec.warmup)
        stage = f"inference:{variant}@batch{size}"
        windows, swept, _ = measure_windows(stage, one_pass, spec, country_iso3, device)
        combined = combine_records(windows, stage)
        if not swept.resolved:
            combined = booked_at_upper_bound(combined, swept)
        rows.append(_row(size, combined, len(windows), swept, booked=False))
    return sorted(rows, key=lambda r: r.batch_size)
