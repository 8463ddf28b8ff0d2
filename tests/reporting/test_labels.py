"""Chart labels never overlap, checked on the bounding boxes the renderer draws."""

from __future__ import annotations

import pytest

from lca.reporting.labels import overlapping_labels, place_labels
from lca.reporting.ml_charts import pareto_figure
from tests.records_factory import bench

# The digits variants as they came out of a run: distilled and distilled_int8, pruned_50 and
# baseline almost on top of each other.
DIGITS_LIKE = [
    ("baseline", 2.0e-9, 0.975),
    ("int8_dynamic", 1.1e-9, 0.974),
    ("int8_static", 1.0e-9, 0.972),
    ("pruned_50", 1.98e-9, 0.975),
    ("pruned_80", 1.97e-9, 0.96),
    ("slim_50", 1.5e-9, 0.97),
    ("low_rank_8", 1.6e-9, 0.968),
    ("distilled", 7.0e-10, 0.955),
    ("distilled_int8", 6.9e-10, 0.954),
]


def _naive_overlaps():
    """Labels written at their points, as the chart did before: the control that the check can fail."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    texts = [ax.annotate(f" {n}", (e, a), fontsize=8, va="center") for n, e, a in DIGITS_LIKE]
    ax.scatter([e for _, e, _ in DIGITS_LIKE], [a for _, _, a in DIGITS_LIKE])
    return overlapping_labels(fig, texts)


def test_labels_at_their_points_overlap_for_these_variants():
    assert _naive_overlaps()  # the situation the issue reported


def test_the_pareto_chart_labels_of_nearly_coincident_variants_do_not_overlap():
    fig, texts = pareto_figure([bench(n, e, a) for n, e, a in DIGITS_LIKE])

    assert [t.get_text().strip() for t in texts] == [n for n, _, _ in DIGITS_LIKE]
    assert overlapping_labels(fig, texts) == []


@pytest.mark.parametrize("n", [2, 6, 12])
def test_labels_of_points_at_the_very_same_place_are_stacked_apart(n):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter([1.0] * n, [1.0] * n)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)

    texts = place_labels(fig, ax, [1.0] * n, [1.0] * n, [f"variant_{i}" for i in range(n)])

    assert overlapping_labels(fig, texts) == []
