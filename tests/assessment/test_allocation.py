"""One allocation rule for the server: dynamic energy in full, idle power and embodied impacts by the same share."""

from __future__ import annotations

import pytest

from lca.assessment.brightway.foreground import write_inventory
from lca.assessment.brightway.lcia import compute_scores_and_stages
from lca.assessment.engine import compile_model, deterministic, scenario_totals
from lca.assessment.hardware import hardware_table
from lca.assessment.interpretation.sensitivity import allocation_rows
from lca.assessment.inventory import SERVER_HOUR, build_inventory
from lca.assessment.inventory.names import SERVER_RUNNING_HOUR, SERVER_SHARE_GROUP, SERVER_SHARE_HOUR
from lca.errors import MeasurementError
from lca.study.loading import load_study
from lca.study.reference_data import parameter
from tests.bw_fixtures import FOUR_METHODS
from tests.conftest import DIGITS
from tests.records_factory import IDLE_W, digits_measured_inventory, energy, idle_record, measured_bench, sampled

ITEMS = 1_000_000  # the digits functional unit


def stages(inv, scenario):
    return {s.stage: s for s in inv.scenario(scenario).stages}


@pytest.fixture(scope="module")
def shared():
    return digits_measured_inventory("alloc-shared", "shared")


def test_shared_charges_dynamic_energy_in_full_and_idle_and_embodied_by_one_declared_share(shared):
    share = parameter("server_share_shared_service")
    assert shared.allocation == "shared" and "share 0.1" in shared.allocation_statement
    inference = stages(shared, "baseline")["inference"]
    dynamic_per_item = (40.0 - IDLE_W) * 10.0 / 3.6e6 / 1000  # 40 W window, 20 W idle, 1000 items in 10 s
    assert inference.amount == pytest.approx(dynamic_per_item * ITEMS)
    assert shared.provider("training_run").uses[0].amount == pytest.approx((60 - IDLE_W) * 40.0 / 3.6e6)
    (use,) = shared.provider(SERVER_SHARE_HOUR).uses
    assert use.input == SERVER_RUNNING_HOUR and use.amount == share.value == 0.1
    assert use.uncertainty.gsd == share.total_uncertainty.gsd and use.group == SERVER_SHARE_GROUP
    running = {u.input: u.amount for u in shared.provider(SERVER_RUNNING_HOUR).uses}
    assert running == {"measured::codecarbon_estimate": pytest.approx(IDLE_W / 1000), SERVER_HOUR: 1.0}
    server = stages(shared, "baseline")["server share (idle power and embodied)"]
    inference_s = 10.0 / 1000 * ITEMS
    fixed_s = 40.0  # one training run (the default lca section)
    assert server.amount == pytest.approx((fixed_s + inference_s) / 3600)
    assert "embodied hardware" not in stages(shared, "baseline"), "one rule: no second, threads-based charge"


def test_the_share_is_one_exchange_so_one_draw_moves_idle_energy_and_embodied_impacts_together(shared):
    model = compile_model(shared, FOUR_METHODS[:1])
    assert len(model.groups()[SERVER_SHARE_GROUP]) == 1


def test_dedicated_books_the_whole_machines_energy_once_and_whole_machine_keeps_the_old_rule_for_comparison():
    dedicated = digits_measured_inventory("alloc-dedicated", "dedicated")
    whole = digits_measured_inventory("alloc-whole", "whole_machine")
    # dedicated: dynamic + idle x every hour the service runs = the gross energy the tracker saw
    for name in ("baseline", "int8_dynamic", "reference"):
        assert dedicated.electricity_kwh(name) == pytest.approx(whole.electricity_kwh(name), rel=1e-9)
    assert dedicated.provider(SERVER_SHARE_HOUR).uses[0].amount == 1.0
    embodied = stages(whole, "baseline")["embodied hardware"]
    server = hardware_table().device("server_2s_r740")
    hours = (40.0 + 10.0 / 1000 * ITEMS) / 3600
    assert embodied.amount == pytest.approx(hours * 2 / server.threads)  # threads used, as before
    assert stages(whole, "baseline")["inference"].amount == pytest.approx(40.0 * 10.0 / 3.6e6 / 1000 * ITEMS)


def test_the_sensitivity_rows_show_both_rules_and_they_differ(shared):
    whole = digits_measured_inventory("alloc-whole-2", "whole_machine")
    rows = allocation_rows(shared, FOUR_METHODS[:1], whole)
    by = {(r.scenario, r.rule): r.score for r in rows}
    assert set(r.rule for r in rows) == {"shared", "whole_machine"}
    assert by[("baseline", "shared")] != pytest.approx(by[("baseline", "whole_machine")], rel=1e-6)
    assert by[("reference", "shared")] == pytest.approx(by[("reference", "whole_machine")])  # people are not servers


def test_the_engine_and_brightway_still_agree_to_1e6_on_the_shared_allocation(shared, bw_project):
    database = write_inventory(shared, project=bw_project)
    results, _ = compute_scores_and_stages(shared, database, FOUR_METHODS, project=bw_project)
    model = compile_model(shared, FOUR_METHODS)
    totals = scenario_totals(model, deterministic(model))[:, :, 0]
    for s in results.scores:
        mine = totals[model.scenario_names.index(s.scenario), model.methods.index(tuple(s.method))]
        assert mine == pytest.approx(s.score, rel=1e-6), (s.scenario, s.method)


