"""SYNTHETIC e-commerce card transactions with rare fraud, generated reproducibly from a seed.

No real transaction data can be had offline (public fraud sets are downloads,
and real ones are confidential), so this generator stands in for them. It is
not calibrated to any real portfolio: amounts, habits and fraud patterns are
plausible shapes chosen by hand (fraud more likely at night, abroad, card not
present, on a new device, far above the customer's usual amount, on young
accounts and risky merchants), with enough noise that the classes overlap.
Every table it makes is labelled SYNTHETIC in its card, its file name and the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lca.ml.datasets.card import Prepared

VERSION = "1"
LABEL = "is_fraud"
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "amount_eur": (0.0, 1e6),
    "hour": (0.0, 23.0),
    "is_weekend": (0.0, 1.0),
    "card_present": (0.0, 1.0),
    "foreign_merchant": (0.0, 1.0),
    "merchant_risk": (0.0, 1.0),
    "account_age_days": (0.0, 20000.0),
    "txn_last_24h": (0.0, 1000.0),
    "amount_to_usual_ratio": (0.0, 1e4),
    "distance_from_home_km": (0.0, 20100.0),
    "new_device": (0.0, 1.0),
    "failed_logins_24h": (0.0, 1000.0),
}


def generate(rows: int = 20_000, seed: int = 0, fraud_rate: float = 0.02) -> pd.DataFrame:
    """``rows`` transactions, about ``fraud_rate`` of them fraudulent; same seed, same table."""
    rng = np.random.default_rng(seed)
    n = rows
    usual = rng.lognormal(3.6, 0.8, n)  # the customer's usual amount, median ~37 EUR
    ratio = rng.lognormal(0.0, 0.6, n)
    hour = np.floor(np.mod(rng.normal(14.0, 4.5, n), 24)).astype(int)
    weekend = rng.random(n) < 2 / 7
    present = rng.random(n) < 0.55
    foreign = rng.random(n) < 0.06
    merchant_risk = rng.beta(2.0, 8.0, n)
    age = np.minimum(rng.gamma(2.0, 600.0, n), 19_999)
    velocity = rng.poisson(2.0, n)
    new_device = rng.random(n) < np.where(present, 0.01, 0.08)
    failed = rng.poisson(0.1, n)
    distance = np.minimum(rng.lognormal(2.0, 1.2, n) + foreign * rng.lognormal(6.5, 0.7, n), 20_000)

    night = (hour <= 5) | (hour >= 23)
    score = (
        1.2 * night
        + 1.4 * foreign
        + 0.9 * ~present
        + 1.8 * new_device
        + 1.0 * (new_device & ~present)
        + 2.5 * merchant_risk
        + 0.5 * np.log1p(velocity)
        - 0.5 * np.log10(age + 1)
        + 0.7 * failed
        + rng.normal(0.0, 1.2, n)  # what no feature explains: the classes overlap
    )
    intercept = _intercept_for_rate(score, fraud_rate)
    fraud = rng.random(n) < 1 / (1 + np.exp(-(score + intercept)))
    # Fraudsters spend more than the cardholder usually does, and at more of a stretch.
    ratio = ratio * np.where(fraud, rng.lognormal(0.9, 0.6, n), 1.0)
    velocity = velocity + fraud * rng.poisson(2.0, n)
    frame = pd.DataFrame(
        {
            "amount_eur": np.round(np.minimum(usual * ratio, 999_999.0), 2),
            "hour": hour,
            "is_weekend": weekend.astype(int),
            "card_present": present.astype(int),
            "foreign_merchant": foreign.astype(int),
            "merchant_risk": np.round(merchant_risk, 4),
            "account_age_days": np.round(age),
            "txn_last_24h": velocity,
            "amount_to_usual_ratio": np.round(np.minimum(ratio, 9_999.0), 4),
            "distance_from_home_km": np.round(distance, 1),
            "new_device": new_device.astype(int),
            "failed_logins_24h": failed,
        }
    )
    frame[LABEL] = fraud.astype(int)
    return frame


def _intercept_for_rate(score: np.ndarray, rate: float) -> float:
    """Bisection: the intercept whose mean fraud probability is ``rate``."""
    lo, hi = -30.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(score + mid)))) > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def load(rows: int | None, seed: int) -> Prepared:
    rows = rows or 20_000
    return Prepared.generated(
        __name__,
        VERSION,
        seed,
        frame=generate(rows, seed),
        feature_columns=list(FEATURE_RANGES),
        target_columns=[LABEL],
        title=f"SYNTHETIC e-commerce card transactions ({rows:,} rows, ~2 % fraud)",
        how=("hand-chosen, plausible distributions, not calibrated to any real portfolio. Not real transactions."),
        encoding="standardize",
        input_shape=[len(FEATURE_RANGES)],
        labels=[0, 1],
        feature_ranges=FEATURE_RANGES,
    )
