"""The framework statement and the rebound scenario's demand growth, recorded with the inventory for the report."""

from __future__ import annotations

from lca.records import ReboundSetting
from lca.study.reference_data import resolve
from lca.study.schema import Study


def framework_statement(study: Study) -> str:
    framework = study.lca.framework
    if framework.kind == "attributional":
        return (
            "Framework: attributional. Each system is charged its share of what it uses: a person's hour carries its "
            "devices and office, electricity is the grid's average mix; the comparison says what each system is "
            "responsible for, not what deploying the ML system changes."
        )
    removed = resolve(framework.consequential.work_removed)
    return (
        "Framework: consequential. Electricity is the marginal supplier's (climate; include/data/marginal_grid.yaml) "
        f"and people's devices and office are counted only for the share {removed.value:g} of the work that is really "
        "removed (the rest is redeployed and keeps its desk): the comparison says what deploying the ML system changes."
    )


def rebound_setting(study: Study) -> ReboundSetting | None:
    """Demand growth = (1 - cost cut) ** -elasticity - 1: constant price elasticity of demand."""
    rebound = study.lca.framework.rebound
    if rebound is None:
        return None
    elasticity, cut = resolve(rebound.elasticity), resolve(rebound.cost_reduction)
    e, c = abs(elasticity.magnitude("dimensionless")), cut.magnitude("dimensionless")
    if not 0 <= c < 1:
        raise ValueError(f"field 'lca.framework.rebound.cost_reduction': value {c!r}: a cost cut is in [0, 1)")
    growth = (1 - c) ** -e - 1
    return ReboundSetting(
        elasticity=e,
        cost_reduction=c,
        demand_growth=growth,
        basis=(
            f"items grow by (1 - {c:g}) ** -{e:g} - 1 = {growth:.1%}; every stage that grows with the items grows with "
            f"them. Elasticity: {elasticity.source.strip()} Cost cut: {cut.source.strip()}"
        ),
    )
