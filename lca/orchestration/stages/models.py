"""Model stages: the baseline trained, each variant compressed (or, for an architecture, trained), the classical
baseline fitted, all measured."""

from __future__ import annotations

from lca.orchestration.run import Run, stage
from lca.records import Variant
from lca.study.baselines import CLASSICAL
from lca.study.schema import Study


def _n_outputs(study: Study, card) -> int:
    from lca.ml.tasks import task_for

    return task_for(study.task.kind).n_outputs(card.n_classes, len(card.target_columns))


@stage
def train(run: Run, dataset_key: str) -> str:
    if run.source is not None:
        return run.source.variant("baseline")

    from lca.ml.data import load_card, load_split
    from lca.ml.device import select_device
    from lca.ml.energy import track_energy
    from lca.ml.models import build_model, count_parameters, save_model
    from lca.ml.tasks import task_for
    from lca.ml.training import fit, seed_everything

    study = run.study
    local = run.fetch_dataset(dataset_key)
    card = load_card(local)
    train_split = load_split(local, "train", card)
    task = task_for(study.task.kind)
    seed_everything(study.training.seed)
    device = select_device(study.deployment.device)
    model = build_model(study.model, card.input_shape, _n_outputs(study, card))
    with track_energy("training", study.deployment.country, device=device.type, **run.sampling) as measurement:
        fit(
            model,
            train_split.x,
            train_split.y,
            epochs=study.training.epochs,
            batch_size=study.training.batch_size,
            learning_rate=study.training.learning_rate,
            seed=study.training.seed,
            loss=task.loss,
            device=device,
        )
    # saved on the CPU: the next task may run elsewhere
    save_model(model.cpu(), run.local(run.layout.model("baseline")))
    model_key = run.put(run.layout.model("baseline"))
    energy_key = run.save(measurement.record, run.layout.training_energy)
    description = (
        f"{study.model.architecture} ({count_parameters(model)[0]:,} parameters) trained for "
        f"{study.training.epochs} epoch(s) on {len(train_split)} items of {card.banner()} "
        f"(Adam, lr {study.training.learning_rate}, seed {study.training.seed}, {study.task.kind} loss, on "
        f"{device.type})."
    )
    return run.save(
        Variant(name="baseline", model_path=model_key, description=description, energy_path=energy_key),
        run.layout.variant("baseline"),
    )


@stage
def compress(run: Run, dataset_key: str, baseline_key: str, name: str) -> str:
    if run.source is not None:
        return run.source.variant(name)

    from lca.ml.compression import compress as apply_compression
    from lca.ml.compression.context import CompressionContext
    from lca.ml.data import load_card, load_split
    from lca.ml.device import select_device
    from lca.ml.energy import track_energy
    from lca.ml.models import load_model, make_importable, save_model
    from lca.ml.tasks import task_for
    from lca.ml.training import seed_everything

    study = run.study
    spec = study.compression_spec(name)
    local = run.fetch_dataset(dataset_key)
    card = load_card(local)
    train_split = load_split(local, "train", card)
    make_importable(study.model)
    baseline = load_model(run.fetch(run.load(Variant, baseline_key).model_path))
    device = select_device(study.deployment.device)
    ctx = CompressionContext(
        train_split.x,
        train_split.y,
        study.training,
        task_for(study.task.kind),
        _n_outputs(study, card),
        device=device.type,
        model_spec=study.model,
    )
    seed_everything(study.training.seed)
    # An architecture variant is trained here from scratch: its record is a training, not a compression.
    energy_stage = f"training:{name}" if name in study.architecture_names() else f"compression:{name}"
    with track_energy(energy_stage, study.deployment.country, device=device.type, **run.sampling) as measurement:
        model, description = apply_compression(spec, baseline, ctx)
    save_model(model.cpu(), run.local(run.layout.model(name)))
    model_key = run.put(run.layout.model(name))
    energy_key = run.save(measurement.record, run.layout.compression_energy(name))
    return run.save(
        Variant(name=name, model_path=model_key, description=description, energy_path=energy_key),
        run.layout.variant(name),
    )


@stage
def fit_classical(run: Run, dataset_key: str) -> str:
    """The classical baseline (lca.study.baselines), fitted on the training split; its fit is its measured training."""
    if run.source is not None:
        return run.source.variant(CLASSICAL)

    from lca.ml.classical import ClassicalData
    from lca.ml.classical import fit_classical as fit
    from lca.ml.data import feature_stats, load_card, load_split
    from lca.ml.energy import track_energy
    from lca.ml.models import save_model
    from lca.ml.training import seed_everything
    from lca.study.baselines import method_for

    study = run.study
    local = run.fetch_dataset(dataset_key)
    card = load_card(local)
    train_split = load_split(local, "train", card)
    method = method_for(study.baselines, study.task.kind)
    seasonal = study.baselines.seasonal_features
    if method == "seasonal_naive" and seasonal is None and study.dataset.builtin == "synthetic_grid_load":
        from lca.ml.datasets.synthetic_grid_load import LAG7

        seasonal = list(LAG7)  # the same hours a week earlier: load has a weekly season
    rfm = study.baselines.rfm_features
    if method == "rfm_rules" and rfm is None and study.dataset.builtin == "synthetic_customers":
        from lca.ml.datasets.synthetic_customers import RFM

        rfm = list(RFM)
    means = feature_stats(local, card) if method == "seasonal_naive" else (None, None)
    data = ClassicalData(
        x=train_split.x,
        y=train_split.y,
        n_outputs=_n_outputs(study, card),
        feature_columns=list(card.feature_columns),
        target_columns=list(card.target_columns),
        feature_mean=means[0],
        feature_std=means[1],
        target_mean=train_split.target_mean,
        target_std=train_split.target_std,
        seasonal_features=seasonal,
        rfm_features=rfm,
        seed=study.training.seed,
    )
    seed_everything(study.training.seed)
    # Fitted on the CPU, as an analyst would: scikit-learn has no other device.
    with track_energy(f"training:{CLASSICAL}", study.deployment.country, device="cpu", **run.sampling) as measurement:
        model, description = fit(method, data)
    save_model(model, run.local(run.layout.model(CLASSICAL)))
    model_key = run.put(run.layout.model(CLASSICAL))
    energy_key = run.save(measurement.record, run.layout.compression_energy(CLASSICAL))
    return run.save(
        Variant(name=CLASSICAL, model_path=model_key, description=description, energy_path=energy_key),
        run.layout.variant(CLASSICAL),
    )
