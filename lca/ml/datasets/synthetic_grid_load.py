"""SYNTHETIC hourly electricity load of distribution substations, for day-ahead forecasting.

No grid load data ships in any installed package and nothing can be downloaded
at run time, so this generator stands in for metered data. It is not fitted to
any real grid: each substation mixes a residential profile (morning and evening
peaks) and a commercial one (working-hours plateau, quiet weekends and holidays),
scaled by a base load, with heating below 15 °C, cooling above 22 °C, slow
growth and autocorrelated noise; temperature follows the seasons and the day.

One row is one forecast item: a substation's 24 hourly loads of day D (targets)
from what is known the day before (loads of D-1 and D-7, a temperature forecast
for D with its own error, calendar). Labelled SYNTHETIC in card, file name and report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lca.ml.datasets.card import Prepared

VERSION = "1"
HOURS = range(24)
TARGETS = [f"load_h{h:02d}" for h in HOURS]
LAG1 = [f"load_d1_h{h:02d}" for h in HOURS]
LAG7 = [f"load_d7_h{h:02d}" for h in HOURS]
CALENDAR = [
    "temp_fc_mean",
    "temp_fc_min",
    "temp_fc_max",
    "dow_sin",
    "dow_cos",
    "doy_sin",
    "doy_cos",
    "is_weekend",
    "is_holiday",
]
FEATURES = [*LAG1, *LAG7, *CALENDAR]
ID_COLUMNS = ["date", "substation"]
LOAD_RANGE = (0.0, 1000.0)  # MW
# Fixed-date public holidays (day of year, non-leap): 1 Jan, 1 May, 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec.
HOLIDAYS = {1, 121, 195, 227, 305, 315, 359}
START = np.datetime64("2021-01-01")


def _ranges() -> dict[str, tuple[float, float]]:
    ranges = {c: LOAD_RANGE for c in (*LAG1, *LAG7)}
    ranges.update({"temp_fc_mean": (-50.0, 60.0), "temp_fc_min": (-50.0, 60.0), "temp_fc_max": (-50.0, 60.0)})
    ranges.update({c: (-1.0, 1.0) for c in ("dow_sin", "dow_cos", "doy_sin", "doy_cos")})
    ranges.update({"is_weekend": (0.0, 1.0), "is_holiday": (0.0, 1.0)})
    return ranges


def _profiles() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h = np.arange(24)
    residential = 0.55 + 0.35 * np.exp(-((h - 8) ** 2) / 4) + 0.6 * np.exp(-((h - 19.5) ** 2) / 6)
    commercial = 0.35 + 0.75 / (1 + np.exp(-(h - 7.5) * 2)) * (1 / (1 + np.exp((h - 18.5) * 1.5)))
    quiet = 0.45 + 0.1 * np.exp(-((h - 13) ** 2) / 10)  # commercial load on weekends and holidays
    return residential, commercial, quiet


def generate(substations: int = 4, days: int = 3 * 365 + 7, seed: int = 0) -> pd.DataFrame:
    """Rows = substations x (days - 7); same seed, same table."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    doy = (day % 365) + 1
    dow = (day + 4) % 7  # 2021-01-01 was a Friday (Monday = 0)
    weekend = dow >= 5
    holiday = np.isin(doy, list(HOLIDAYS))
    # Temperature, shared by the substations of one area: seasons, day-night swing, weather anomalies.
    anomaly = np.zeros(days)
    for d in range(1, days):
        anomaly[d] = 0.8 * anomaly[d - 1] + rng.normal(0.0, 2.2)
    seasonal = 11.5 + 9.0 * np.sin(2 * np.pi * (doy - 110) / 365)
    temp = (seasonal + anomaly)[:, None] + 4.5 * np.sin(2 * np.pi * (np.arange(24) - 9) / 24)[None, :]
    temp = temp + rng.normal(0.0, 0.8, temp.shape)
    residential, commercial, quiet = _profiles()
    rows = []
    for s in range(substations):
        base = rng.uniform(8.0, 40.0)
        share = rng.uniform(0.3, 0.8)
        off = weekend | holiday
        business = np.where(off[:, None], quiet[None, :], commercial[None, :])
        home = residential[None, :] * np.where(off, 1.08, 1.0)[:, None]
        shape = share * home + (1 - share) * business
        weather = 1 + 0.028 * np.maximum(15.0 - temp, 0) + 0.022 * np.maximum(temp - 22.0, 0)
        growth = 1 + 0.015 * day / 365
        noise = np.zeros((days, 24))
        eps = rng.normal(0.0, 0.018, days * 24)
        flat = noise.reshape(-1)
        for i in range(1, len(flat)):
            flat[i] = 0.85 * flat[i - 1] + eps[i]
        load = np.clip(base * shape * weather * growth[:, None] * (1 + flat.reshape(days, 24)), 0.0, 999.0)
        forecast_error = rng.normal(0.0, 1.2, days)  # a day-ahead temperature forecast is not the truth
        for d in range(7, days):
            fc = temp[d] + forecast_error[d]
            rows.append(
                [
                    str(START + d),
                    f"S{s + 1}",
                    *load[d - 1],
                    *load[d - 7],
                    fc.mean(),
                    fc.min(),
                    fc.max(),
                    np.sin(2 * np.pi * dow[d] / 7),
                    np.cos(2 * np.pi * dow[d] / 7),
                    np.sin(2 * np.pi * doy[d] / 365),
                    np.cos(2 * np.pi * doy[d] / 365),
                    int(weekend[d]),
                    int(holiday[d]),
                    *load[d],
                ]
            )
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *FEATURES, *TARGETS])
    frame[[*LAG1, *LAG7, *TARGETS, "temp_fc_mean", "temp_fc_min", "temp_fc_max"]] = frame[
        [*LAG1, *LAG7, *TARGETS, "temp_fc_mean", "temp_fc_min", "temp_fc_max"]
    ].round(3)
    return frame.sort_values(["date", "substation"], kind="stable").reset_index(drop=True)


def load(rows: int | None, seed: int) -> Prepared:
    substations = 4
    days = max((rows or 4 * 3 * 365) // substations, 30) + 7
    frame = generate(substations, days, seed)
    return Prepared.generated(
        __name__,
        VERSION,
        seed,
        frame=frame,
        feature_columns=FEATURES,
        target_columns=TARGETS,
        id_columns=ID_COLUMNS,
        title=(
            f"SYNTHETIC hourly load of {substations} distribution substations over {days - 7} days "
            "(day-ahead forecast items: 24 hourly values)"
        ),
        how=(
            "hand-chosen daily "
            "profiles, temperature response, growth and noise, not fitted to any real grid. Not metered data."
        ),
        encoding="standardize",
        input_shape=[len(FEATURES)],
        feature_ranges=_ranges(),
        target_range=LOAD_RANGE,
        target_unit="MW",
    )
