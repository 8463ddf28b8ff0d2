"""The host name a native-cluster worker reports to Airflow (``[core] hostname_callable``).

``make cluster`` runs two Celery workers on one machine to stand in for two hosts. Each
gets ``LCA_CLUSTER_HOST`` (``worker1``, ``worker2``), and this function makes Airflow record
that name on every task instance the worker runs, where the machine's own name would be
the same for both. In docker-compose each worker is a container with its own host name, so
compose leaves ``hostname_callable`` at Airflow's default.
"""

from __future__ import annotations

import os


def hostname() -> str:
    try:
        return os.environ["LCA_CLUSTER_HOST"]
    except KeyError:
        raise RuntimeError(
            "LCA_CLUSTER_HOST is not set: this hostname_callable is meant for workers started by make cluster"
        ) from None