def _build(compression_record, idle=None):
    study = load_study(DIGITS)
    names = study.variant_names()
    idle = idle or idle_record()
    return build_inventory(
        study,
        "alloc-short",
        training=sampled(energy("training", 60 * 40.0 / 3.6e6, duration_s=40.0)),
        compression={n: compression_record for n in names[1:]},
        benchmarks={n: measured_bench(n, 40.0, idle) for n in names},
    )


def test_a_stage_shorter_than_one_sampling_interval_is_flagged_and_bounded_not_taken_at_face_value():
    short = sampled(energy("compression:x", 0.5 * 0.02 / 3.6e6, duration_s=0.02))  # 0.5 W: below a 20 W floor
    assert short.below_sampling_interval
    inv = _build(short)
    stage = stages(inv, "int8_dynamic")["compression"]
    highest = 60.0  # the training window is the highest power measured in this run
    builds = load_study(DIGITS).lca.training_runs.retrainings_per_period
    assert stage.amount == pytest.approx((highest - IDLE_W) * 0.02 / 3.6e6 * builds)
    assert "FLAGGED" in stage.comment and "shorter than one sampling interval" in stage.comment
    assert any("compression:x" in note and "shorter than one sampling interval" in note for note in inv.notes)


def test_a_stage_drawing_clearly_less_than_idle_is_an_error_of_the_measurement():
    below = sampled(energy("compression:x", 5.0 * 10.0 / 3.6e6, duration_s=10.0))  # 5 W over 10 readings, idle 20 W
    with pytest.raises(MeasurementError, match=r"compression:x.*idle power 20 W.*above the power under load 5 W"):
        _build(below)


def test_without_an_idle_measurement_the_rule_falls_back_to_whole_machine_and_says_so():
    from tests.records_factory import bench

    study = load_study(DIGITS)
    names = study.variant_names()
    inv = build_inventory(
        study,
        "no-idle",
        training=energy("training", 0.01),
        compression={n: energy("c", 0.001) for n in names[1:]},
        benchmarks={n: bench(n, 2e-9) for n in names},
    )
    assert inv.allocation == "whole_machine"
    assert any("No idle power was measured" in note for note in inv.notes)


def test_the_rule_changes_only_the_machines_part_and_the_sensitivity_rows_say_by_how_much(shared):
    whole = digits_measured_inventory("alloc-whole-3", "whole_machine")
    rows = {(r.scenario, r.rule): r for r in allocation_rows(shared, FOUR_METHODS[:1], whole)}
    assert rows[("reference", "shared")].machine_score == 0.0  # all people's work
    a, b = rows[("baseline", "shared")], rows[("baseline", "whole_machine")]
    assert a.machine_score > 0 and b.machine_score > 0 and a.machine_score != pytest.approx(b.machine_score, rel=1e-3)
    assert a.score - a.machine_score == pytest.approx(b.score - b.machine_score, rel=1e-9)  # human work identical


def _attributed(record):
    """The same record as the task's own energy (a cited power model over its CPU time)."""
    return record.model_copy(update={"method": "cpu_power_model_family"})


def test_attributed_energy_is_booked_whole_and_the_server_idle_draw_comes_from_the_modelled_server():
    """A sleeping process's attributed energy is not the server's idle draw: the share carries the cited figure."""
    study = load_study(DIGITS)
    names = study.variant_names()
    idle = _attributed(idle_record(watts=0.05))  # what a sleeping task draws by attribution
    inv = build_inventory(
        study,
        "alloc-attributed",
        training=_attributed(sampled(energy("training", 3.0 * 40.0 / 3.6e6, duration_s=40.0))),  # 3 W for 40 s
        compression={n: _attributed(sampled(energy(f"compression:{n}", 2.0 * 3.0 / 3.6e6, 3.0))) for n in names[1:]},
        benchmarks={
            n: measured_bench(n, 2.5, idle).model_copy(
                update={"energy": _attributed(measured_bench(n, 2.5, idle).energy)}
            )
            for n in names
        },
    )
    server_idle = parameter("server_idle_power_2s")
    running = {u.input: u for u in inv.provider(SERVER_RUNNING_HOUR).uses}
    idle_use = running["it_electricity"]
    assert idle_use.amount == pytest.approx(server_idle.value / 1000)  # 100 W, not the 0.05 W of a sleeping task
    assert idle_use.uncertainty.gsd == pytest.approx(server_idle.total_uncertainty.gsd)
    assert "modelled idle power (100 W)" in inv.allocation_statement
    # The task's own energy holds no idle draw: booked as attributed, nothing subtracted.
    assert inv.provider("training_run").uses[0].amount == pytest.approx(3.0 * 40.0 / 3.6e6)
    inference = stages(inv, "baseline")["inference"]
    assert inference.amount == pytest.approx(2.5 * 10.0 / 3.6e6 / 1000 * ITEMS)
    assert "the task's own, attributed" in inference.comment
