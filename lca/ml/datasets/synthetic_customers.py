"""SYNTHETIC customers of an online shop with a known segment each, generated from a seed.

No real customer base can be had offline, so this generator stands in for one. Four
segments (loyal high spenders, occasional buyers, bargain hunters, lapsed customers)
each draw their recency, frequency, basket value and behaviour from their own
distributions, which overlap, so no rule and no model recovers them exactly. The
segment is kept as the held-out segmentation the clusters are judged against; it is
never a feature. Not calibrated to any real shop; labelled SYNTHETIC everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lca.ml.datasets.card import Prepared

VERSION = "1"
LABEL = "segment"
SEGMENTS = ["loyal high spenders", "occasional buyers", "bargain hunters", "lapsed customers"]
SHARES = [0.2, 0.35, 0.25, 0.2]
# The columns RFM rules read (lca.ml.rfm_rules): recency, frequency, monetary value, in that order.
RFM = ("recency_days", "orders_per_year", "mean_basket_eur")
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "recency_days": (0.0, 3650.0),
    "orders_per_year": (0.0, 365.0),
    "mean_basket_eur": (0.0, 1e5),
    "tenure_days": (0.0, 7300.0),
    "categories_bought": (1.0, 50.0),
    "discount_share": (0.0, 1.0),
    "return_share": (0.0, 1.0),
    "mobile_share": (0.0, 1.0),
}
# Per segment: recency median (days), orders/year mean, basket median (EUR), tenure median (days),
# categories mean, discount Beta(a, b), return Beta(a, b), mobile Beta(a, b).
_PROFILES = [
    (12, 18.0, 95.0, 1400, 6.0, (2, 12), (2, 20), (4, 4)),
    (60, 4.0, 55.0, 700, 2.5, (2, 8), (2, 15), (5, 3)),
    (30, 8.0, 35.0, 900, 4.0, (9, 4), (3, 12), (6, 3)),
    (330, 1.2, 50.0, 1500, 2.0, (3, 7), (2, 10), (3, 5)),
]


def generate(rows: int = 4_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    segment = rng.choice(len(SEGMENTS), size=rows, p=SHARES)
    cols: dict[str, list] = {name: [] for name in FEATURE_RANGES}
    for s in segment:
        recency, orders, basket, tenure, cats, disc, ret, mob = _PROFILES[s]
        cols["recency_days"].append(min(rng.lognormal(np.log(recency), 0.6), 3650.0))
        cols["orders_per_year"].append(min(rng.gamma(3.0, orders / 3.0), 365.0))
        cols["mean_basket_eur"].append(rng.lognormal(np.log(basket), 0.45))
        cols["tenure_days"].append(min(rng.lognormal(np.log(tenure), 0.5), 7300.0))
        cols["categories_bought"].append(min(1 + rng.poisson(cats - 1), 50))
        cols["discount_share"].append(rng.beta(*disc))
        cols["return_share"].append(rng.beta(*ret))
        cols["mobile_share"].append(rng.beta(*mob))
    frame = pd.DataFrame({name: np.round(values, 4) for name, values in cols.items()})
    frame[LABEL] = segment
    return frame


def load(rows: int | None, seed: int) -> Prepared:
    rows = rows or 4_000
    return Prepared.generated(
        __name__,
        VERSION,
        seed,
        frame=generate(rows, seed),
        feature_columns=list(FEATURE_RANGES),
        target_columns=[LABEL],
        title=f"SYNTHETIC online-shop customers ({rows:,} customers, 4 hidden segments)",
        how=(
            f"four segments "
            f"({', '.join(SEGMENTS)}) with hand-chosen, overlapping distributions. The segment column is the "
            "held-out segmentation clusters are judged against, never a feature. Not real customers."
        ),
        encoding="standardize",
        input_shape=[len(FEATURE_RANGES)],
        labels=list(range(len(SEGMENTS))),
        feature_ranges=FEATURE_RANGES,
    )
