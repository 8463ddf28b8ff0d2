"""The scenarios: each ML variant's life cycle, and the reference (the same items done by people).

A stage's ``variable_share`` says which part of it grows with the number of
items (for the break-even analysis): inference, residual work and the inference
hours of the server do; training, compression and development do not.
"""

from __future__ import annotations

from lca.assessment.inventory.allocation import ServerAllocation, booked_energy
from lca.assessment.inventory.hardware_use import embodied_stages
from lca.assessment.inventory.names import (
    CONTENTION_GROUP,
    DEVELOPMENT,
    MANUAL_ITEM,
    REFERENCE,
    RETRAINING_EFFORT,
    REVIEW_ITEM,
    STAGE_COMPRESSION,
    STAGE_DATA,
    STAGE_DEVELOPMENT,
    STAGE_FIXED_EFFORT,
    STAGE_HUMAN,
    STAGE_INFERENCE,
    STAGE_RESIDUAL,
    STAGE_RETRAINING_EFFORT,
    STAGE_REVIEW,
    STAGE_RUNTIME,
    STAGE_TRAINING,
    TRAINING_RUN,
    effort_provider_name,
    routed_share_group,
)
from lca.assessment.inventory.parts import InventoryParts
from lca.assessment.inventory.serving import OnlineTerms, online_terms, utilisation_note
from lca.assessment.inventory.spread import binomial_uncertainty
from lca.assessment.inventory.time_of_use import SLOT_INFERENCE, SLOT_RUN, slot_provider
from lca.energy.contention import spread
from lca.records import EnergyRecord, Provider, ProviderUse, ScenarioInventory, StageFlow, VariantBenchmark
from lca.records.quality import share_estimate
from lca.study.baselines import CLASSICAL
from lca.uncertainty import NO_UNCERTAINTY


def ml_scenario(
    parts: InventoryParts,
    variant: str,
    training: EnergyRecord,
    compression: EnergyRecord | None,
    benchmark: VariantBenchmark,
    data_preparation: EnergyRecord | None,
    alloc: ServerAllocation,
    own_training: bool = False,
) -> ScenarioInventory:
    """Energy is booked as the allocation rule says (:mod:`.allocation`): above idle, or gross for 'whole_machine'.

    ``own_training``: an architecture variant, whose ``training`` record is its own from-scratch training.
    """
    stages, seconds_fixed = _build_stages(parts, variant, training, compression, data_preparation, alloc, own_training)
    if benchmark.runtime_preparation is not None:  # one-off per build, like a compression
        builds = parts.spec.training_runs.retrainings_per_period
        record = benchmark.runtime_preparation
        tail = f" ({record.method}): preparing {benchmark.runtime} x {builds} build(s)"
        stages.append(_measured_stage(parts, STAGE_RUNTIME, record, builds, tail, alloc))
        seconds_fixed += record.duration_s * builds
    online = online_terms(parts.study, benchmark)
    if online is not None:
        note = utilisation_note(parts.study, online, variant)
        if note:
            parts.notes.append(note)
    stages.append(_inference(parts, benchmark, alloc, online))
    stages.extend(embodied_stages(parts, benchmark, seconds_fixed, training, alloc, online))
    if parts.build_provider is not None:
        stages.append(
            StageFlow(
                stage=STAGE_DEVELOPMENT,
                provider=parts.build_provider,
                amount=1.0,
                uncertainty=NO_UNCERTAINTY,
                comment="the model is built once"
                + ("" if parts.build_provider == DEVELOPMENT else ", its share of one period over its service life")
                + "; its compression is not counted as extra engineering time",
            )
        )
    if parts.spec.retraining_hours is not None:
        builds = parts.spec.training_runs.retrainings_per_period
        stages.append(
            StageFlow(
                stage=STAGE_RETRAINING_EFFORT,
                provider=RETRAINING_EFFORT,
                amount=float(builds),
                uncertainty=NO_UNCERTAINTY,
                comment=f"engineers' hours of each of the {builds} model build(s) over the period",
            )
        )
    if parts.study.reference.time_per_item is not None:
        stages.append(_residual_work(parts, variant, benchmark))
    stages.extend(_fixed_efforts(parts, ("ml", "both")))
    if parts.has(REVIEW_ITEM):
        kept = (1.0 - benchmark.routed_fraction) * parts.study.functional_unit.items
        stages.append(
            StageFlow(
                stage=STAGE_REVIEW,
                provider=REVIEW_ITEM,
                amount=kept,
                uncertainty=NO_UNCERTAINTY,
                variable_share=1.0,
                comment=f"{kept:.6g} items the model keeps, each reviewed by a person (routing.review_time_per_item)",
            )
        )
    label = f"Classical baseline: {variant}" if variant == CLASSICAL else f"ML: {variant}"
    return ScenarioInventory(name=variant, label=label, is_reference=False, stages=stages)


