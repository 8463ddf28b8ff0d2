"""What a model is asked to do, and how its answers are judged and routed to people.

Five kinds cover the built-in studies and most of what a user brings:
multiclass classification (digits), binary classification (fraud screening,
an imbalanced problem judged by PR-AUC and recall at a fixed precision),
regression (day-ahead load forecasts, judged by MAE and MAPE), ranking (product
recommendation, judged by recall@k and NDCG@k) and clustering (customer
segmentation, judged by agreement with a held-out segmentation and silhouette).
Each also has a trivial baseline (:meth:`Task.trivial_outputs`), the floor a
model must clear on the same held-out items.

Each kind defines its training loss, its distillation loss, its quality metrics
(a dict, with a primary metric and its direction), which of its answers are
wrong item by item, and the items a fixed routing rule hands to a person
(``VariantBenchmark.routed_fraction``, which the inventory turns into human work).
Routing by confidence, whose threshold is chosen on the validation split, is in
:mod:`lca.ml.routing`. The metric tables themselves are plain data in
:mod:`lca.study.metrics`, so the study schema can check names without importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lca.ml.tasks.classification import BinaryTask, MulticlassTask, RankingTask
from lca.ml.tasks.clustering import ClusteringTask
from lca.ml.tasks.regression import RegressionTask

if TYPE_CHECKING:  # pragma: no cover - typing only
    from lca.ml.tasks.base import Task

TASKS: dict[str, Task] = {
    t.kind: t for t in (MulticlassTask(), BinaryTask(), RegressionTask(), RankingTask(), ClusteringTask())
}


def task_for(kind: str) -> Task:
    return TASKS[kind]
