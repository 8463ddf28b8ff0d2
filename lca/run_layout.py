"""Every file of a run, declared once: the keys of ``runs/<study>/<run>/`` in the artefact store.

A run's tasks find each other's files by these keys (what XCom carries, what the
console and the report read), so a file's name is spelled here and nowhere else:
a stage asks its :class:`RunLayout` for ``idle_energy``, never for
``"energy/idle.json"``. The keys are those runs have always been stored under,
so earlier runs stay readable and reassessable.

Two kinds of names come from elsewhere and are only placed here: the dataset's
file name (:func:`lca.ml.data.dataset_filename`, which says in the name whether the
data are synthetic; its card sits beside it, :func:`lca.ml.datasets.card.card_key`),
and the file a record names relative to itself (a benchmark's per-item outputs, the
draws of the quality bootstrap and of the Monte Carlo), found with :func:`beside`.

It sits in the bottom layer, beside the artefact store, because not only the
orchestration reads a run's files: the report's run lists and comparison
(:mod:`lca.reporting.run_summary`) and the plugin read them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from lca.settings import safe_name
from lca.storage import REPORTS, RUNS, join

# Read beside the run folder by those who hold a path rather than a layout (the plugin's run lists).
SETTINGS_FILE = "settings.json"
STUDY_FILE = "study.yaml"

# What lca.ml.data.dataset_filename calls a prepared dataset: dataset.csv, dataset_SYNTHETIC.csv.
DATASET_STEM = "dataset"
DATASET_SUFFIX = ".csv"


def report_folder(study_name: str, run_id: str) -> str:
    """The run's report folder, ``reports/<study>/<run>`` (written once, by the report task)."""
    return RunLayout.of(study_name, run_id).report


def beside(key: str, name: str) -> str:
    """The key of ``name`` in the folder of ``key``: where a record's relative file name points."""
    return join(key.rsplit("/", 1)[0], name)