def _measured_stage(
    parts: InventoryParts, stage: str, record: EnergyRecord, builds: int, tail: str, alloc: ServerAllocation
) -> StageFlow:
    """A stage done once per model build, booked at its measured energy (as the allocation rule books it;
    at training time on a grid profile)."""
    kwh, how = booked_energy(record, alloc)
    return StageFlow(
        stage=stage,
        provider=slot_provider(parts, record, SLOT_RUN),
        amount=kwh * builds,
        uncertainty=_contention(record, kwh * builds),
        group=_contention_group(record),
        comment=f"{how}{tail}",
    )


def _contention(record: EnergyRecord, amount: float):
    """A contended record's amount is drawn from amount / f to amount x f (lca.energy.contention).

    One draw per exchange: a record shared by several scenarios (data preparation) is drawn in each
    of them; training goes through one provider and shares its draw.
    """
    return spread(amount, record.contention_divisor, f"'{record.stage}'")


def _contention_group(record: EnergyRecord) -> str:
    """Stages of one contended record vary together in the one-at-a-time sensitivity; '' (the default) if quiet."""
    return f"{CONTENTION_GROUP}{record.stage}" if record.contention_divisor > 1.0 else ""


def _build_stages(
    parts: InventoryParts,
    variant: str,
    training: EnergyRecord,
    compression: EnergyRecord | None,
    data_preparation: EnergyRecord | None,
    alloc: ServerAllocation,
    own_training: bool = False,
) -> tuple[list[StageFlow], float]:
    """Stages done once per model build (data preparation, training runs, compression), and their seconds.

    A compressed variant inherits the baseline's training runs and adds its
    compression; an architecture variant (``own_training``) has its own training
    runs, on a provider of its own, and no compression.
    """
    run_provider = f"{TRAINING_RUN}::{variant}" if own_training else TRAINING_RUN
    runs = parts.spec.training_runs
    builds = runs.retrainings_per_period
    stages: list[StageFlow] = []
    seconds_fixed = 0.0
    if data_preparation is not None:
        stages.append(
            _measured_stage(parts, STAGE_DATA, data_preparation, builds, f" x {builds} model build(s)", alloc)
        )
        seconds_fixed += data_preparation.duration_s * builds
    training_kwh, training_how = booked_energy(training, alloc)
    parts.add(
        Provider(
            name=run_provider,
            label=f"one training run of {variant} as measured" if own_training else "one training run as measured",
            unit="unit",
            electricity_kwh_per_unit=0.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"{training_how} ({training.method})",
            uses=[
                ProviderUse(
                    input=slot_provider(parts, training, SLOT_RUN),
                    amount=training_kwh,
                    uncertainty=_contention(training, training_kwh),
                    comment="measured energy of one training run",
                    group=_contention_group(training),
                )
            ],
        )
    )
    stages.append(
        StageFlow(
            stage=STAGE_TRAINING,
            provider=run_provider,
            amount=float(runs.total),
            uncertainty=NO_UNCERTAINTY,
            comment=(
                f"{runs.hyperparameter_search} run(s) per build (hyper-parameter search) x "
                f"{runs.retrainings_per_period} build(s) over the period"
            ),
        )
    )
    seconds_fixed += training.duration_s * runs.total
    if variant != "baseline" and not own_training:
        if compression is None:
            raise ValueError(f"variant {variant!r} has no compression energy record")
        tail = f" ({compression.method}) x {builds} build(s)"
        stages.append(_measured_stage(parts, STAGE_COMPRESSION, compression, builds, tail, alloc))
        seconds_fixed += compression.duration_s * builds
    return stages, seconds_fixed


