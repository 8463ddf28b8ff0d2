"""Data stages: the dataset prepared (a measured stage of its own) and its quality gate."""

from __future__ import annotations

from lca.orchestration import reassess
from lca.orchestration.run import Run, stage


@stage
def prepare_data(run: Run) -> str:
    """Store the dataset (``dataset_SYNTHETIC.csv`` when generated) and its card next to it."""
    if run.source is not None:
        return reassess.dataset(run)

    from lca.ml import data
    from lca.ml.datasets.card import card_key
    from lca.ml.energy import track_energy

    spec = run.study.dataset
    name = data.dataset_filename(spec)
    out = run.local(run.layout.dataset(name))
    # Measured like every other stage, so data preparation is an inventory stage of its own.
    with track_energy("data_preparation", run.study.deployment.country, **run.sampling) as measurement:
        data.prepare_dataset(spec, out, task_kind=run.study.task.kind)
    run.save(measurement.record, run.layout.data_preparation_energy)
    run.put(card_key(run.layout.dataset(name)))  # the card first: whoever sees the dataset finds its card
    return run.put(run.layout.dataset(name))


@stage
def check_data(run: Run, dataset_key: str) -> str:
    if run.source is not None:
        return run.source.dataset_gate  # passed: lca.orchestration.run_settings.check_source

    import pandas as pd

    from lca.ml.data import SPLIT, load_card
    from lca.ml.quality_gates import check_dataset

    local = run.fetch_dataset(dataset_key)
    card = load_card(local)
    result = check_dataset(
        pd.read_csv(local),
        feature_columns=card.feature_columns,
        extra_columns=[*card.id_columns, SPLIT],
        label_column=card.target_columns if len(card.target_columns) > 1 else card.target_columns[0],
        allowed_labels=card.labels,
        label_range=card.target_range,
        value_range=card.feature_ranges,
        source=dataset_key,  # the key: the same on every host
    )
    return run.save(result, run.layout.dataset_gate)
