"""Quality figures with the uncertainty of a finite test set, paired across variants.

Every variant is scored on the *same* held-out items, so their errors are
correlated: an item the baseline gets wrong is often one a compressed variant
gets wrong too. Drawing each variant's routed share independently (as a binomial
spread per variant would) blurs the comparison the report then makes; treating a
share of 0 observed as exactly 0 makes it certain. Here:

* each draw resamples ``n`` item indices with replacement, **the same indices for
  every variant** (paired bootstrap);
* a variant's routed share in that draw is taken from ``Beta(k + 1/2, n - k + 1/2)``,
  the Jeffreys posterior of the resample's count ``k``. The variants stay paired
  through ``k`` (same items), while the Beta draw is each variant's own: two models
  that both made no error on the test set are not thereby equally good on the items
  it lacks, and a common draw would rank them as if they were. A share of 0 or 1
  thus gets a proper interval, never a point mass: with 0 of 54 items the 97.5 %
  point is about 4.5 %, close to the rule of three's 3/54;
* the primary metric (and the loss against the baseline, paired) is recomputed
  on the first ``metric_draws`` resamples (1,000 for accuracy, vectorised; 200 for
  metrics recomputed one resample at a time, which the record states).

The routed-share draws are aligned with the Monte Carlo's iterations (draw ``i``
serves iteration ``i``): :func:`lca.assessment.interpretation.monte_carlo` reads them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lca.records import QualityBootstrap, VariantBenchmark, VariantQuality
from lca.study.metrics import quality_loss

METHOD = (
    "paired bootstrap over the held-out items (the same resampled indices for every variant in each draw), "
    "share per draw from the Jeffreys posterior Beta(k + 1/2, n - k + 1/2) of the resample's count k (paired through k)"
)
METRIC_DRAWS = 1000  # accuracy: vectorised, cheap
METRIC_DRAWS_RECOMPUTED = 200  # other metrics (PR-AUC, MAPE...) are recomputed per resample: 200 keep it to seconds
_CELLS_PER_CHUNK = 2_000_000  # resampled indices held in memory at once


def _resamples(rng: np.random.Generator, n: int, draws: int):
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    for start in range(0, draws, chunk):
        yield start, rng.integers(0, n, size=(min(chunk, draws - start), n))


def paired_bootstrap(
    benchmarks: list[VariantBenchmark],
    per_item: dict[str, dict[str, np.ndarray]],
    task,
    task_spec,
    draws: int,
    seed: int,
    metric_draws: int | None = None,
) -> tuple[QualityBootstrap, np.ndarray]:
    """The record and the routed-share draws (variants x draws), in the order of ``benchmarks``."""
    from scipy.stats import beta

    if metric_draws is None:
        vectorised = task.kind == "multiclass" and task_spec.primary == "accuracy"
        metric_draws = METRIC_DRAWS if vectorised else METRIC_DRAWS_RECOMPUTED

    names = [b.variant for b in benchmarks]
    sizes = {name: len(per_item[name]["routed"]) for name in names}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the variants were not scored on the same held-out items: item counts {sizes}")
    n = next(iter(sizes.values()))
    truth = per_item[names[0]]["y_true"]
    for name in names[1:]:
        if not np.array_equal(per_item[name]["y_true"], truth):
            raise ValueError(f"variant {name!r} was scored on other held-out items than {names[0]!r}")
    routed = np.stack([per_item[name]["routed"].astype(np.int32) for name in names])  # (variants, n)
    rng = np.random.Generator(np.random.PCG64(seed))
    counts = np.empty((len(names), draws), dtype=np.int64)
    metric_idx = []
    for start, idx in _resamples(rng, n, draws):
        counts[:, start : start + len(idx)] = routed[:, idx].sum(axis=2)
        if start < metric_draws:
            metric_idx.append(idx[: metric_draws - start])
    shares = rng.beta(counts + 0.5, n - counts + 0.5)  # one Jeffreys draw per variant and resample
    idx_m = np.concatenate(metric_idx)[:metric_draws] if metric_idx else np.empty((0, n), dtype=int)
    metric = {name: _metric_draws(task, task_spec, per_item[name], idx_m) for name in names}
    base = benchmarks[0]
    rows = []
    for i, b in enumerate(benchmarks):
        k = int(routed[i].sum())
        lo, hi = np.percentile(shares[i], [2.5, 97.5])
        m = metric[b.variant]
        loss = None
        if b.variant != base.variant and np.isfinite(m).any():
            loss = np.array([quality_loss(b.task, b.primary_metric, x, y) for x, y in zip(metric[base.variant], m)])
            loss = loss[np.isfinite(loss)]
        rows.append(
            VariantQuality(
                variant=b.variant,
                n_items=n,
                routed_items=k,
                routed_share=k / n,
                routed_p2_5=float(lo),
                routed_p97_5=float(hi),
                jeffreys_p2_5=float(beta.ppf(0.025, k + 0.5, n - k + 0.5)),
                jeffreys_p97_5=float(beta.ppf(0.975, k + 0.5, n - k + 0.5)),
                rule_of_three_upper=3.0 / n if k == 0 else (3.0 / n if k == n else None),
                primary_metric=b.primary_metric,
                primary_value=float(b.primary_value),
                primary_p2_5=_pct(m, 2.5),
                primary_p97_5=_pct(m, 97.5),
                loss_p2_5=_pct(loss, 2.5) if loss is not None else None,
                loss_p97_5=_pct(loss, 97.5) if loss is not None else None,
                p_worse_than_baseline=float((loss > 0).mean()) if loss is not None and loss.size else None,
            )
        )
    record = QualityBootstrap(
        n_items=n, draws=draws, metric_draws=len(idx_m), seed=seed, method=METHOD, variants=rows, draws_file=""
    )
    return record, shares


def _pct(x: np.ndarray | None, q: float) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else None


def _metric_draws(task, spec, items: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """The primary metric on each resample (accuracy vectorised; others recomputed, NaN where undefined)."""
    outputs, truth = items["outputs"], items["y_true"]
    if task.kind == "multiclass" and spec.primary == "accuracy":
        correct = (outputs.argmax(axis=1) == truth).astype(float)
        return correct[idx].mean(axis=1)
    out = np.full(len(idx), np.nan)
    for d, rows in enumerate(idx):
        out[d] = task.primary_score(outputs[rows], truth[rows], spec)  # NaN where undefined (no positive item)
    return out


def write_bootstrap(folder: Path, record: QualityBootstrap, names: list[str], shares: np.ndarray) -> Path:
    """``quality_bootstrap.json`` and its draws (``quality_bootstrap.npz``, float32) in ``folder``."""
    draws = folder / "quality_bootstrap.npz"
    folder.mkdir(parents=True, exist_ok=True)
    with draws.open("wb") as fh:
        np.savez_compressed(fh, variants=np.array(names), routed_share=shares.astype(np.float32))
    return record.model_copy(update={"draws_file": draws.name}).save(folder / "quality_bootstrap.json")
