"""How far the conclusion moves if each stage the study left out is set to a cited typical value.

For each stage of :func:`lca.study.excluded_stages.excluded_stages`, the run's
inventory is rebuilt from the same measurements with that stage at its typical
value (and at the ends of the value's 95 % interval, for the figures that have
one), and evaluated deterministically by the engine. A row says, per ML scenario
and category, the score and the ratio to the reference without and with the
stage, and whether the verdict (better or worse than the reference) flips.
"""

from __future__ import annotations

from collections.abc import Sequence

from lca.assessment.engine import compile_model, deterministic, quantile, scenario_totals
from lca.assessment.inventory import build_inventory
from lca.records import EnergyRecord, ExcludedStageResult, StudyInventory, VariantBenchmark
from lca.study.excluded_stages import ExcludedStage, excluded_stages
from lca.study.life_cycle import TrainingRuns
from lca.study.reference_data import parameter
from lca.study.schema import Study


def _variants(study: Study, stage: ExcludedStage) -> list[tuple[str, Study]]:
    """(label, study) at the typical value, and at its 2.5 % and 97.5 % quantiles where it has a spread."""
    spec = study.lca
    if stage.typical == "devices_and_office":
        return [
            (
                "typical",
                study.model_copy(update={"lca": spec.model_copy(update={"system_boundary": "devices_and_office"})}),
            )
        ]
    p = parameter(stage.typical)
    out = []
    for label, prob in (("typical", None), ("low", 0.025), ("high", 0.975)):
        value = p.value if prob is None else quantile(p.value, p.uncertainty, prob)
        if stage.typical == "development_hours_small_model":
            update = {"development_hours": p.model_copy(update={"value": value})}
        else:
            runs = spec.training_runs
            count = max(1, round(value))
            key = (
                "hyperparameter_search"
                if stage.typical == "typical_hyperparameter_trials"
                else "retrainings_per_period"
            )
            update = {"training_runs": TrainingRuns(**{**runs.model_dump(), key: count})}
        out.append((label, study.model_copy(update={"lca": spec.model_copy(update=update)})))
    return out


def _ratio(results: dict, label: str, name: str, ref_name: str, j: int) -> float | None:
    if label not in results:
        return None
    r = results[label][ref_name][j]
    return float(results[label][name][j] / r) if r else None


def _totals(inv: StudyInventory, methods):
    model = compile_model(inv, methods)
    return model, scenario_totals(model, deterministic(model))[:, :, 0]


def excluded_stage_sensitivity(
    study: Study,
    inv: StudyInventory,
    methods: Sequence[Sequence[str]],
    units: dict[tuple[str, ...], str],
    training: EnergyRecord,
    compression: dict[str, EnergyRecord],
    benchmarks: dict[str, VariantBenchmark],
    data_preparation: EnergyRecord | None,
) -> list[ExcludedStageResult]:
    stages = excluded_stages(study)
    if not stages:
        return []
    links = {a.key: a for a in inv.background if a.linked}
    model, base = _totals(inv, methods)
    ref = next(i for i, s in enumerate(inv.scenarios) if s.is_reference)
    rows = []
    for stage in stages:
        results = {}
        for label, changed in _variants(study, stage):
            other = build_inventory(
                changed,
                inv.run_id,
                training=training,
                compression=compression,
                benchmarks=benchmarks,
                data_preparation=data_preparation,
                links=links or None,
                background_draws=inv.background_draws,
            )
            m, totals = _totals(other, methods)
            results[label] = {name: totals[i] for i, name in enumerate(m.scenario_names)}
        for i, name in enumerate(model.scenario_names):
            if i == ref:
                continue
            ref_name = model.scenario_names[ref]
            for j, method in enumerate(model.methods):
                before = float(base[i, j] / base[ref, j]) if base[ref, j] else float("nan")
                after = _ratio(results, "typical", name, ref_name, j)
                rows.append(
                    ExcludedStageResult(
                        stage=stage.stage,
                        field=stage.field,
                        typical=stage.typical_label,
                        scenario=name,
                        method=method,
                        unit=units.get(method, ""),
                        score_without=float(base[i, j]),
                        score_with=float(results["typical"][name][j]),
                        ratio_without=before,
                        ratio_with=after,
                        ratio_low=_ratio(results, "low", name, ref_name, j),
                        ratio_high=_ratio(results, "high", name, ref_name, j),
                        flips=after is not None and (before < 1) != (after < 1),
                    )
                )
    return rows
