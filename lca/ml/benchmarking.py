"""Quality, latency, size and energy per item of a model variant, measured the way a reviewer would check.

- Latency: after warm-up runs, ``latency_repeats`` timed runs at each batch size
  (1 and a large batch by default); the median and the spread (p10, p90, IQR)
  are kept, with the torch thread count.
- Energy: inference runs back to back in windows of ``energy_window_seconds /
  energy_windows``, each attributed to this process tree (:mod:`lca.ml.energy`), so a
  neighbour's load is not the variant's. Windows are repeated until the 95 % interval of
  energy per item is within ``energy_precision`` of its mean, or ``energy_time_cap``
  runs out; a figure that stays wider is flagged unresolved and booked at the upper end
  of its interval, and no energy verdict is drawn from it. A window contaminated by
  foreign load (RAPL share rule) is measured again up to ``MAX_ENERGY_REMEASURES`` times,
  then kept and flagged. A window beside foreign load is *contended* (:mod:`lca.energy.contention`):
  the neighbour may have changed the task's own CPU time, either way, which no counter here
  separates, so it is measured again a bounded number of times, then kept, flagged, and the
  per-item interval is widened on both sides by the cited contention term (the figure unchanged).
  With RAPL and no identified marginal fit, reference idle windows
  are interleaved with the load windows (B, A, B, A ...), each load window taking the
  reference measured just before it. The idle power of the same process, measured the
  same way, gives the dynamic energy (above idle) next to the total. With
  ``benchmark.energy_batch_sizes``, energy per item is also measured at those batch sizes
  (:mod:`lca.ml.batch_energy`), beside ``batch_size``'s, which the LCA books.
- Quality: every metric of the task on the held-out split; the loss against the
  baseline is added once all variants are measured (:func:`score_against_baseline`),
  and so are the speed and energy verdicts (:mod:`lca.ml.benchmark_verdicts`: a paired
  test at the study's ``benchmark.alpha`` over calls and windows of the variant and the
  baseline measured in alternation in the variant's task, given the baseline as
  ``reference``). Each variant is
  also tested against the task's trivial baseline on the same items
  (:func:`trivial_comparison`).
  Per held-out item, whether the routing rule hands it to a person, the model's
  outputs and the truth go to a small npz beside the record (``per_item_file``),
  so the quality figures can be bootstrapped *paired* across variants
  (:mod:`lca.ml.quality_bootstrap`): every variant is scored on the same items.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lca.ml import significance
from lca.ml.batch_energy import energy_by_batch, warm_up
from lca.ml.benchmark_verdicts import reference_on, verdicts_against
from lca.ml.data import Split
from lca.ml.device import device_name, inference_device, synchronize
from lca.ml.energy import combine_records, idle_on_this_host
from lca.ml.latency import latency_stat, tile
from lca.ml.models import count_parameters, serialized_size
from lca.ml.repeated_windows import booked_at_upper_bound, measure_windows, stated_interval
from lca.ml.routing import DeliveredQuality, Held, route_items
from lca.ml.runtimes.base import Prepared
from lca.ml.tasks import task_for
from lca.ml.tasks.base import Task, resampled_score
from lca.ml.training import predict
from lca.records import EnergyRecord, TrivialBaseline, VariantBenchmark
from lca.study.energy_windows import dynamic_energy
from lca.study.machine_learning import BenchmarkSpec, TaskSpec
from lca.study.metrics import metric_info, quality_loss
from lca.study.routing import RoutingSpec


def benchmark_variant(  # noqa: PLR0913  # keyword-only, one per measured setting
    *,
    variant: str,
    description: str,
    model: nn.Module,
    test: Split,
    task_spec: TaskSpec,
    spec: BenchmarkSpec,
    routing: RoutingSpec,
    country_iso3: str,
    idle: EnergyRecord | None = None,
    per_item_path: Path | None = None,
    train_y: np.ndarray | None = None,
    device: torch.device | str = "cpu",
    validation: Split | None = None,
    delivered: DeliveredQuality | None = None,
    routing_seed: int = 0,
    prepared: Prepared | None = None,
    reference: nn.Module | Prepared | None = None,
    floor: tuple[str, np.ndarray] | None = None,
) -> VariantBenchmark:
    """Measure one variant on ``device`` (int8 variants on the CPU, see :func:`lca.ml.device.inference_device`).

    With ``per_item_path``, also write its per-item file (npz) there; ``train_y``
    (training targets, in their own unit) sets the trivial baseline. ``validation`` is the
    split a ``confidence`` routing threshold is chosen on (lca.ml.routing), never the test set.
    ``prepared``: the variant in its deployed runtime (lca.ml.runtimes, on the CPU); latency, the energy
    window and the predictions scored are then that runtime's, not eager PyTorch's.
    ``reference``: the baseline (in its deployed runtime), run interleaved with the variant for the
    speed verdict and, with ``spec.energy_pairs``, the energy verdict (:mod:`lca.ml.benchmark_verdicts`).
    ``floor``: the study's own trivial floor (its name and its answer to each test item, e.g. a forecast's
    seasonal naive column, lca.ml.data.seasonal_floor) instead of the task's rule learnt from ``train_y``.
    """
    if spec.threads:
        torch.set_num_threads(spec.threads)
        if prepared is not None:
            prepared.set_threads(spec.threads)
    run_on, why = inference_device(model, torch.device("cpu" if prepared is not None else device))
    if why:
        description = f"{description} Benchmarked on the CPU, not {torch.device(device).type}: {why}."
    model.to(run_on)
    model.eval()
    features = torch.from_numpy(test.x).to(run_on)
    runner = prepared if prepared is not None else model
    partner = reference_on(reference, run_on, spec.threads)
    latency = [latency_stat(runner, features, size, spec, partner) for size in spec.all_batch_sizes()]
    main = next(stat for stat in latency if stat.batch_size == spec.batch_size)

    def passes(on, size: int) -> Callable[[], int]:
        batch = tile(features, size)

        @torch.no_grad()
        def one_pass() -> int:
            on(batch)
            synchronize(run_on)
            return len(batch)

        return one_pass

    def pass_at(size: int) -> Callable[[], int]:
        return passes(runner, size)

    one_pass = pass_at(spec.batch_size)
    warm_up(one_pass, run_on.type, spec.warmup)  # on a GPU only
    paired_energy = partner is not None and spec.energy_pairs > 0
    windows, resolution, reference_windows = measure_windows(
        f"inference:{variant}",
        one_pass,
        spec,
        country_iso3,
        run_on.type,
        reference_pass=passes(partner, spec.batch_size) if paired_energy else None,
        reference_stage=f"inference:baseline (interleaved with {variant})",
    )
    record = combine_records(windows, f"inference:{variant}")
    per_window = [w.kwh_per_item for w in windows]
    interval, divisor = stated_interval(windows)  # widened when foreign load may have changed CPU time
    if not resolution.resolved:
        record = booked_at_upper_bound(record, resolution)
    by_batch = energy_by_batch(variant, pass_at, spec, country_iso3, run_on.type, (record, len(windows), resolution))
    # Idle power of this very host: measured again here if it came from another one.
    idle = idle_on_this_host(
        idle, spec.idle_window_seconds, country_iso3, spec.sampling_interval_seconds, device=run_on.type
    )

    task = task_for(task_spec.kind)

    def predicted(x: np.ndarray) -> np.ndarray:
        return prepared.predict(x, batch_size=spec.batch_size) if prepared is not None else predict(model, x)

    outputs = test.decode(predicted(test.x))
    quality = task.evaluate(outputs, test.y_true, task_spec, test.x)
    if floor is not None:
        trivial = paired_comparison(task, task_spec, outputs, floor[1], test.y_true, floor[0], test.x)
    elif train_y is not None:
        trivial = trivial_comparison(task, task_spec, outputs, test.y_true, train_y, test.x)
    else:
        trivial = None
    primary = task_spec.primary
    total, nonzero = count_parameters(model)
    idle_power, dynamic, dynamic_detail = _dynamic_energy(record, idle)
    held_validation = (
        Held(validation.decode(predicted(validation.x)), validation.y_true, validation.x)
        if validation is not None and len(validation)
        else None
    )
    routed_result = route_items(
        task,
        routing,
        task_spec,
        Held(outputs, test.y_true, test.x),
        delivered or DeliveredQuality(None, None),
        held_validation,
        seed=routing_seed,
    )
    routed = routed_result.items
    per_item_file = None
    if per_item_path is not None:
        write_per_item(per_item_path, routed, outputs, test.y_true)
        per_item_file = per_item_path.name
    return VariantBenchmark(
        variant=variant,
        description=description,
        runtime=prepared.runtime if prepared is not None else "eager",
        accuracy=quality.get("accuracy") if task.kind == "multiclass" else None,
        task=task.kind,
        quality=quality,
        primary_metric=primary,
        primary_value=quality[primary],
        higher_is_better=metric_info(task.kind, primary).higher_is_better,
        max_quality_loss=task_spec.max_quality_loss,
        n_test_items=len(test),
        latency_ms_median=main.median_ms,
        latency_ms_p90=main.p90_ms,
        batch_size=spec.batch_size,
        items_per_second=record.items / record.duration_s,
        size_bytes=serialized_size(model),
        n_parameters=total,
        n_nonzero_parameters=nonzero,
        energy=record,
        energy_per_item_kwh=record.kwh_per_item,
        energy_by_batch=by_batch,
        routed_fraction=routed_result.outcome.routed_fraction,
        routing=routed_result.outcome,
        latency=latency,
        threads=torch.get_num_threads(),
        idle_energy=idle,
        idle_power_w=idle_power,
        dynamic_energy_per_item_kwh=dynamic,
        per_item_file=per_item_file,
        energy_windows_kwh_per_item=per_window,
        energy_interval_kwh_per_item=interval,
        energy_reference_windows_kwh_per_item=[w.kwh_per_item for w in reference_windows],
        trivial=trivial,
        device=device_name(run_on),
        energy_resolved=resolution.resolved and not dynamic_detail.startswith("NOT RESOLVED"),
        energy_bound="upper" if not resolution.resolved or dynamic_detail.startswith("NOT RESOLVED") else None,
        energy_precision=resolution.relative_halfwidth,
        energy_resolution=resolution.detail,
        dynamic_energy_detail=dynamic_detail,
        energy_contaminated=record.contaminated,
        energy_contended=record.contended,
        energy_foreign_cores=record.window.background_cpu_cores if record.window else None,
        energy_contention_divisor=divisor,
    )


def trivial_comparison(
    task: Task,
    spec: TaskSpec,
    outputs: np.ndarray,
    y_true: np.ndarray,
    train_y: np.ndarray,
    x: np.ndarray | None = None,
) -> TrivialBaseline:
    """Is the variant better than a rule with no model, on the same held-out items?

    Paired bootstrap over the items (1,000 resamples, 95 %): each resample scores
    the variant and the trivial rule on the same items; the variant is
    significantly better when the interval of the difference (oriented so that
    positive is better) lies wholly above zero.
    """
    name, trivial_outputs = task.trivial_outputs(train_y, len(y_true), x)
    return paired_comparison(task, spec, outputs, trivial_outputs, y_true, name, x)


def paired_comparison(
    task: Task,
    spec: TaskSpec,
    outputs: np.ndarray,
    floor_outputs: np.ndarray,
    y_true: np.ndarray,
    name: str,
    x: np.ndarray | None = None,
) -> TrivialBaseline:
    """The variant against a floor (trivial rule or classical method) answering the same items, paired bootstrap."""
    primary = spec.primary
    sign = 1.0 if metric_info(task.kind, primary).higher_is_better else -1.0

    def scorer(out):
        return resampled_score(task, out, y_true, spec, x)

    observed, low, high = significance.paired_difference_interval(scorer(outputs), scorer(floor_outputs), len(y_true))
    diff, lo, hi = sign * observed, *sorted((sign * low, sign * high))
    try:
        quality = task.evaluate(floor_outputs, y_true, spec, x)
    except ValueError:  # a metric undefined for a constant answer
        quality = {}
    return TrivialBaseline(
        name=name,
        primary_value=task.primary_score(floor_outputs, y_true, spec, x),
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        significantly_better=bool(np.isfinite(lo) and lo > 0),
        test=f"paired bootstrap over the {len(y_true)} held-out items (1,000 resamples, 95 % interval of the "
        f"difference in {primary})",
        quality=quality,
    )


def write_per_item(path: Path, routed: np.ndarray, outputs: np.ndarray, y_true: np.ndarray) -> Path:
    """Routed flags bit-packed, outputs as float32: a few kB for a few hundred test items."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(
            fh,
            routed_bits=np.packbits(routed.astype(bool)),
            n_items=np.array(len(routed)),
            outputs=np.asarray(outputs, dtype=np.float32),
            y_true=np.asarray(y_true),
        )
    return path


