"""Names shared by the inventory, the Brightway writer and the report: providers and life-cycle stages.

A provider is one shared activity of the foreground (see :mod:`lca.assessment.inventory`);
a stage is the life-cycle phase a scenario's flow is reported under.
"""

from __future__ import annotations

from lca.records import EnergyRecord

IT_ELECTRICITY = "it_electricity"
CLERK_HOUR = "clerk_hour"
CLERK_HOUR_FULL = "clerk_hour_attributional"  # consequential: CLERK_HOUR is the removed share of it
ENGINEER_HOUR = "engineer_hour"
OFFICE_HOUR = "office_hour"
MANUAL_ITEM = "manual_item"
REVIEW_ITEM = "review_item"
TRAINING_RUN = "training_run"
DATA_PREPARATION = "data_preparation_run"
DEVELOPMENT = "development"
DATA_COLLECTION = "data_collection"
BUILT_ONCE = "built_once"
SERVICE_LIFE_SHARE = "service_life_share"
RETRAINING_EFFORT = "retraining_effort"
SERVER_HOUR = "server_hour"
SERVER_RUNNING_HOUR = "server_running_hour"
SERVER_SHARE_HOUR = "server_share_hour"
GPU_HOUR = "gpu_hour"
REFERENCE = "reference"


def effort_provider_name(effort: str) -> str:
    """One provider per fixed effort: the reference and the ML system that keeps it share its one draw."""
    return f"effort::{effort}"


# Stage names, in report order.
STAGE_DATA = "data preparation"
STAGE_TRAINING = "training"
STAGE_COMPRESSION = "compression"
STAGE_RUNTIME = "runtime preparation"  # compiling or exporting the variant for its deployed runtime
STAGE_INFERENCE = "inference"
STAGE_EMBODIED = "embodied hardware"
STAGE_SERVER = "server share (idle power and embodied)"
STAGE_EMBODIED_GPU = "embodied hardware (GPU)"
STAGE_DEVELOPMENT = "development"
STAGE_REVIEW = "review of kept output"
STAGE_RETRAINING_EFFORT = "retraining (engineers)"
DATA_COLLECTION = "data_collection"
BUILT_ONCE = "built_once"
SERVICE_LIFE_SHARE = "service_life_share"
RETRAINING_EFFORT = "retraining_effort"
STAGE_RESIDUAL = "residual human work"
STAGE_HUMAN = "human work"
STAGE_FIXED_EFFORT = "fixed human effort"
STAGE_ORDER = (
    STAGE_DATA,
    STAGE_TRAINING,
    STAGE_COMPRESSION,
    STAGE_RUNTIME,
    STAGE_INFERENCE,
    STAGE_SERVER,
    STAGE_EMBODIED,
    STAGE_EMBODIED_GPU,
    STAGE_DEVELOPMENT,
    STAGE_REVIEW,
    STAGE_RETRAINING_EFFORT,
    STAGE_RESIDUAL,
    STAGE_HUMAN,
    STAGE_FIXED_EFFORT,
)


SERVER_SHARE_GROUP = "server share (declared)"


def routed_share_group(variant: str) -> str:
    """The group of a variant's residual-work exchange: the bootstrap supplies its draws under this name."""
    return f"routed share ({variant})"


# The uncertainty group of a measured amount widened by the contention term (lca.energy.contention).
CONTENTION_GROUP = "contention term: "


def measured_provider_name(record: EnergyRecord) -> str:
    """Every stage measured by one method shares one provider, hence one error draw."""
    return f"measured::{record.method}"
