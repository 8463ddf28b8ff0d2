"""How the model is served: in batches (it runs only while it computes) or online (provisioned, always ready).

A batch job is charged its compute time; an online service is charged the time it
is provisioned, busy or not: its replicas hold a share of a server (its idle draw and
its embodied impacts, under the study's one allocation rule) for every provisioned
hour. Online traffic also comes in small batches (often one request at a time),
which costs more energy per item than the benchmark's batch: the energy per item is
scaled by the latency per item measured at ``batch_size``
(:mod:`lca.assessment.inventory.serving`).
"""

from __future__ import annotations

from pydantic import Field, StrictFloat, StrictInt

from lca import limits as L
from lca.study.reference_data import ParameterRef
from lca.study.strict_model import StrictModel

MAX_REPLICAS = 10_000


class OnlineServing(StrictModel):
    """What an online deployment provisions, and the traffic it really serves."""

    hours_per_day: StrictFloat = Field(
        default=24.0, gt=0.0, le=24.0, description="hours a day the replicas are up (24: always on)"
    )
    replicas: StrictInt = Field(default=1, ge=1, le=MAX_REPLICAS, description="copies of the service provisioned")
    utilisation: ParameterRef | None = Field(
        default=None,
        description="expected share of the provisioned time the replicas are busy (a cited or judged figure); "
        "checked against the share the measured latency implies",
    )
    batch_size: StrictInt = Field(
        default=1,
        ge=1,
        le=L.MAX_BATCH_SIZE,
        description="items per call as online traffic really arrives (must be one of benchmark.latency_batch_sizes)",
    )
