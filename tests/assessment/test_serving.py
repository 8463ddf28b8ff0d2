"""Serving modes: an online service pays for the time it is provisioned, a batch job for its compute time."""

from __future__ import annotations

import pytest

from lca.assessment.engine import compile_model, deterministic
from lca.assessment.hardware import hardware_table
from lca.assessment.inventory import build_inventory
from lca.records import LatencyStat
from lca.study.impact_methods import GWP100
from lca.study.loading import load_study
from lca.study.reference_data import parameter
from tests.conftest import REPO
from tests.records_factory import energy, idle_record, measured_bench

RECOMMENDATION = REPO / "include" / "studies" / "product_recommendation.yaml"
IDLE_W, LOAD_W = 20.0, 60.0


def _latency(batch_size: int, ms: float) -> LatencyStat:
    return LatencyStat(
        batch_size=batch_size,
        repeats=3,
        warmup=1,
        median_ms=ms,
        p10_ms=ms,
        p90_ms=ms,
        iqr_ms=0.0,
        items_per_second=batch_size / ms * 1000,
    )


def _bench(variant: str):
    """10 s at 60 W over 1,000 items at batch 256; latency 2 ms at batch 1, 128 ms at batch 256."""
    b = measured_bench(variant, LOAD_W, idle_record(IDLE_W), items=1000, duration_s=10.0)
    return b.model_copy(update={"batch_size": 256, "latency": [_latency(1, 2.0), _latency(256, 128.0)]})


def _inventory(study):
    names = study.variant_names()
    return build_inventory(
        study,
        "online-1",
        training=energy("training", 0.01, duration_s=36.0),
        compression={n: energy(f"compression:{n}", 0.001, duration_s=5.0) for n in names[1:]},
        benchmarks={n: _bench(n) for n in names},
    )


def _stage_score(inv, scenario: str, stage: str) -> float:
    model = compile_model(inv, [GWP100])
    scores = deterministic(model)
    return sum(
        scores[i, 0, 0]
        for i, (s, name, *_r) in enumerate(model.stages)
        if model.scenario_names[s] == scenario and name == stage
    )


def test_the_online_recommender_pays_idle_power_and_embodied_share_for_every_provisioned_hour():
    study = load_study(RECOMMENDATION)
    assert study.deployment.serving == "online"
    inv = _inventory(study)
    stage = next(s for s in inv.scenario("baseline").stages if s.stage.startswith("server share"))

    # Provisioned time: 24 h a day x 365.25 days (pint's year) x 1 replica = 8,766 replica-hours.
    provisioned = 24 * 365.25 * 1
    # Plus the server hours of the fixed stages: 36 s a training run x 10 search runs x 12 builds.
    fixed_h = 36.0 * 10 * 12 / 3600  # 1.2 h
    assert stage.amount == pytest.approx(provisioned + fixed_h, rel=1e-12)
    assert stage.variable_share == 0.0  # provisioned time does not grow with the visits

    # Each hour: share 0.1 of (idle 20 W x 1 h = 0.020 kWh at the machine x PUE 1.58 x NL grid factor
    #                          + one hour of the server's embodied GWP = total / (lifetime h x use ratio)).
    share = parameter("server_share_shared_service").value  # 0.1
    pue = parameter("pue_average_datacenter_2023").value  # 1.58
    grid = inv.grid_kg_co2e_per_kwh
    server = hardware_table().device("server_2s_r740")
    embodied_per_h = server.totals["climate"] / (server.lifetime_hours * server.use_ratio)
    per_hour = share * (IDLE_W / 1000 * pue * grid + embodied_per_h)
    hand = (provisioned + fixed_h) * per_hour
    assert _stage_score(inv, "baseline", stage.stage) == pytest.approx(hand, rel=1e-9)
    # about 8,767 h x 0.1 x (0.0316 kWh x grid + embodied/h): the tens of kg a year the issue estimated
    assert hand > 10


def test_online_inference_energy_per_item_is_at_batch_1_scaled_by_the_latency_per_item():
    study = load_study(RECOMMENDATION)
    inv = _inventory(study)
    inference = next(s for s in inv.scenario("baseline").stages if s.stage == "inference")
    dynamic_per_item = (LOAD_W - IDLE_W) * 10.0 / 3.6e6 / 1000  # above idle, at batch 256
    factor = (2.0 / 1) / (128.0 / 256)  # 2 ms per item at batch 1 / 0.5 ms per item at batch 256 = 4
    assert inference.amount == pytest.approx(dynamic_per_item * factor * study.functional_unit.items, rel=1e-9)


def test_batch_serving_pays_the_compute_time_only():
    study = load_study(RECOMMENDATION)
    batch = study.model_copy(
        update={"deployment": study.deployment.model_copy(update={"serving": "batch", "online": None})}
    )
    inv = _inventory(batch)
    stage = next(s for s in inv.scenario("baseline").stages if s.stage.startswith("server share"))
    inference_h = 10.0 / 1000 * batch.functional_unit.items / 3600  # at the measured throughput
    assert stage.amount == pytest.approx(36.0 * 120 / 3600 + inference_h, rel=1e-9)
    assert inv.serving == "batch" and "compute time only" in inv.serving_statement


def test_online_serving_without_its_batch_size_measured_is_refused(tmp_path):
    text = (REPO / "tests" / "data" / "tiny_product_recommendation.yaml").read_text()
    broken = tmp_path / "online_batch.yaml"
    broken.write_text(text.replace("batch_size: 1}", "batch_size: 8}"))
    from lca.errors import StudyError

    with pytest.raises(StudyError, match="online.batch_size 8 is not measured"):
        load_study(broken)
