"""Write this example's data file: scikit-learn's bundled Wisconsin Diagnostic Breast Cancer data as CSV.

Real data (569 cases, 30 numeric features of cell nuclei, target 1 = malignant),
shipped inside scikit-learn, so no download. Run it to recreate ``cells.csv``:

    .venv/bin/python examples/byo/export_data.py
"""

from pathlib import Path

from sklearn.datasets import load_breast_cancer


def main() -> Path:
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    # scikit-learn codes 0 = malignant; the example's target says what it flags.
    frame["malignant"] = 1 - frame.pop("target")
    out = Path(__file__).with_name("cells.csv")
    frame.to_csv(out, index=False)
    return out


if __name__ == "__main__":
    print(main())
