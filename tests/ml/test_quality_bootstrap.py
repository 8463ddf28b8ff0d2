"""Quality figures from a finite test set: paired across variants, never certain, aligned with the Monte Carlo.

The case of issue 10: 54 held-out items, the baseline wrong on one, two compressed
variants wrong on none.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from lca.assessment.interpretation import monte_carlo
from lca.ml.benchmarking import read_per_item, write_per_item
from lca.ml.quality_bootstrap import paired_bootstrap
from lca.ml.tasks import task_for
from lca.records import LciaResults
from lca.reporting.recommendations_section import recommendations
from lca.study.machine_learning import TaskSpec
from tests.bw_fixtures import FOUR_METHODS
from tests.records_factory import digits_measured_inventory

N = 54
TASK = task_for("multiclass")
SPEC = TaskSpec(kind="multiclass")


def _items(wrong: list[int], n: int = N, classes: int = 3) -> dict[str, np.ndarray]:
    """Per-item outputs of a classifier right on every item but ``wrong``."""
    truth = np.arange(n) % classes
    outputs = np.eye(classes, dtype=np.float32)[truth] * 5
    for i in wrong:
        outputs[i] = np.roll(outputs[i], 1)
    return {"routed": outputs.argmax(axis=1) != truth, "outputs": outputs, "y_true": truth}


def _bench(variant: str, items: dict) -> object:
    from tests.records_factory import bench

    acc = float((~items["routed"]).mean())
    return bench(variant, 1e-9, accuracy=acc).model_copy(update={"n_test_items": N, "routed_fraction": 1 - acc})


@pytest.fixture(scope="module")
def issue_case():
    per_item = {"baseline": _items([7]), "int8_dynamic": _items([]), "int8_static": _items([])}
    benches = [_bench(name, items) for name, items in per_item.items()]
    record, shares = paired_bootstrap(benches, per_item, TASK, SPEC, draws=4000, seed=3, metric_draws=500)
    return record, shares


def test_a_share_of_zero_observed_gets_a_proper_interval_not_a_point_mass(issue_case):
    record, shares = issue_case
    zero = record.variant("int8_dynamic")
    assert zero.routed_items == 0 and zero.n_items == N and zero.rule_of_three_upper == pytest.approx(3 / N)
    assert zero.routed_p2_5 > 0 and zero.routed_p97_5 > 0.03, "0 of 54 leaves several per cent possible"
    assert zero.routed_p97_5 < 3 / N  # the Jeffreys posterior is a little tighter than the rule of three
    assert zero.jeffreys_p97_5 == pytest.approx(beta.ppf(0.975, 0.5, N + 0.5))
    assert shares[1].std() > 0


def test_variants_scored_on_the_same_items_are_drawn_from_the_same_resamples():
    # two variants wrong on the same 6 items, a third on 6 others: only the first two move together
    per_item = {
        "baseline": _items([1, 5, 9, 20, 33, 40]),
        "same": _items([1, 5, 9, 20, 33, 40]),
        "other": _items([2, 6, 10, 21, 34, 41]),
    }
    benches = [_bench(name, items) for name, items in per_item.items()]
    record, shares = paired_bootstrap(benches, per_item, TASK, SPEC, draws=4000, seed=5, metric_draws=10)
    paired = np.corrcoef(shares[0], shares[1])[0, 1]
    unpaired = np.corrcoef(shares[0], shares[2])[0, 1]
    assert paired > 0.35 and abs(unpaired) < 0.15 and paired > unpaired + 0.3  # bootstrap and Jeffreys: about half each
    base = record.variant("baseline")
    assert base.routed_items == 6 and base.routed_p2_5 < 6 / N < base.routed_p97_5


def test_the_bootstrap_is_seeded_and_the_paired_quality_loss_is_computed_on_the_same_items(issue_case):
    per_item = {"baseline": _items([7]), "int8_dynamic": _items([])}
    benches = [_bench(name, items) for name, items in per_item.items()]
    a = paired_bootstrap(benches, per_item, TASK, SPEC, draws=500, seed=11, metric_draws=200)
    b = paired_bootstrap(benches, per_item, TASK, SPEC, draws=500, seed=11, metric_draws=200)
    assert np.array_equal(a[1], b[1])
    row = a[0].variant("int8_dynamic")
    assert row.loss_p97_5 <= 0 <= -row.loss_p2_5  # never worse than the baseline on any resample: paired
    assert row.p_worse_than_baseline == 0.0


def test_variants_scored_on_other_items_are_refused():
    per_item = {"baseline": _items([1]), "other": _items([], n=N - 1)}
    with pytest.raises(ValueError, match="same held-out items"):
        paired_bootstrap([_bench(n, i) for n, i in per_item.items()], per_item, TASK, SPEC, draws=10, seed=0)


def test_the_per_item_file_round_trips_and_stays_small(tmp_path):
    items = _items([3, 9], n=450, classes=10)
    path = write_per_item(tmp_path / "baseline.items.npz", items["routed"], items["outputs"], items["y_true"])
    back = read_per_item(path)
    assert np.array_equal(back["routed"], items["routed"]) and np.array_equal(back["y_true"], items["y_true"])
    assert path.stat().st_size < 20_000


def test_in_the_monte_carlo_a_zero_error_variant_is_not_certain_and_not_clearly_better(issue_case):
    """The issue's report: 'compression clearly lowers the impact', P = 1.000, on one test item. Not any more."""
    record, shares = issue_case
    inv = digits_measured_inventory("boot-mc")
    inv = inv.model_copy(
        update={
            "scenarios": [
                s for s in inv.scenarios if s.name in ("baseline", "int8_dynamic", "int8_static") or s.is_reference
            ]
        }
    )
    # the inventory's residual work at the observed shares (as build_inventory books them)
    for s in inv.scenarios:
        for flow in s.stages:
            if flow.stage == "residual human work":
                observed = record.variant(s.name).routed_share
                flow.amount = observed * inv.items
    results, _ = monte_carlo(inv, FOUR_METHODS[:1], {}, 4000, seed=1, quality=record, quality_shares=shares)
    routed = {r.scenario: r for r in results.routed_shares}
    assert routed["int8_dynamic"].observed == 0 and routed["int8_dynamic"].n_items == N
    assert routed["int8_dynamic"].p97_5 > 0.03, "the Monte Carlo interval of the routed share is non-degenerate"
    stat = results.stat("int8_dynamic", FOUR_METHODS[0])
    assert stat.p_beats_baseline < 0.95
    checks = [c for c in results.quality_checks if c.scenario == "int8_dynamic"]
    assert checks and checks[0].bound == pytest.approx(3 / N) and checks[0].changes_conclusion
    lcia = LciaResults(study=inv.study, run_id=inv.run_id, brightway_project="-", foreground_database="-", scores=[])
    text = " ".join(recommendations(inv, lcia, results, None, FOUR_METHODS[:1]))
    assert "clearly lowers the impact for int8" not in text
    assert "0 of 54 held-out items" in text and "3/54" in text
