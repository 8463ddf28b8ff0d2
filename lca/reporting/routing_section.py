"""The routing rule and the quality both sides deliver (template ``lca_routing.html.j2``; issue 19, item 1).

Both systems must deliver the same function at the same quality (ISO 14044 4.2.3.7):
every report states the study's routing rule, the delivered error rate of each ML
variant with its interval (:class:`lca.records.RoutingOutcome`) and the reference's
(``reference.error_rate``). A rule that hands exactly the wrong items to a person
(``expected_errors``) is a bound no deployment reaches: its results are labelled
:data:`PERFECT_DETECTOR` wherever they appear (scenario labels, results.csv, In short).
"""

from __future__ import annotations

from typing import Any

from lca.assessment.comparison import PERFECT_DETECTOR
from lca.records import VariantBenchmark
from lca.study.reference_data import resolve
from lca.study.schema import Study

RULES = {
    "confidence": "by confidence: a threshold chosen on the validation split so that the delivered output meets the "
    "functional unit's error rate; items below it go to a person",
    "expected_errors": "expected errors: exactly the wrong items go to a person, at no detection cost. This is a "
    f"{PERFECT_DETECTOR}, not something a deployment can do",
    "low_confidence": "a declared confidence threshold; items below it go to a person (no quality target)",
    "flagged": "every item flagged positive at the operating point is reviewed by a person",
    "none": "routing does not apply to this task: outputs are not checked item by item, and the human effort kept is "
    "a fixed effort (reference side and fallback)",
}


def perfect_detector_caveat(study: Study, scenarios: list[str]) -> str | None:
    """The sentence the 'In short' box carries when the results rest on a perfect detector."""
    if not study.routing.perfect_detector:
        return None
    names = ", ".join(f"'{n}'" for n in scenarios)
    return (
        f"Every ML result here ({names}) assumes a {PERFECT_DETECTOR}: routing rule 'expected_errors' hands exactly "
        "the wrong items to a person at no cost, so these results are the best routing could do, not a deployment."
    )


def routing_context(study: Study, benchmarks: list[VariantBenchmark]) -> dict[str, Any]:
    reference = resolve(study.reference.error_rate) if study.reference.error_rate is not None else None
    rows = []
    for b in benchmarks:
        r = b.routing
        rows.append(
            {
                "variant": b.variant,
                "label": f"{b.variant} ({PERFECT_DETECTOR})" if _perfect(study, b) else b.variant,
                "routed_fraction": r.routed_fraction if r else b.routed_fraction,
                "threshold": r.threshold if r else None,
                "basis": r.basis if r else "no routing outcome recorded (a run from before it was)",
                "kept_error_rate": r.kept_error_rate if r else None,
                "delivered": r.delivered_error_rate if r else None,
                "interval": r.delivered_error_interval if r else None,
                "meets_target": r.meets_target if r else None,
            }
        )
    return {
        "rule": study.routing.rule,
        "rule_text": RULES.get(study.routing.rule, study.routing.rule),
        "perfect_detector": study.routing.perfect_detector,
        "reference_error_rate": reference.value if reference is not None else None,
        "reference_error_source": reference.source if reference is not None else "",
        "rows": rows,
    }


def _perfect(study: Study, b: VariantBenchmark) -> bool:
    return b.routing.perfect_detector if b.routing is not None else study.routing.perfect_detector