def _inference(
    parts: InventoryParts, benchmark: VariantBenchmark, alloc: ServerAllocation, online: OnlineTerms | None = None
) -> StageFlow:
    """Energy per item as measured, or at the online batch size (scaled by the latency per item)."""
    items = parts.study.functional_unit.items
    window = benchmark.energy
    if alloc.rule == "whole_machine":
        per_item, how = benchmark.energy_per_item_kwh, "gross, whole machine"
    else:
        kwh, _ = booked_energy(window, alloc)
        per_item = kwh / window.items
        how = "the task's own, attributed" if window.attributed else f"above idle {alloc.idle_power_w:.3g} W"
    if online is not None:
        size = parts.study.deployment.online.batch_size
        per_item *= online.per_item_factor
        how += (
            f"; at the online batch size {size}: x {online.per_item_factor:.4g} (latency per item at batch {size} / "
            f"at batch {benchmark.batch_size})"
        )
    return StageFlow(
        stage=STAGE_INFERENCE,
        provider=slot_provider(parts, window, SLOT_INFERENCE),
        amount=per_item * items,
        uncertainty=_contention(window, per_item * items),
        group=_contention_group(window),
        variable_share=1.0,
        comment=(
            f"{per_item:.3e} kWh/item ({how}) measured over {window.items} items "
            f"in {window.duration_s:.1f} s ({window.method}) x {items} items"
        ),
    )


def _residual_work(parts: InventoryParts, variant: str, benchmark: VariantBenchmark) -> StageFlow:
    """The items the routing rule hands to a person, done the reference way.

    The share booked is the posterior mean (k + 1) / (n + 2), not the observed k / n
    (:func:`lca.records.quality.share_estimate`): the centre of the paired bootstrap's
    draws, so a small test set with no error observed does not look better than a
    large one with a few.
    """
    items = parts.study.functional_unit.items
    n = benchmark.n_test_items
    observed = benchmark.routed_fraction
    routed = share_estimate(observed * n, n)
    return StageFlow(
        stage=STAGE_RESIDUAL,
        provider=MANUAL_ITEM,
        amount=routed * items,
        uncertainty=binomial_uncertainty(routed, n),
        variable_share=1.0,
        group=routed_share_group(variant),
        comment=(
            f"{routed:.4f} of the items are handed to a person (routing rule '{parts.study.routing.rule}'"
            f"{', a PERFECT-DETECTOR bound' if parts.study.routing.perfect_detector else ''}: "
            f"{observed * n:.4g} of {n} test items, booked as ({observed * n:.4g} + 1) / ({n} + 2)) x {items} items, "
            "done the reference way"
        ),
    )


def _fixed_efforts(parts: InventoryParts, sides: tuple[str, ...]) -> list[StageFlow]:
    """The fixed efforts a side does, in full: they do not grow or shrink with the items."""
    return [
        StageFlow(
            stage=STAGE_FIXED_EFFORT,
            provider=effort_provider_name(effort.name),
            amount=1.0,
            uncertainty=NO_UNCERTAINTY,
            comment=f"'{effort.name}' ({effort.basis}), done by {effort.side}"
            + (": the ML system keeps it in full as its fallback" if effort.side == "both" else ""),
        )
        for effort in parts.spec.human_effort
        if effort.side in sides
    ]


def reference_scenario(parts: InventoryParts) -> ScenarioInventory:
    items = parts.study.functional_unit.items
    stages = []
    if parts.study.reference.time_per_item is not None:
        seconds = parts.figure(parts.study.reference.time_per_item)
        stages.append(
            StageFlow(
                stage=STAGE_HUMAN,
                provider=MANUAL_ITEM,
                amount=float(items),
                uncertainty=NO_UNCERTAINTY,
                variable_share=1.0,
                comment=f"{items} items x {seconds.value} {seconds.unit} per item. Time: {seconds.source.strip()}",
            )
        )
    stages.extend(_fixed_efforts(parts, ("reference", "both")))
    return ScenarioInventory(name=REFERENCE, label="Reference: done by people", is_reference=True, stages=stages)
