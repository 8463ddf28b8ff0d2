"""Sentences generated from numbers, written so they read right at the edges.

Each function takes the figures a sentence rests on and returns plain words:
a break-even below one item, beyond the functional unit or never reached; a grid
ratio that cannot move (and why); fixed costs that name only the stages the study
counted; a verdict on compression only where the paired probability supports it
(P >= 0.95, the same rule as everywhere in the report); a warning when a quality
figure rests on too few held-out items (rule of three: with 0 of n observed, the
95 % upper bound is 3/n; a warning when that bound changes a conclusion, or when
n < MIN_TEST_ITEMS).
"""

from __future__ import annotations

# CLEAR: "clearly", a paired probability of at least 95 % (one threshold, lca.assessment.separation's)
from lca.assessment.separation import CLEAR, MATERIAL, format_probability, name_options

MIN_TEST_ITEMS = 100  # below this, any share measured on the held-out set is flagged as resting on few items


def items_number(n: float | None) -> str:
    """A number of items as a table cell shows it: 'never', 'from the first item', '12,300'."""
    if n is None:
        return "never"
    if n < 1:
        return "from the first item"
    rounded = float(f"{n:.3g}")  # three significant digits: the inputs carry no more
    return f"{rounded:,.0f}"


def items_text(n: float | None) -> str:
    """A number of items as a reader says it: 'never', 'from the first item', '12,300 items'."""
    number = items_number(n)
    if n is None or n < 1:
        return number
    return "1 item" if number == "1" else f"{number} items"


def interval_text(lo: float | None, hi: float | None) -> str:
    """A 95 % interval of items: 'below one item', 'never', 'up to 40 items', '9,000 items to 20,000 items'."""
    if lo is not None and hi is not None and hi < 1:
        return "below one item in every case"
    if lo is None and hi is None:
        return "never in every case"
    if lo is not None and lo < 1:
        return f"from the first item up to {items_text(hi)}" if hi is not None else "from the first item to never"
    return f"{items_text(lo)} to {items_text(hi)}"


def fixed_costs_text(stages: set[str]) -> str:
    """The fixed stages a scenario actually carries, named in life-cycle order."""
    order = ["data preparation", "development", "training", "compression"]
    named = [s for s in order if s in stages]
    return ", ".join(named) if named else "none"


def break_even_sentence(  # noqa: PLR0913  # the figures of one sentence
    label: str,
    scenario: str,
    fixed_stages: set[str],
    items: float | None,
    p2_5: float | None,
    p97_5: float | None,
    functional_unit: int,
    p_within: float,
    tied: list[str] | None = None,
) -> str:
    """``tied``: the options the draws do not tell apart from ``scenario`` on the items to break even."""
    head = f"Break-even ({label}): '{scenario}'"
    if tied:
        others = name_options([f"'{t}'" for t in tied])
        head += f" (which the paired draws do not tell apart from {others})"
    costs = fixed_costs_text(fixed_stages)
    what = f"its fixed costs ({costs})" if costs != "none" else "its fixed costs"
    interval = f"95 % interval: {interval_text(p2_5, p97_5)}"
    if items is None:
        return (
            f"{head} saves nothing per item against doing the job by hand, so {what} are never paid back "
            f"({interval}); within the functional unit of {functional_unit:,} items it pays back with probability "
            f"{format_probability(p_within)}."
        )
    if items < 1:
        return (
            f"{head} has the lower impact from the first item: {what} do not outweigh what it saves on a single item "
            f"({interval}); probability {format_probability(p_within)} that it pays back within the functional unit of "
            f"{functional_unit:,} items."
        )
    if items > functional_unit:
        return (
            f"{head} pays back {what} only after about {items_text(items)}, beyond the functional unit of "
            f"{functional_unit:,} items ({interval}; probability {format_probability(p_within)} within it): at the "
            "study's volume, doing "
            "the job by hand has the lower impact."
        )
    return (
        f"{head} pays back {what} after about {items_text(items)} ({interval}); the functional unit is "
        f"{functional_unit:,} items, reached with probability {format_probability(p_within)}. Below that volume, "
        "doing the job by "
        "hand has the lower impact."
    )


