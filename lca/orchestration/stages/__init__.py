"""The stages of a study run, one function per Airflow task, grouped by what they do.

Each stage takes its :class:`~lca.orchestration.run.Run` and the keys earlier stages
returned, and returns the key(s) of what it stored (:mod:`lca.run_layout`).
Every stage can be run and tested without Airflow. Heavy libraries are imported inside
the stages, so the DAG factory imports these modules at parse time for free.

A run that reuses an earlier run's measurements is decided here, not in the DAG: each
measuring stage asks its run for the source and hands on the source's files
(:mod:`lca.orchestration.reassess`).
"""

from lca.orchestration.stages import (
    assessment,
    benchmarks,
    data,
    interpretation,
    models,
    report,
    runtimes,
    settings,
)

__all__ = ["assessment", "benchmarks", "data", "interpretation", "models", "report", "runtimes", "settings"]