def read_per_item(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        n = int(data["n_items"])
        return {
            "routed": np.unpackbits(data["routed_bits"])[:n].astype(bool),
            "outputs": data["outputs"],
            "y_true": data["y_true"],
        }


def _dynamic_energy(record: EnergyRecord, idle: EnergyRecord | None) -> tuple[float | None, float | None, str]:
    """Idle power (W), the energy per item above it, and how far that is resolved (its text, kept verbatim).

    Idle power clearly above the power under load is not noise to floor at zero:
    the machine cannot draw less while working than while asleep, so one of the two
    windows misbooked its energy. It is raised as an error of the measurement. A
    difference within the windows' resolution is booked at its upper bound, never 0, and
    the returned text says "NOT RESOLVED" (:func:`lca.study.energy_windows.dynamic_energy`).
    """
    if idle is None or not idle.duration_s:
        return None, None, ""
    if idle.host != record.host:
        raise ValueError(
            f"idle power measured on host {idle.host!r} cannot be subtracted from {record.stage!r} "
            f"measured on host {record.host!r}"
        )
    idle_power = idle.mean_power_w
    above_idle_kwh, detail = dynamic_energy(
        record.stage, record.energy_kwh, record.duration_s, idle_power, idle.duration_s, record.sampling_interval_s
    )
    return idle_power, above_idle_kwh / record.items, detail


def score_against_baseline(
    benchmarks: list[VariantBenchmark], alpha: float = significance.ALPHA
) -> list[VariantBenchmark]:
    """Each variant's loss on the primary metric against the baseline, the study's limit flag, and the speed
    and energy verdicts at ``alpha`` (the study's ``benchmark.alpha``).

    Runs after every variant was measured (a separate task), so no benchmark
    task ever waits for another's result.
    """
    by_name = {b.variant: b for b in benchmarks}
    if "baseline" not in by_name:
        raise ValueError(f"no baseline among the benchmarks {sorted(by_name)}")
    base = by_name["baseline"]
    scored = []
    for b in benchmarks:
        if b.primary_metric != base.primary_metric or b.primary_value is None or base.primary_value is None:
            raise ValueError(f"variant {b.variant!r} is not scored on the baseline's metric {base.primary_metric!r}")
        loss = quality_loss(b.task, b.primary_metric, base.primary_value, b.primary_value)
        limit = b.max_quality_loss
        scored.append(
            b.model_copy(
                update={
                    "quality_loss": loss,
                    "exceeds_max_quality_loss": limit is not None and loss > limit + 1e-12,
                    **verdicts_against(b, base, alpha),
                }
            )
        )
    return scored
