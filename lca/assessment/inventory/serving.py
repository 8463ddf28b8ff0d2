"""Online serving: the provisioned time a deployment pays for, and the energy per item at its real batch size.

A batch job's server share is charged for its compute seconds. An online service
holds its replicas for every provisioned hour, busy or not, so the server's idle draw
and embodied share are charged for ``hours_per_day x days in the period x replicas``
under the study's allocation rule (:mod:`.allocation`), and that time does not grow
with the items (variable share 0 in the break-even). The dynamic energy is charged
per item at the online batch size: the benchmark measured it at its own batch size,
and the energy per item is scaled by the ratio of the latency per item measured at
the two sizes (the dynamic power is taken as the same while the model computes).
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.errors import StudyError
from lca.records import VariantBenchmark
from lca.study.human_effort import period_hours
from lca.study.reference_data import resolve
from lca.study.schema import Study


@dataclass(frozen=True)
class OnlineTerms:
    provisioned_hours: float
    busy_hours: float
    per_item_factor: float
    seconds_per_item: float
    implied_utilisation: float

    def comment(self, batch_size: int, replicas: int) -> str:
        return (
            f"online: {self.provisioned_hours:.6g} provisioned replica-hours ({replicas} replica(s)), busy "
            f"{self.busy_hours:.4g} h ({self.seconds_per_item:.3e} s per item at batch {batch_size}; utilisation "
            f"{self.implied_utilisation:.2%})"
        )


def _seconds_per_item(benchmark: VariantBenchmark, batch_size: int) -> float | None:
    stat = next((s for s in benchmark.latency if s.batch_size == batch_size), None)
    return None if stat is None else stat.median_ms / 1000.0 / batch_size


def provisioned_hours(study: Study) -> float:
    """Replica-hours provisioned over the functional unit's period."""
    online = study.deployment.online
    days = period_hours(study.functional_unit.period) / 24.0
    return online.hours_per_day * days * online.replicas


def online_terms(study: Study, benchmark: VariantBenchmark) -> OnlineTerms | None:
    """None for batch serving; otherwise the provisioned time and the online batch's cost per item."""
    online = study.deployment.online
    if study.deployment.serving != "online" or online is None:
        return None
    at_online = _seconds_per_item(benchmark, online.batch_size)
    if at_online is None:
        raise StudyError(
            f"variant {benchmark.variant!r} has no latency at deployment.online.batch_size {online.batch_size}: "
            "add it to benchmark.latency_batch_sizes"
        )
    window = benchmark.energy
    at_benchmark = _seconds_per_item(benchmark, benchmark.batch_size) or window.duration_s / window.items
    hours = provisioned_hours(study)
    busy = at_online * study.functional_unit.items / 3600.0
    if busy > hours:
        raise StudyError(
            f"variant {benchmark.variant!r} needs {busy:.4g} busy hours at batch {online.batch_size} but "
            f"deployment.online provisions {hours:.4g} replica-hours: add replicas or hours"
        )
    return OnlineTerms(hours, busy, at_online / at_benchmark, at_online, busy / hours)


def utilisation_note(study: Study, terms: OnlineTerms, variant: str) -> str | None:
    """A note when the declared expected utilisation and the one the measured latency implies differ by 2x or more."""
    declared = study.deployment.online.utilisation
    if declared is None:
        return None
    expected = resolve(declared).magnitude("dimensionless")
    implied = terms.implied_utilisation
    if expected <= 0 or implied <= 0 or max(expected, implied) / min(expected, implied) < 2:
        return None
    return (
        f"Online serving of '{variant}': the declared expected utilisation {expected:.2%} and the {implied:.2%} "
        "the measured latency implies for the functional unit's items differ by 2x or more: check the replicas, "
        "hours and traffic (the provisioned time is charged either way)."
    )


def serving_statement(study: Study) -> str:
    """The serving mode in one sentence, for the report's goal and scope."""
    online = study.deployment.online
    if study.deployment.serving != "online" or online is None:
        return (
            "Serving: batch. The server's idle power and embodied share are charged for the compute time only "
            "(training, compression, data preparation, inference at the benchmark's batch size)."
        )
    return (
        f"Serving: online, {online.replicas} replica(s) up {online.hours_per_day:g} h a day over "
        f"{study.functional_unit.period} ({provisioned_hours(study):,.0f} replica-hours): the server's idle power and "
        f"embodied share are charged for the provisioned time under the allocation rule, busy or not; inference energy "
        f"per item at the online batch size {online.batch_size}."
    )
