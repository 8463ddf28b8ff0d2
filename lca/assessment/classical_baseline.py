"""What the report says about the floors: whether the ML model beats the classical method an analyst would use.

A model that is better than a trivial rule can still be no better than logistic
regression or k-means, which need a fraction of its energy and none of its
engineering. So when no ML option is significantly better than the classical
baseline on the primary metric (the paired test of :mod:`lca.ml.classical_comparison`),
the report says that the classical method is the option to consider; its
impacts are those of the scenario ``classical``. For a ranking, recall@k and
NDCG@k of both floors are given beside the model's, since a short catalogue
makes any top-k look good.
"""

from __future__ import annotations

from lca.records import VariantBenchmark
from lca.study.baselines import CLASSICAL


def _quoted(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def classical_sentence(benchmarks: list[VariantBenchmark]) -> str | None:
    """The verdict of the ML options against the classical baseline; None without a classical scenario or test."""
    tested = [b for b in benchmarks if b.variant != CLASSICAL and b.versus_classical is not None]
    if not tested or not any(b.variant == CLASSICAL for b in benchmarks):
        return None
    test = tested[0].versus_classical
    metric = tested[0].primary_metric
    beating = [b.variant for b in tested if b.versus_classical.significantly_better]
    how = f"on {metric} ({test.test})"
    if not beating:
        return (
            f"Classical baseline: no ML option is significantly better than {test.name} {how}, so the classical "
            f"method is the option to consider; its impacts are those of the scenario '{CLASSICAL}'."
        )
    rest = [b.variant for b in tested if b.variant not in beating]
    tail = f"; {_quoted(rest)} {'is' if len(rest) == 1 else 'are'} not" if rest else ""
    return (
        f"Classical baseline: {_quoted(beating)} {'is' if len(beating) == 1 else 'are'} significantly better than "
        f"{test.name} {how}{tail}. Weigh that gain against the impacts of the scenario '{CLASSICAL}'."
    )


def ranking_floors_sentence(benchmarks: list[VariantBenchmark], k: int) -> str | None:
    """Recall@k and NDCG@k of the trivial floor, the classical baseline and the model, on the same customers."""
    by_name = {b.variant: b for b in benchmarks}
    model = by_name.get("baseline")
    if model is None or model.task != "ranking":
        return None

    def figures(quality: dict[str, float]) -> str:
        recall, ndcg = quality.get("recall_at_k", float("nan")), quality.get("ndcg_at_k", float("nan"))
        return f"recall@{k} {recall:.3g}, NDCG@{k} {ndcg:.3g}"

    parts = []
    if model.trivial is not None and model.trivial.quality:
        parts.append(f"{model.trivial.name}: {figures(model.trivial.quality)}")
    if CLASSICAL in by_name:
        parts.append(f"classical baseline: {figures(by_name[CLASSICAL].quality)}")
    if not parts:
        return None
    return (
        f"Floors on the same {model.n_test_items} held-out customers: "
        + "; ".join(parts)
        + f"; the model ('baseline'): {figures(model.quality)}."
    )


def floor_sentences(benchmarks: list[VariantBenchmark], k: int = 10) -> list[str]:
    """The report's sentences about the floors, in order (none when there is nothing to say)."""
    return [s for s in (classical_sentence(benchmarks), ranking_floors_sentence(benchmarks, k)) if s]
