"""Quality figures with the uncertainty of a finite test set, paired across variants.

Every variant is scored on the *same* held-out items, so their errors are
correlated: an item the baseline gets wrong is often one a compressed variant
gets wrong too. One resampling scheme serves every figure, so that what the
variants share cancels out and nothing is counted twice. In each draw:

* every held-out item gets a weight of 0 or 2 by a fair coin (the
  "double-or-nothing" bootstrap, Owen and Eckles, Ann. Appl. Stat. 6(3), 2012:
  a weight of 2 is the item taken twice), **the same weights for every variant**;
* every variant's routed share is computed on those weights, smoothed by two
  pseudo-items shared by all variants, one routed and one not, each weighted
  ``Gamma(1)`` once per draw (Laplace's prior, made random):
  ``share = (w . routed + g1) / (w . 1 + g1 + g2)``. There is no second,
  independent draw per variant: two variants with identical predictions get
  identical shares in every draw (a tie, never a coin toss), and a variant's share
  is above another's in a draw exactly when its weighted count is. A share of 0
  (or 1) observed still gets a proper interval, never a point mass: 0 of 54 items
  gives a 97.5 % point near 6 %, a little above the rule of three's 3/54;
* the primary metric (and the loss against the baseline) is recomputed on the
  first ``metric_draws`` of the same weights (1,000 for a mean over items such as
  accuracy or NDCG@k, vectorised;
  200 for metrics recomputed one draw at a time, which the record states).

Why these weights: whether one variant's share is above another's depends only
on the discordant items (routed for one, not the other). With fair 0/2 weights,
P(variant above baseline) = P(Bin(b + c, 1/2) > c) for ``b`` items routed only
for the variant and ``c`` only for the baseline, which is one minus the exact
one-sided McNemar p-value. "Clearly" (95 % of the draws) therefore separates a
quality difference exactly when an exact McNemar test at 5 % does. The weights
have the variance of the ordinary bootstrap's counts (1), so the intervals are
as wide as Jeffreys', not wider. A multinomial resample separates 3 discordant
items all one way (P = 0.95), a Bayesian bootstrap (Dirichlet weights, never 0)
even 1 (P = 1); McNemar needs 5.

The draws centre on the posterior mean ``(k + 1) / (n + 2)`` (Laplace's rule of
succession, :func:`lca.records.quality.share_estimate`), the estimator the
inventory books as the deterministic share: 0 errors in 31 items (1/33) is then
never better than 7 in 450 (8/452).

The routed-share draws are aligned with the Monte Carlo's iterations (draw ``i``
serves iteration ``i``): :func:`lca.assessment.interpretation.monte_carlo.monte_carlo` reads them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lca.records import QualityBootstrap, VariantBenchmark, VariantQuality
from lca.records.quality import share_estimate
from lca.study.metrics import quality_loss

METHOD = (
    "paired bootstrap over the held-out items, double-or-nothing (each item weighted 0 or 2 by a fair coin, "
    "the same weights for every variant), share per draw (w.routed + g1) / (w.1 + g1 + g2) with two pseudo-items "
    "shared by all variants, g1, g2 ~ Gamma(1) (Laplace's prior); centred on (k + 1) / (n + 2)"
)
METRIC_DRAWS = 1000  # accuracy: vectorised, cheap
METRIC_DRAWS_RECOMPUTED = 200  # other metrics (PR-AUC, MAPE...) are recomputed per resample: 200 keep it to seconds
_CELLS_PER_CHUNK = 2_000_000  # resampled indices held in memory at once


def _weights(rng: np.random.Generator, n: int, draws: int):
    """Each draw's item weights, 0 or 2 by a fair coin (double-or-nothing), in chunks that fit in memory."""
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    for start in range(0, draws, chunk):
        yield start, 2 * rng.integers(0, 2, size=(min(chunk, draws - start), n), dtype=np.int8)


