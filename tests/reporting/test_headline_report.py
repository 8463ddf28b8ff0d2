"""A study assessing sixteen categories gets a readable report (issue 21).

The report charts the headline categories only (``report.headline_methods``, by default
climate change when there are more than three); the sixteen stay in results.csv, in the
contributions CSV and in one table of the other categories.
"""

from __future__ import annotations

import csv

from lca.records import ImpactScore, LciaResults, StageScore
from lca.study.impact_methods import EF_CLIMATE, EF_WATER
from lca.study.report_spec import ReportSpec
from tests.reporting.test_report import RUN_ID, SCORES
from tests.study.test_headline_methods import EF16


def _lcia() -> LciaResults:
    scores, stages = [], []
    for k, method in enumerate(EF16, start=1):
        for name, score in SCORES.items():
            value = score * k  # each category its own figures
            scores.append(ImpactScore(scenario=name, method=method, unit=f"unit{k}", score=value))
            stage = "human work" if name == "reference" else "inference"
            stages.append(StageScore(scenario=name, stage=stage, method=method, unit=f"unit{k}", score=value))
    return LciaResults(
        study="digits", run_id=RUN_ID, scores=scores, stages=stages, brightway_project="t", foreground_database="t"
    )


def _charts(folder, kind: str) -> list[str]:
    return sorted(p.name for p in folder.glob(f"{kind}_*.png"))


def test_sixteen_categories_chart_climate_change_and_table_the_fifteen_others(write):
    folder = write(lcia=_lcia())
    assert _charts(folder, "scores") == ["scores_01.png"] and _charts(folder, "contributions") == [
        "contributions_01.png"
    ]
    html = (folder / "report.html").read_text()
    assert "Other impact categories" in html and "15 other categories" in html
    for method in EF16:
        assert method[1] in html, method  # every category is in the report, charted or tabled
    with (folder / "results.csv").open(newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 16 * len(SCORES)
    advice = html.split("5. Recommendations")[-1]
    assert "The 15 other impact categories assessed are not summarised here" in advice
    assert "Acidification" not in advice and "acidification" not in advice
    with (folder / "contributions.csv").open(newline="") as fh:
        assert {r["method"] for r in csv.DictReader(fh)} == {" | ".join(m) for m in EF16}


def test_the_studys_headline_categories_are_the_ones_charted(write, study):
    chosen = study.model_copy(update={"report": ReportSpec(headline_methods=[EF_WATER, EF_CLIMATE])})
    folder = write(lcia=_lcia(), study=chosen)
    assert _charts(folder, "scores") == ["scores_01.png", "scores_02.png"]
    html = (folder / "report.html").read_text()
    assert "14 other categories" in html
    charted = html.split("Other impact categories")[0]
    assert "Bar chart of EF v3.1 | water use" in charted and "Bar chart of EF v3.1 | climate change |" in charted
    assert "<h3>EF v3.1 | water use" in charted and "<h3>EF v3.1 | acidification" not in html


def test_up_to_three_categories_are_all_charted_with_no_other_table(write):
    folder = write()  # the fixture's lcia: one method
    assert _charts(folder, "scores") == ["scores_01.png"]
    assert "Other impact categories" not in (folder / "report.html").read_text()
