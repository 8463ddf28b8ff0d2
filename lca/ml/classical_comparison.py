"""Does each ML variant beat the classical baseline on the same held-out items?

The same paired bootstrap as the trivial floor (:func:`lca.ml.benchmarking.paired_comparison`),
run once every variant is benchmarked, from the per-item outputs each benchmark wrote:
the classical method and every variant answered the same items, so the test is paired.
Its verdict decides whether the report names the classical method as the option to consider
(:mod:`lca.assessment.classical_baseline`).
"""

from __future__ import annotations

import numpy as np

from lca.ml.benchmarking import paired_comparison
from lca.ml.tasks.base import Task
from lca.records import VariantBenchmark
from lca.study.baselines import CLASSICAL
from lca.study.machine_learning import TaskSpec


def against_classical(
    benchmarks: list[VariantBenchmark],
    items: dict[str, dict[str, np.ndarray]],
    task: Task,
    spec: TaskSpec,
    method_label: str,
) -> list[VariantBenchmark]:
    """Each other variant with its ``versus_classical`` test; unchanged when there is no classical variant.

    ``items``: per variant, its per-item file as :func:`lca.ml.benchmarking.read_per_item` reads it.
    A primary metric that needs the items' features (silhouette) is not in the per-item files:
    no test then, rather than one on other items.
    """
    if CLASSICAL not in items:
        return benchmarks
    floor = items[CLASSICAL]
    out = []
    for b in benchmarks:
        if b.variant == CLASSICAL or b.variant not in items:
            out.append(b)
            continue
        mine = items[b.variant]
        if not np.array_equal(mine["y_true"], floor["y_true"]):
            raise ValueError(f"variant {b.variant!r} and the classical baseline were not scored on the same items")
        try:
            test = paired_comparison(
                task,
                spec,
                mine["outputs"].astype(np.float64),
                floor["outputs"].astype(np.float64),
                mine["y_true"],
                method_label,
            )
        except KeyError:  # the primary metric needs the features
            out.append(b)
            continue
        out.append(b.model_copy(update={"versus_classical": test}))
    return out