def smoothed_shares(rng: np.random.Generator, routed_weight: np.ndarray, total_weight: np.ndarray) -> np.ndarray:
    """Routed shares (variants x draws) from each draw's weighted routed items, with the shared pseudo-items.

    One pair of pseudo-item weights per draw, the same for every variant: equal
    weighted counts give equal shares, and the shares are ordered as the counts are.
    """
    routed_pseudo, kept_pseudo = rng.gamma(1.0, size=(2, len(total_weight)))
    return (routed_weight + routed_pseudo) / (total_weight + routed_pseudo + kept_pseudo)


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
    from scipy.stats import beta, binomtest

    names = [b.variant for b in benchmarks]
    sizes = {name: len(per_item[name]["routed"]) for name in names}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the variants were not scored on the same held-out items: item counts {sizes}")
    n = next(iter(sizes.values()))
    truth = per_item[names[0]]["y_true"]
    for name in names[1:]:
        if not np.array_equal(per_item[name]["y_true"], truth):
            raise ValueError(f"variant {name!r} was scored on other held-out items than {names[0]!r}")
    if metric_draws is None:  # a mean over items (accuracy, recall@k, NDCG@k) is vectorised
        vectorised = task.item_values(per_item[names[0]]["outputs"], truth, task_spec) is not None
        metric_draws = METRIC_DRAWS if vectorised else METRIC_DRAWS_RECOMPUTED
    routed = np.stack([per_item[name]["routed"] for name in names]).astype(np.float64)  # (variants, n)
    rng = np.random.Generator(np.random.PCG64(seed))
    counts = np.empty((len(names), draws))
    totals = np.empty(draws)
    metric_w = []
    for start, w in _weights(rng, n, draws):
        counts[:, start : start + len(w)] = routed @ w.T
        totals[start : start + len(w)] = w.sum(axis=1)
        if start < metric_draws:
            metric_w.append(w[: metric_draws - start])
    shares = smoothed_shares(rng, counts, totals)
    w_m = np.concatenate(metric_w)[:metric_draws] if metric_w else np.empty((0, n), dtype=np.int8)
    metric = {name: _metric_draws(task, task_spec, per_item[name], w_m) for name in names}
    base = benchmarks[0]
    rows = []
    for i, b in enumerate(benchmarks):
        k = int(routed[i].sum())
        lo, hi = np.percentile(shares[i], [2.5, 97.5])
        m = metric[b.variant]
        loss = None
        worse = int((routed[i] > routed[0]).sum())  # routed here, not by the baseline: the discordant items
        better = int((routed[i] < routed[0]).sum())
        if b.variant != base.variant and np.isfinite(m).any():
            loss = np.array([quality_loss(b.task, b.primary_metric, x, y) for x, y in zip(metric[base.variant], m)])
            loss = loss[np.isfinite(loss)]
        rows.append(
            VariantQuality(
                variant=b.variant,
                n_items=n,
                routed_items=k,
                routed_share=k / n,
                share_estimate=share_estimate(k, n),
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
                routed_only_here=worse if i else None,
                routed_only_by_baseline=better if i else None,
                mcnemar_p=float(binomtest(worse, worse + better).pvalue) if i and worse + better else None,
            )
        )
    record = QualityBootstrap(
        n_items=n, draws=draws, metric_draws=len(w_m), seed=seed, method=METHOD, variants=rows, draws_file=""
    )
    return record, shares


def _pct(x: np.ndarray | None, q: float) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else None


def _metric_draws(task, spec, items: dict[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The primary metric on each draw's weighted items: a mean over items vectorised, others recomputed (NaN: none).

    A weight of 2 is the item taken twice, so a metric with no weights of its own
    is recomputed on the items repeated by their weight.
    """
    outputs, truth = items["outputs"], items["y_true"]
    per_item = task.item_values(outputs, truth, spec)  # accuracy, recall@k, NDCG@k: a mean over items
    if per_item is not None:
        total = weights.sum(axis=1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (weights @ per_item) / np.where(total > 0, total, 1.0), np.nan)
    out = np.full(len(weights), np.nan)
    for d, w in enumerate(weights):
        rows = np.repeat(np.arange(len(w)), w)
        if rows.size:
            out[d] = task.primary_score(outputs[rows], truth[rows], spec)  # NaN where undefined (no positive item)
    return out


def write_bootstrap(folder: Path, record: QualityBootstrap, names: list[str], shares: np.ndarray) -> Path:
    """``quality_bootstrap.json`` and its draws (``quality_bootstrap.npz``, float32) in ``folder``."""
    draws = folder / "quality_bootstrap.npz"
    folder.mkdir(parents=True, exist_ok=True)
    with draws.open("wb") as fh:
        np.savez_compressed(fh, variants=np.array(names), routed_share=shares.astype(np.float32))
    return record.model_copy(update={"draws_file": draws.name}).save(folder / "quality_bootstrap.json")
