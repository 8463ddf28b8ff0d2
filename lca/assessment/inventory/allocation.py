"""One allocation rule for the server, applied to its energy and to its hardware alike.

A deployment declares how much of the server the service uses
(``deployment.allocation``, ``deployment.server_share``; ``server_share: from_host`` takes the
measured host's logical CPUs over the server's threads, :mod:`.host_share`, which also warns,
in ``host_warnings``, when the share charged is far from a measured host's):

* ``shared`` (default): the service's *dynamic* energy (measured minus the
  machine's idle power over the same seconds) is its own and charged in full; the
  server's idle power and its embodied impacts are charged by the declared share
  ``s`` for the hours the service runs. Both use one exchange for ``s``
  (provider ``server_share_hour`` -> ``server_running_hour``), so in the Monte Carlo
  one draw of the share moves idle energy and embodied impacts together.
* ``dedicated``: the same with ``s = 1``: the service owns the machine while it runs.
* ``whole_machine``: the behaviour before this rule, kept for comparison: the gross
  energy of the whole machine (idle included in full) and embodied impacts by
  threads used / the server's threads. Two rules at once, which the report's
  sensitivity section compares with the declared one.

Where the stages' energy is attributed to their own processes (``EnergyRecord.attributed``:
a cited power model over the task's CPU time, or RAPL shared out by CPU time), it holds
no idle draw to subtract: it is booked as measured, and the server's idle draw that the
share carries is the *modelled* server's (``lca.hardware.server_idle_power``, a cited
figure with its spread), not what a sleeping process on the measuring host drew.

Without an idle measurement the dynamic energy cannot be separated, so the
inventory falls back to ``whole_machine`` and says so in its notes. Energy above
idle follows :func:`lca.study.energy_windows.dynamic_energy`: idle clearly above
load is a ``MeasurementError``; a difference within the windows' resolution is
booked at its upper bound, never at 0.

Stages shorter than one sampling interval of the tracker (``EnergyRecord.below_sampling_interval``)
are not taken at face value: CodeCarbon booked a fragment of one reading (0.5 W
on a machine whose floor is 20 W has been seen). Their gross energy is bounded
by ``duration x`` the highest mean power measured in this run's full windows,
never less than the idle power over the same seconds, and that upper bound is
what is booked (a conservative choice, stated in the stage's comment).
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.assessment.inventory.host_share import mismatch_warnings, share_from_host
from lca.records import EnergyRecord, VariantBenchmark
from lca.study.energy_windows import dynamic_energy
from lca.study.reference_data import resolve
from lca.study.schema import FROM_HOST, Study
from lca.study.sentences import first_sentence
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

RULES = {
    "shared": "dynamic energy in full; idle power and embodied impacts of the server by the declared share",
    "dedicated": "dynamic energy in full; idle power and embodied impacts of the server in full (dedicated)",
    "whole_machine": "gross energy of the whole machine (idle included in full); embodied impacts by threads used",
}


@dataclass(frozen=True)
class ServerAllocation:
    rule: str
    share: float
    uncertainty: Uncertainty
    why: str
    idle_power_w: float | None
    load_power_w: float | None
    notes: tuple[str, ...] = ()
    idle_seconds: float = 0.0
    # "measured": the run's idle window (machine-wide methods); "modelled": the server's cited idle draw.
    idle_source: str = "measured"
    idle_uncertainty: Uncertainty = NO_UNCERTAINTY
    idle_basis: str = ""
    # a measured host far smaller (or larger) than the share charged (lca.assessment.inventory.host_share)
    host_warnings: tuple[str, ...] = ()

    @property
    def statement(self) -> str:
        """The rule in one sentence, for the report's goal and scope."""
        if self.rule == "whole_machine":
            return f"Server allocation 'whole_machine': {RULES['whole_machine']} ({self.why})."
        return (
            f"Server allocation '{self.rule}': {RULES[self.rule]}; share {self.share:.3g} ({self.why}), applied to the "
            f"{self.idle_source} idle power ({self.idle_power_w:.3g} W) and to the server's embodied impacts for every "
            "hour the service runs (training, compression, data preparation, inference)."
        )


