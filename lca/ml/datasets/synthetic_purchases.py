"""SYNTHETIC implicit feedback of an online shop: who bought which product, generated from a seed.

No real purchase logs can be had offline (public ones are downloads, shop data are
private), so this generator stands in for them. One row is one customer: the ids of
the 3 to :data:`MAX_HISTORY` products they bought, in the order bought (implicit
feedback: purchases, no ratings; :data:`NO_PRODUCT` fills the unused slots) and, as
the target, the next product they bought, which is never one they already had.

The catalogue is a shop's, not a toy's: :data:`N_PRODUCTS` products whose popularity
has a long tail (Zipf-like, weight of the product of popularity rank r proportional to
r ** -:data:`ZIPF_EXPONENT`), so a top-10 list from a short catalogue cannot look good
by chance. With the defaults the top 1 % of products draw about a third of all
purchases and the less popular half under a tenth (``tests/ml/test_ecommerce_tasks.py``
holds the generator to that). Taste is a Dirichlet mix over :data:`N_CATEGORIES`
categories, so both a popularity rule and a personal model have something to find.
Every parameter here is chosen by hand, not calibrated to any real shop: SYNTHETIC,
and labelled so in its card, file name and the report.

Stored as product ids (ten columns, not thousands of 0/1 columns: the table and its
data gate stay small); :func:`lca.ml.data.load_split` hands the model the 0/1 history
per product (encoding ``item_ids``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lca.ml.datasets.card import Prepared

VERSION = "2"
LABEL = "next_product"
# SYNTHETIC, chosen by hand (see the module docstring): a mid-sized shop's catalogue with a long tail.
N_PRODUCTS = 3_000
N_CATEGORIES = 10
ZIPF_EXPONENT = 1.0  # popularity of the product of rank r ~ r ** -ZIPF_EXPONENT
MIN_HISTORY, MAX_HISTORY = 3, 10  # products bought before the next one
TASTE_CONCENTRATION = 0.3  # Dirichlet parameter: most customers lean to one or two categories
NO_PRODUCT = -1  # an unused slot of a short history


def columns() -> list[str]:
    return [f"bought_{i}" for i in range(1, MAX_HISTORY + 1)]


def popularity(n_products: int = N_PRODUCTS, exponent: float = ZIPF_EXPONENT) -> np.ndarray:
    """The Zipf-like weights by popularity rank (rank 1 first), summing to one."""
    weights = 1.0 / np.arange(1, n_products + 1) ** exponent
    return weights / weights.sum()


def generate(rows: int = 20_000, seed: int = 0, n_products: int = N_PRODUCTS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    category = rng.integers(0, N_CATEGORIES, n_products)
    base = popularity(n_products)[rng.permutation(n_products)]  # product ids carry no rank
    taste = rng.dirichlet(np.full(N_CATEGORIES, TASTE_CONCENTRATION), rows)
    history = np.full((rows, MAX_HISTORY), NO_PRODUCT, dtype=np.int64)
    target = np.zeros(rows, dtype=np.int64)
    n_bought = rng.integers(MIN_HISTORY, MAX_HISTORY + 1, rows)
    for u in range(rows):
        weights = base * (0.05 + taste[u, category]) ** 2
        # Without replacement, in order: the first n_bought are the history, the last the next purchase.
        chosen = rng.choice(n_products, size=n_bought[u] + 1, replace=False, p=weights / weights.sum())
        history[u, : n_bought[u]] = chosen[:-1]
        target[u] = chosen[-1]
    frame = pd.DataFrame(history, columns=columns())
    frame[LABEL] = target
    return frame


def multi_hot(ids: np.ndarray, n_products: int) -> np.ndarray:
    """0/1 per product from rows of product ids (``NO_PRODUCT`` ignored): what the model reads."""
    ids = np.asarray(ids).astype(np.int64).reshape(len(ids), -1)
    hot = np.zeros((len(ids), n_products), dtype=np.float32)
    rows, slots = np.nonzero(ids != NO_PRODUCT)
    hot[rows, ids[rows, slots]] = 1.0
    return hot


def load(rows: int | None, seed: int) -> Prepared:
    rows = rows or 20_000
    names = columns()
    return Prepared.generated(
        __name__,
        VERSION,
        seed,
        frame=generate(rows, seed),
        feature_columns=names,
        target_columns=[LABEL],
        title=(
            f"SYNTHETIC online-shop purchases ({rows:,} customers, {N_PRODUCTS:,} products with a long tail, "
            "implicit feedback)"
        ),
        how=(
            f"{N_PRODUCTS:,} products "
            f"in {N_CATEGORIES} categories, Zipf-like popularity (exponent {ZIPF_EXPONENT}) and Dirichlet category "
            "tastes, all chosen by hand, not calibrated to any real shop. Not real purchases."
        ),
        encoding="item_ids",
        input_shape=[N_PRODUCTS],
        labels=list(range(N_PRODUCTS)),
        feature_ranges={name: (float(NO_PRODUCT), float(N_PRODUCTS - 1)) for name in names},
    )
