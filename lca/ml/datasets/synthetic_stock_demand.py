"""SYNTHETIC weekly unit sales of a retailer's SKUs, for one-week-ahead demand (stock) forecasting.

No retail sales data ships in any installed package and nothing can be downloaded at
run time, so this generator stands in for a shop's sales history. It is not fitted to
any real retailer; it reproduces what makes store demand hard to forecast:

- a long tail: SKU base rates are lognormal, so a few fast movers sell tens a week while
  many SKUs sell a unit or less, with many weeks of zero sales (intermittent demand);
- yearly seasonality with a SKU-specific amplitude and peak week (many peak before Christmas);
- promotions: planned weeks with a price cut and a display uplift;
- price: a regular price per SKU with a small yearly change, and a price elasticity;
- overdispersed noise (a gamma-Poisson, i.e. negative-binomial, draw of whole units).

One row is one forecast item: a SKU's units sold in week t (the target) from what the
planner knows at the end of week t-1: past sales (lags 1, 2 and 4, the 13-week mean,
same week last year), the calendar, and the planned promotion and price of week t.
``seasonal_naive`` is the classical floor (same week last year, or last week where there
is no year of history); it is also a feature, so the model may learn to improve on it.
Labelled SYNTHETIC in card, file name and report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lca.ml.datasets.card import Prepared

VERSION = "1"
BURN_IN = 13  # weeks generated before the first row, so every lag and the 13-week mean exist
YEAR = 52
UNITS_RANGE = (0.0, 100_000.0)  # units per SKU and week
LAGS = ["units_lag1", "units_lag2", "units_lag4", "units_mean13", "units_lag52", "seasonal_naive"]
CALENDAR = ["week_sin", "week_cos", "has_last_year"]
COMMERCIAL = ["promo", "price", "price_ratio"]
FEATURES = [*LAGS, *CALENDAR, *COMMERCIAL]
TARGET = "units"
ID_COLUMNS = ["week", "sku"]
START = np.datetime64("2022-01-03")  # a Monday, week 0 of the generated history: weeks are named by their first day
MAX_SKUS = 2000
PROMO_SHARE = 0.08  # share of weeks a SKU is on promotion


def _ranges() -> dict[str, tuple[float, float]]:
    ranges = {c: UNITS_RANGE for c in LAGS}
    ranges.update({"week_sin": (-1.0, 1.0), "week_cos": (-1.0, 1.0), "has_last_year": (0.0, 1.0)})
    ranges.update({"promo": (0.0, 1.0), "price": (0.01, 10_000.0), "price_ratio": (0.1, 2.0)})
    return ranges


def seasonal_naive(units: np.ndarray, t: int) -> np.ndarray:
    """The floor forecast of week ``t`` for every SKU (rows of ``units``): week t-52, else week t-1."""
    return units[:, t - YEAR] if t >= YEAR else units[:, t - 1]


def _demand(skus: int, total: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Units sold, promotion flags, prices and regular prices, each SKUs x weeks."""
    week = np.arange(total)
    base = np.exp(rng.normal(0.3, 1.4, skus))  # long tail: median 1.35 units a week, a few fast movers in the tens
    amplitude = rng.uniform(0.1, 0.7, skus)
    peak = np.where(rng.random(skus) < 0.5, rng.normal(50.0, 1.5, skus), rng.uniform(0.0, YEAR, skus))
    season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (week[None, :] - peak[:, None]) / YEAR)
    trend = 1 + rng.normal(0.0, 0.05, skus)[:, None] * week[None, :] / YEAR
    regular = np.round(np.exp(rng.normal(2.0, 0.8, skus)), 2)
    yearly_change = 1 + rng.normal(0.02, 0.03, (skus, total // YEAR + 1))
    regular_price = np.round(regular[:, None] * np.cumprod(yearly_change, axis=1)[:, week // YEAR], 2)
    promo = rng.random((skus, total)) < PROMO_SHARE
    cut = rng.uniform(0.1, 0.35, (skus, total))
    price = np.round(np.where(promo, regular_price * (1 - cut), regular_price), 2)
    elasticity = rng.uniform(1.0, 2.5, skus)
    display = np.where(promo, rng.uniform(1.2, 1.6, (skus, total)), 1.0)  # in-store display and leaflet
    rate = base[:, None] * season * np.maximum(trend, 0.2) * (price / regular_price) ** -elasticity[:, None] * display
    shape = 4.0  # gamma-Poisson: variance = rate + rate^2 / 4
    units = rng.poisson(rate * rng.gamma(shape, 1 / shape, rate.shape)).astype(float)
    return units, promo, price, regular_price


def generate(skus: int = 40, weeks: int = 104, seed: int = 0) -> pd.DataFrame:
    """Rows = skus x weeks, sorted by week then SKU; same seed, same table."""
    if not 1 <= skus <= MAX_SKUS or weeks < 1:
        raise ValueError(f"synthetic_stock_demand needs 1..{MAX_SKUS} SKUs and at least one week, not {skus}, {weeks}")
    rng = np.random.default_rng(seed)
    total = weeks + BURN_IN
    units, promo, price, regular_price = _demand(skus, total, rng)
    sku = np.array([f"SKU{s + 1:04d}" for s in range(skus)])
    parts = []
    for t in range(BURN_IN, total):
        week_of_year = t % YEAR
        last_year = t >= YEAR
        parts.append(
            pd.DataFrame(
                {
                    "week": str(START + 7 * t),
                    "sku": sku,
                    "units_lag1": units[:, t - 1],
                    "units_lag2": units[:, t - 2],
                    "units_lag4": units[:, t - 4],
                    "units_mean13": units[:, t - 13 : t].mean(axis=1).round(3),
                    "units_lag52": units[:, t - YEAR] if last_year else units[:, t - 1],
                    "seasonal_naive": seasonal_naive(units, t),
                    "week_sin": np.sin(2 * np.pi * week_of_year / YEAR),
                    "week_cos": np.cos(2 * np.pi * week_of_year / YEAR),
                    "has_last_year": float(last_year),
                    "promo": promo[:, t].astype(float),
                    "price": price[:, t],
                    "price_ratio": (price[:, t] / regular_price[:, t]).round(4),
                    TARGET: units[:, t],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame[["week_sin", "week_cos"]] = frame[["week_sin", "week_cos"]].round(6)
    return frame


def size(rows: int | None) -> tuple[int, int]:
    """SKUs and weeks for a requested row count: two years of history once there are rows for it."""
    rows = rows or 40 * 104
    skus = min(max(rows // (2 * YEAR), 6), MAX_SKUS)
    return skus, max(rows // skus, 10)


def load(rows: int | None, seed: int) -> Prepared:
    skus, weeks = size(rows)
    return Prepared.generated(
        __name__,
        VERSION,
        seed,
        frame=generate(skus, weeks, seed),
        feature_columns=FEATURES,
        target_columns=[TARGET],
        id_columns=ID_COLUMNS,
        title=(
            f"SYNTHETIC weekly unit sales of {skus} retail SKUs over {weeks} weeks "
            "(one-week-ahead demand forecast items: units of one SKU in one week)"
        ),
        how=(
            "lognormal SKU "
            "rates (a long tail of intermittent slow movers), yearly seasonality, promotions with price cuts "
            "and display uplift, price elasticity and negative-binomial noise, hand-chosen and not fitted to "
            "any real retailer. Not real sales data."
        ),
        encoding="standardize",
        input_shape=[len(FEATURES)],
        feature_ranges=_ranges(),
        target_range=UNITS_RANGE,
        target_unit="units",
    )
