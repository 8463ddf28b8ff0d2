"""Every record a run persists, one module per subject, all written one way (:mod:`lca.records.base`).

Stages write these records as JSON under the run's keys in the artefact store
and later stages and the report read them back, so this package sits in the
bottom layer: it imports nothing of the study, ML, assessment, orchestration or
reporting code, and the report reads what a run measured without importing the
code that measured it. Import the records from here: ``from lca.records import X``.
"""

from lca.records.base import as_readable
from lca.records.benchmark import BatchEnergy, LatencyStat, TrivialBaseline, VariantBenchmark, VerdictTest
from lca.records.dataset_card import DatasetCard
from lca.records.energy import ATTRIBUTED_METHODS, Attribution, EnergyMethod, EnergyRecord, HostFacts, MeasurementWindow
from lca.records.framing import DqiRow, ReboundResults, ReboundRow, ReboundSetting
from lca.records.gates import GateResult
from lca.records.inventory import (
    BackgroundActivity,
    FlowAmount,
    Provider,
    ProviderUse,
    ScenarioInventory,
    StageFlow,
    StudyInventory,
    TimeOfUse,
)
from lca.records.lcia import ImpactScore, LciaResults, StageScore, method_key
from lca.records.monte_carlo import (
    BreakEven,
    LowestGroupStats,
    MonteCarloResults,
    QualityCheck,
    RoutedShareStats,
    ScenarioStats,
    finite,
)
from lca.records.quality import QualityBootstrap, VariantQuality
from lca.records.routing import RoutingOutcome
from lca.records.runtimes import (
    RuntimeCheck,
    RuntimeChoice,
    RuntimeComparison,
    RuntimeLatency,
    RuntimeResult,
    RuntimeSweep,
)
from lca.records.sensitivity import (
    AllocationRow,
    CarbonAwareResult,
    CountryResult,
    ExcludedStageResult,
    SensitivityResults,
    TimeOfUseResults,
    TornadoBar,
    WhenResult,
)
from lca.records.variant import Variant

__all__ = [
    "ATTRIBUTED_METHODS",
    "RoutingOutcome",
    "AllocationRow",
    "Attribution",
    "BackgroundActivity",
    "BreakEven",
    "CarbonAwareResult",
    "CountryResult",
    "DatasetCard",
    "DqiRow",
    "EnergyMethod",
    "EnergyRecord",
    "ExcludedStageResult",
    "HostFacts",
    "FlowAmount",
    "GateResult",
    "ImpactScore",
    "BatchEnergy",
    "LatencyStat",
    "LciaResults",
    "MeasurementWindow",
    "LowestGroupStats",
    "MonteCarloResults",
    "Provider",
    "ProviderUse",
    "QualityBootstrap",
    "QualityCheck",
    "ReboundResults",
    "ReboundRow",
    "ReboundSetting",
    "RoutedShareStats",
    "RuntimeCheck",
    "RuntimeChoice",
    "RuntimeComparison",
    "RuntimeLatency",
    "RuntimeResult",
    "RuntimeSweep",
    "ScenarioInventory",
    "ScenarioStats",
    "SensitivityResults",
    "StageFlow",
    "StageScore",
    "StudyInventory",
    "TimeOfUse",
    "TimeOfUseResults",
    "TornadoBar",
    "TrivialBaseline",
    "Variant",
    "VariantBenchmark",
    "VerdictTest",
    "VariantQuality",
    "WhenResult",
    "as_readable",
    "finite",
    "method_key",
]
