"""Life-cycle stages a study leaves out by default, and the cited typical value each could take.

A study with no ``lca`` section is valid: it counts one training run, no
development time, no retraining, no office. That may be the right model, but the
user must be told: ``lca-ml validate`` warns about each stage listed here, the
report's "In short" box lists them, and its sensitivity section shows how far the
conclusion moves with each at its typical value (``include/data/parameters_typical_stages.yaml``
and the office figures of ``parameters_lca.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.study.reference_data import parameter
from lca.study.schema import Study


@dataclass(frozen=True)
class ExcludedStage:
    stage: str
    field: str
    why: str
    typical: str  # parameter id, or the boundary option
    typical_label: str


def excluded_stages(study: Study) -> list[ExcludedStage]:
    """Stages left at zero (or at one run) because the study did not declare them."""
    spec = study.lca
    out = []
    if spec.development_hours is None:
        p = parameter("development_hours_small_model")
        out.append(
            ExcludedStage(
                "development",
                "lca.development_hours",
                "engineers' development time is not declared",
                "development_hours_small_model",
                f"{p.value:g} {p.unit} ({p.source.strip()})",
            )
        )
    runs = spec.training_runs
    if "hyperparameter_search" not in runs.model_fields_set:
        p = parameter("typical_hyperparameter_trials")
        out.append(
            ExcludedStage(
                "hyper-parameter search",
                "lca.training_runs.hyperparameter_search",
                "only the one measured training run is counted per model build",
                "typical_hyperparameter_trials",
                f"{p.value:g} runs per build (judgement)",
            )
        )
    if "retrainings_per_period" not in runs.model_fields_set:
        p = parameter("typical_retrainings_per_year")
        out.append(
            ExcludedStage(
                "retraining",
                "lca.training_runs.retrainings_per_period",
                "the model is built once over the period",
                "typical_retrainings_per_year",
                f"{p.value:g} builds per year (judgement)",
            )
        )
    if spec.system_boundary == "devices_only" and "system_boundary" not in spec.model_fields_set:
        out.append(
            ExcludedStage(
                "office building",
                "lca.system_boundary",
                "people's offices (electricity, heating) are outside the default boundary",
                "devices_and_office",
                "the office figures of include/data/parameters_lca.yaml",
            )
        )
    return out
