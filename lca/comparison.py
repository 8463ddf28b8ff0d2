"""Each scenario against the non-ML reference, per impact category."""

from __future__ import annotations

import pandas as pd

from lca.records import LciaResults, StudyInventory


def comparison_table(lcia: LciaResults, inventory: StudyInventory) -> pd.DataFrame:
    """One row per scenario and method: score, ratio to the reference, and per-item score.

    A ratio below 1 means the scenario has less impact than doing the work by hand.
    """
    reference = next(s.name for s in inventory.scenarios if s.is_reference)
    labels = {s.name: s.label for s in inventory.scenarios}
    rows = [
        {
            "scenario": score.scenario,
            "label": labels[score.scenario],
            "is_reference": score.scenario == reference,
            "method": " | ".join(score.method),
            "unit": score.unit,
            "score": score.score,
            "score_per_item": score.score / inventory.items,
        }
        for score in lcia.scores
    ]
    table = pd.DataFrame(rows)
    ref_scores = table[table["is_reference"]].set_index("method")["score"]
    table["ratio_to_reference"] = table["score"] / table["method"].map(ref_scores)
    return table
