"""The framework a study declares (attributional by default, or consequential) and the rebound scenario."""

from __future__ import annotations

import pytest

from lca.assessment.inventory import CLERK_HOUR, build_inventory
from lca.assessment.rebound import rebound_rows
from lca.records import ImpactScore, LciaResults, StageScore
from lca.study.framework import ConsequentialSpec, Framework, ReboundSpec
from lca.study.impact_methods import GWP100
from lca.study.life_cycle import LcaSpec
from lca.study.loading import load_study
from lca.study.reference_data import Parameter, grid_table, parameter
from lca.uncertainty import NO_UNCERTAINTY
from tests.conftest import DIGITS, REPO
from tests.records_factory import bench, energy


def _inventory(study):
    names = study.variant_names()
    return build_inventory(
        study,
        "framework-1",
        training=energy("training", 0.01, duration_s=36.0),
        compression={n: energy(f"compression:{n}", 0.001) for n in names[1:]},
        benchmarks={n: bench(n, 2e-9) for n in names},
    )


def _with(study, **lca):
    return study.model_copy(update={"lca": study.lca.model_copy(update=lca)})


def _share(value: float) -> Parameter:
    return Parameter(value=value, unit="dimensionless", source="test figure", uncertainty=NO_UNCERTAINTY)


def test_every_built_in_study_is_attributional_and_says_so():
    for path in sorted((REPO / "include" / "studies").glob("*.yaml")):
        study = load_study(path)
        assert study.lca.framework.kind == "attributional", path.name
        assert study.lca.framework.rebound is not None, path.name
    inv = _inventory(load_study(DIGITS))
    assert inv.framework == "attributional" and inv.framework_statement.startswith("Framework: attributional")


def test_consequential_uses_the_marginal_supplier_and_counts_only_the_work_really_removed():
    study = load_study(DIGITS)  # France: gas combined cycle at the margin
    inv = _inventory(
        _with(
            study, framework=Framework(kind="consequential", consequential=ConsequentialSpec(work_removed=_share(0.25)))
        )
    )
    assert inv.grid_kg_co2e_per_kwh == pytest.approx(parameter("marginal_grid_gas_combined_cycle").value)
    assert inv.grid_kg_co2e_per_kwh > grid_table().factor("FRA").kg_co2e_per_kwh
    (use,) = inv.provider(CLERK_HOUR).uses
    assert use.input == "clerk_hour_attributional" and use.amount == 0.25
    attributional = _inventory(study)
    assert inv.provider("clerk_hour_attributional").electricity_kwh_per_unit == pytest.approx(
        attributional.provider(CLERK_HOUR).electricity_kwh_per_unit
    )
    assert inv.framework == "consequential" and "0.25" in inv.framework_statement


def test_an_hourly_profile_is_refused_under_the_consequential_framework():
    with pytest.raises(ValueError, match="marginal mix"):
        LcaSpec.model_validate(
            {"framework": {"kind": "consequential"}, "grid_profile": {"profile": "p.csv", "source": "SYNTHETIC x"}}
        )


def test_the_rebound_grows_only_what_grows_with_the_items_and_leaves_the_reference_at_its_demand():
    study = _with(
        load_study(DIGITS),
        framework=Framework(rebound=ReboundSpec(elasticity=_share(0.5), cost_reduction=_share(0.75))),
    )
    inv = _inventory(study)
    growth = (1 - 0.75) ** -0.5 - 1  # = 1: twice the items
    assert inv.rebound.demand_growth == pytest.approx(growth)
    g = list(GWP100)
    # baseline: training 3 (fixed), inference 2 (variable); reference 20
    lcia = LciaResults(
        study="digits",
        run_id="r",
        brightway_project="p",
        foreground_database="f",
        scores=[
            ImpactScore(scenario="baseline", method=g, unit="kg", score=5.0),
            ImpactScore(scenario="reference", method=g, unit="kg", score=20.0),
        ],
        stages=[
            StageScore(scenario="baseline", stage="training", method=g, unit="kg", score=3.0),
            StageScore(scenario="baseline", stage="inference", method=g, unit="kg", score=2.0),
            StageScore(scenario="reference", stage="human work", method=g, unit="kg", score=20.0),
        ],
    )
    (row,) = rebound_rows(inv, lcia)
    assert row.variable_score == pytest.approx(2.0)
    assert row.rebound_score == pytest.approx(5.0 + growth * 2.0)  # 7
    assert row.rebound_ratio_to_reference == pytest.approx(7.0 / 20.0)