def grid_sentence(
    label: str,
    lo: tuple[float, str],
    hi: tuple[float, str],
    grid_share: float | None,
    human_share_ml: float | None,
    human_share_ref: float | None,
) -> str:
    """The uncompressed model's ratio to the reference across countries, or why it cannot move.

    ``grid_share``: the share of the ML scenario's score that comes from grid
    electricity; ``human_share_*``: the share of each side's score from human work.
    """
    (lo_ratio, lo_name), (hi_ratio, hi_name) = lo, hi
    moves = abs(hi_ratio - lo_ratio) > 0.01 * max(abs(lo_ratio), abs(hi_ratio), 1e-300)
    if moves:
        return (
            f"Grid ({label}): moved to other countries, the uncompressed model ranges from {lo_ratio:.2g} x the "
            f"reference ({lo_name}) to {hi_ratio:.2g} x ({hi_name})."
        )
    if grid_share is not None and grid_share < 1e-9:
        why = "nothing in either scenario uses grid electricity for this category"
    elif human_share_ml is not None and human_share_ml > 0.99 and (human_share_ref or 0) > 0.99:
        why = (
            "both sides are almost all human work done the same way (the ML option's impact is its residual "
            "human work), so a cleaner or dirtier grid scales both together"
        )
    else:
        why = "the grid's share is the same on both sides, so both scale together"
    return (
        f"Grid ({label}): the uncompressed model stays at {lo_ratio:.2g} x the reference on every grid tried "
        f"(from {lo_name} to {hi_name}): {why}."
    )


def compression_sentence(  # noqa: PLR0913  # keyword-only groups of variants, one per verdict
    label: str,
    helps: list[str],
    hurts: list[str],
    unclear: list[str],
    too_few: list[str] | None = None,
    *,
    equal: list[str] | None = None,
    routes_to_people: bool = True,
) -> str:
    """Only variants with P(lower than the uncompressed model) >= 0.95, and apart by at least MATERIAL, are said
    to clearly lower it.

    ``equal``: variants the draws separate by less than MATERIAL: practically equal.
    ``routes_to_people``: whether any option hands items to people, the usual reason a compressed model
    raises the impact; without it the sentence gives no reason it cannot support.

    ``too_few``: variants the draws put lower, but whose comparison flips at the rule-of-three
    bound of a share with none observed: the held-out items cannot support "clearly".
    """
    parts = []
    if helps:
        parts.append(f"it clearly lowers the impact for {', '.join(helps)}")
    if too_few:
        parts.append(
            f"the paired draws put {', '.join(too_few)} lower, but with no routed item observed the comparison flips "
            "at the rule-of-three bound, so the test set is too small to call it clear"
        )
    if hurts:
        why = " (usually because a less accurate model hands more items to people)" if routes_to_people else ""
        parts.append(f"it clearly raises it for {', '.join(hurts)}{why}")
    if equal:
        verb = "is" if len(equal) == 1 else "are"
        parts.append(f"{', '.join(equal)} {verb} practically equal to it (apart by less than {MATERIAL:.0%})")
    if unclear:
        parts.append(f"the paired draws do not separate {', '.join(unclear)} from the uncompressed model")
    if not parts:
        return f"Compression ({label}): no compressed variant was assessed."
    return (
        f"Compression ({label}): "
        + "; ".join(parts)
        + f' ("clearly": probability of at least {CLEAR:.0%} in the paired Monte Carlo, and apart by at least '
        + f"{MATERIAL:.0%})."
    )


def quality_warning(variant: str, n: int, routed: int, bound: float | None, changes: bool) -> str | None:
    """A warning when a variant's routed share rests on too few held-out items for the claims made on it."""
    if routed == 0 and bound is not None and changes:
        return (
            f"'{variant}': 0 of {n} held-out items routed to a person; by the rule of three the 95 % upper bound "
            f"is 3/{n} = {bound:.1%}, and at that bound the comparison changes: the test set is too small to "
            "support it."
        )
    if n < MIN_TEST_ITEMS:
        seen = f"{routed} of {n}"
        return (
            f"'{variant}': its routed share ({seen} held-out items) rests on fewer than {MIN_TEST_ITEMS} items"
            + (f"; with none observed the 95 % upper bound is 3/{n} = {bound:.1%}" if routed == 0 and bound else "")
            + ": treat quality-based conclusions as tentative."
        )
    return None