@dataclass(frozen=True)
class RunLayout:
    """The keys of one run's files, from its folder ``runs/<study>/<run>``."""

    prefix: str

    @classmethod
    def of(cls, study_name: str, run_id: str) -> RunLayout:
        """``run_id`` as Airflow names it (``manual__2026-...+00:00``), made a portable folder name."""
        return cls(join(RUNS, study_name, safe_name(run_id)))

    @property
    def folder_name(self) -> str:
        """The run's folder name: its run id, made portable (lca.settings.safe_name)."""
        return self.prefix.rsplit("/", 1)[-1]

    def sibling(self, run_id: str) -> RunLayout:
        """Another run of the same study (ValueError when ``run_id`` cannot name a folder)."""
        return RunLayout(join(self.prefix.rsplit("/", 1)[0], safe_name(run_id)))

    def _key(self, *parts: str) -> str:
        return join(self.prefix, *parts)

    @property
    def report(self) -> str:
        """The run's report folder, beside the runs: ``reports/<study>/<run>`` (lca.reporting.run_report)."""
        return join(REPORTS, *self.prefix.split("/")[1:])

    # --- written by the first task ---------------------------------------------

    @property
    def settings(self) -> str:
        """The run's what-if overrides and the run whose measurements it reuses."""
        return self._key(SETTINGS_FILE)

    @property
    def study(self) -> str:
        """The resolved study: the study file with the run's overrides, as every later task reads it."""
        return self._key(STUDY_FILE)

    @property
    def study_as_written(self) -> str:
        """The study file as it was when the run started, byte for byte (what the overrides replace)."""
        return self._key("study_as_written.yaml")

    # --- data ------------------------------------------------------------------

    @property
    def data_folder(self) -> str:
        return self._key("data")

    def dataset(self, filename: str) -> str:
        """The prepared dataset, named by lca.ml.data.dataset_filename; its card beside it."""
        return self._key("data", filename)

    @property
    def dataset_gate(self) -> str:
        return self._key("gates", "dataset.json")

    # --- energy records ----------------------------------------------------------

    @property
    def data_preparation_energy(self) -> str:
        return self._key("energy", "data_preparation.json")

    @property
    def training_energy(self) -> str:
        return self._key("energy", "training.json")

    def compression_energy(self, variant: str) -> str:
        """Also an architecture variant's training (and the classical baseline's fit), which replaces the
        compression of the baseline."""
        return self._key("energy", f"compression_{variant}.json")

    @property
    def idle_energy(self) -> str:
        return self._key("energy", "idle.json")

    # --- models ------------------------------------------------------------------

    @property
    def models_folder(self) -> str:
        return self._key("models")

    def model(self, variant: str) -> str:
        """The model's weights (lca.ml.models.save_model)."""
        return self._key("models", f"{variant}.pt")

    def variant(self, variant: str) -> str:
        """What the model is and what making it cost (lca.records.Variant)."""
        return self._key("models", f"{variant}.json")

    # --- runtimes ----------------------------------------------------------------

    def runtimes(self, variant: str) -> str:
        """The variant in every runtime of the study and the one it is deployed in (lca.records.RuntimeSweep)."""
        return self._key("runtimes", f"{variant}.json")

    def runtime_artefacts(self, variant: str) -> str:
        """Folder of the variant's exported graphs (ONNX files, named by lca.ml.runtimes): the benchmark reuses them."""
        return self._key("runtimes", variant)

    # --- benchmarks --------------------------------------------------------------

    def benchmark(self, variant: str) -> str:
        return self._key("benchmarks", f"{variant}.json")

    def per_item(self, variant: str) -> str:
        """The benchmark's outputs item by item, which the quality bootstrap resamples."""
        return self._key("benchmarks", f"{variant}.items.npz")

    @property
    def scored_folder(self) -> str:
        return self._key("benchmarks", "scored")

    def scored(self, variant: str) -> str:
        """The benchmark with its quality loss against the baseline."""
        return self._key("benchmarks", "scored", f"{variant}.json")

    @property
    def benchmark_table(self) -> str:
        return self._key("benchmarks", "benchmarks.csv")

    @property
    def benchmark_gate(self) -> str:
        return self._key("gates", "benchmarks.json")

    @property
    def quality_bootstrap(self) -> str:
        """The paired bootstrap of the test set; it names its draws, beside it (lca.ml.quality_bootstrap)."""
        return self._key("benchmarks", "quality_bootstrap.json")

    # --- life-cycle assessment ---------------------------------------------------

    @property
    def inventory(self) -> str:
        return self._key("lca", "inventory.json")

    @property
    def whole_machine_inventory(self) -> str:
        """The same run booked on the whole machine, for the sensitivity section (only for other allocations)."""
        return self._key("lca", "inventory_whole_machine.json")

    @property
    def lcia(self) -> str:
        return self._key("lca", "lcia.json")

    @property
    def monte_carlo(self) -> str:
        return self._key("lca", "monte_carlo.json")

    @property
    def monte_carlo_draws(self) -> str:
        return self._key("lca", "monte_carlo.npz")

    @property
    def sensitivity(self) -> str:
        return self._key("lca", "sensitivity.json")

    @property
    def export(self) -> str:
        """The foreground and its background as a bw2io Excel file (importable in Activity Browser)."""
        return self._key("lca", "inventory.xlsx")

    @property
    def comparison(self) -> str:
        return self._key("lca", "comparison.csv")

    @property
    def rebound(self) -> str:
        """The rebound scenario beside the main result (lca.assessment.rebound), written with the comparison."""
        return self._key("lca", "rebound.json")


def written_by(run: RunLayout, variant: str, dataset: str) -> dict[str, tuple[str, ...]]:
    """The keys each task of a study's DAG writes, by task id (``variant``: any compressed variant).

    What the README's pipeline diagram shows beside the DAG's own tasks and dependencies
    (scripts/readme_diagram.py); a task missing here fails that script.
    """
    return {
        "settings": (run.study_as_written, run.study, run.settings),
        "prepare_data": (run.dataset(dataset), run.data_preparation_energy),
        "check_data": (run.dataset_gate,),
        "train": (run.model("baseline"), run.variant("baseline"), run.training_energy),
        "compress": (run.model(variant), run.variant(variant), run.compression_energy(variant)),
        "fit_classical": (run.model("classical"), run.variant("classical"), run.compression_energy("classical")),
        "collect_variants": (),
        "measure_idle": (run.idle_energy,),
        "runtimes": (run.runtimes(variant), run.runtime_artefacts(variant)),
        "benchmark": (run.benchmark(variant), run.per_item(variant)),
        "score_variants": (run.scored(variant), run.quality_bootstrap),
        "check_benchmarks": (run.benchmark_table, run.benchmark_gate),
        "build_inventory": (run.inventory, run.whole_machine_inventory),
        "lcia": (run.lcia,),
        "uncertainty": (run.monte_carlo, run.monte_carlo_draws),
        "sensitivity": (run.sensitivity,),
        "export_inventory": (run.export,),
        "compare": (run.comparison, run.rebound),
        "report": (run.report,),
    }
