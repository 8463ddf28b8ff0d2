"""Real data: scikit-learn's bundled copy of the UCI handwritten digits (no download)."""

from __future__ import annotations

import pandas as pd

from lca.ml.datasets.card import Prepared

LABEL = "label"
FEATURES = [f"pixel_{i}" for i in range(64)]


def load() -> Prepared:
    from sklearn.datasets import load_digits

    digits = load_digits()
    frame = pd.DataFrame(digits.data, columns=FEATURES)
    frame[LABEL] = digits.target.astype(int)
    return Prepared(
        frame=frame,
        feature_columns=FEATURES,
        target_columns=[LABEL],
        title="UCI Optical Recognition of Handwritten Digits (test set, 1,797 8x8 images)",
        origin=(
            "Alpaydin and Kaynak, UCI Machine Learning Repository (1998), "
            "as bundled with scikit-learn (sklearn.datasets.load_digits)"
        ),
        synthetic=False,
        encoding="image",
        input_shape=[1, 8, 8],
        labels=list(range(10)),
        feature_ranges={c: (0.0, 16.0) for c in FEATURES},
        license="CC BY 4.0",
    )
