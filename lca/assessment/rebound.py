"""The rebound scenario's net effect beside the main result (lca.framework.rebound).

A cheaper service is used more. The extra items cost what every item costs at the
margin (the stages' variable share: inference, residual work, batch server time),
not the fixed costs (training, development, provisioned online time), and the
reference is kept at the functional unit's demand: the question is what the cheaper
service does in the world, compared with the job done the old way.
"""

from __future__ import annotations

from lca.records import LciaResults, ReboundRow, StudyInventory


def rebound_rows(inventory: StudyInventory, lcia: LciaResults) -> list[ReboundRow]:
    """Per ML scenario and method: the score, and the score with the rebound's extra items (deterministic)."""
    setting = inventory.rebound
    if setting is None:
        return []
    share = {
        (s.name, flow.stage): flow.variable_share
        for s in inventory.scenarios
        for flow in s.stages
        if not s.is_reference
    }
    reference = next(s.name for s in inventory.scenarios if s.is_reference)
    totals = {(x.scenario, tuple(x.method)): (x.score, x.unit) for x in lcia.scores}
    variable: dict[tuple[str, tuple[str, ...]], float] = {}
    for stage in lcia.stages:
        key = (stage.scenario, tuple(stage.method))
        variable[key] = variable.get(key, 0.0) + stage.score * share.get((stage.scenario, stage.stage), 0.0)
    rows = []
    for (scenario, method), (score, unit) in totals.items():
        if scenario == reference:
            continue
        ref = totals.get((reference, method), (0.0, unit))[0]
        var = variable.get((scenario, method), 0.0)
        rebound = score + setting.demand_growth * var
        rows.append(
            ReboundRow(
                scenario=scenario,
                method=method,
                unit=unit,
                score=score,
                variable_score=var,
                rebound_score=rebound,
                reference_score=ref,
                ratio_to_reference=score / ref if ref else None,
                rebound_ratio_to_reference=rebound / ref if ref else None,
            )
        )
    return rows