def server_allocation(
    study: Study, benchmarks: dict[str, VariantBenchmark], records: list[EnergyRecord], threads_share: tuple[float, str]
) -> ServerAllocation:
    """The study's rule, with the run's idle power and the highest power measured under load."""
    deployment = study.deployment
    idle = next((b.idle_energy for b in benchmarks.values() if b.idle_energy is not None), None)
    idle_w = idle.mean_power_w if idle is not None and idle.duration_s else None
    modelled: dict = {}
    if idle is not None and idle.attributed:
        param = resolve(study.lca.hardware.server_idle_power)
        idle_w = param.magnitude("W")
        modelled = {
            "idle_source": "modelled",
            "idle_uncertainty": param.uncertainty_in("W"),
            "idle_basis": f"lca.hardware.server_idle_power {param.value:g} {param.unit}: {param.source.strip()}",
        }
    full = [r for r in records if r.duration_s and not r.below_sampling_interval]
    load_w = max((r.mean_power_w for r in full), default=None)
    rule = deployment.allocation
    notes: list[str] = []
    if rule != "whole_machine" and idle_w is None:
        notes.append(
            f"No idle power was measured in this run, so dynamic energy cannot be separated from the machine's "
            f"idle draw: the allocation falls back from '{rule}' to 'whole_machine' (gross energy, embodied impacts "
            "by threads)."
        )
        rule = "whole_machine"
    if rule == "whole_machine":
        share, why = threads_share
        return ServerAllocation(rule, share, NO_UNCERTAINTY, why, idle_w, load_w, tuple(notes), **modelled)
    idle_s = idle.duration_s
    if rule == "dedicated":
        warned = tuple(mismatch_warnings(study, records, 1.0))
        why = "dedicated to the service"
        return ServerAllocation(
            rule, 1.0, NO_UNCERTAINTY, why, idle_w, load_w, tuple(notes), idle_s, **modelled, host_warnings=warned
        )
    share, spread, why = _declared_share(study, records)
    warned = tuple(mismatch_warnings(study, records, share))
    return ServerAllocation(
        rule, share, spread, why, idle_w, load_w, tuple(notes), idle_s, **modelled, host_warnings=warned
    )


def _declared_share(study: Study, records: list[EnergyRecord]) -> tuple[float, Uncertainty, str]:
    """The share of allocation 'shared': the older lca.hardware.server_share, the measured host's, or the cited one."""
    legacy = study.lca.hardware.server_share
    if legacy is not None:
        return legacy, NO_UNCERTAINTY, "lca.hardware.server_share of the study"
    if study.deployment.server_share == FROM_HOST:
        share, why = share_from_host(study, records)
        return share, NO_UNCERTAINTY, why
    param = resolve(study.deployment.server_share)
    share = param.magnitude("dimensionless")
    if not 0 < share <= 1:
        raise ValueError(f"field 'deployment.server_share': value {share!r}: a share of the server is in (0, 1]")
    return share, param.uncertainty_in("dimensionless"), f"deployment.server_share: {first_sentence(param.source)}"


def booked_energy(record: EnergyRecord, alloc: ServerAllocation) -> tuple[float, str]:
    """The energy a stage is charged as its own (kWh), and how it was obtained.

    Gross energy for ``whole_machine``, energy above idle otherwise; a stage shorter
    than one sampling interval is bounded first (see the module docstring).
    """
    gross, how = record.energy_kwh, f"measured {record.energy_kwh:.3e} kWh over {record.duration_s:.3g} s"
    if record.attributed:  # the task's own energy: no idle draw in it to subtract
        return gross, f"{how}, the task's own ({record.method}; no idle draw in it)"
    if record.below_sampling_interval:
        floor_w = max(w for w in (alloc.load_power_w, alloc.idle_power_w, 0.0) if w is not None)
        bound = floor_w * record.duration_s / 3.6e6
        how = (
            f"FLAGGED: {record.duration_s:.3g} s is shorter than one sampling interval "
            f"({record.sampling_interval_s:g} s); "
            f"CodeCarbon's {record.energy_kwh:.3e} kWh ({record.mean_power_w:.3g} W) is not a measurement, so the "
            "stage is "
            f"booked at its upper bound {bound:.3e} kWh = {record.duration_s:.3g} s x {floor_w:.3g} W (the highest "
            "power measured in this run)"
        )
        gross = max(gross, bound)
    if alloc.rule == "whole_machine":
        return gross, how + " (gross, whole machine)"
    if record.below_sampling_interval:  # already an upper bound: above idle, it is the rest of it
        dynamic = max(gross - alloc.idle_power_w * record.duration_s / 3.6e6, 0.0)
        return dynamic, f"{how}; above idle {alloc.idle_power_w:.3g} W: {dynamic:.3e} kWh"
    dynamic, detail = dynamic_energy(
        record.stage, gross, record.duration_s, alloc.idle_power_w, alloc.idle_seconds, record.sampling_interval_s
    )
    return dynamic, f"{how}; {detail}"
