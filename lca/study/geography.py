"""Which countries a reference figure's geography covers (issue 19: every figure states where it applies).

A figure is measured somewhere: a country (ISO 3166 alpha-3), a group of countries, or
nowhere in particular ('global': a product sold worldwide, a physical constant, a judgement
that is not about any country). Used for a study's country outside its geography, the figure
is a proxy: :meth:`lca.study.reference_data.Parameter.for_country` marks it so and takes the
pedigree's score for use elsewhere, which widens its spread (ecoinvent v3's geographical
correlation).
"""

from __future__ import annotations

GLOBAL = "global"

# Member states as the regions' sources count them: the EU of 27 (since 2020) and the OECD's 38 (since 2021).
REGIONS: dict[str, frozenset[str]] = {
    "EU": frozenset(
        [
            "AUT",
            "BEL",
            "BGR",
            "HRV",
            "CYP",
            "CZE",
            "DNK",
            "EST",
            "FIN",
            "FRA",
            "DEU",
            "GRC",
            "HUN",
            "IRL",
            "ITA",
            "LVA",
            "LTU",
            "LUX",
            "MLT",
            "NLD",
            "POL",
            "PRT",
            "ROU",
            "SVK",
            "SVN",
            "ESP",
            "SWE",
        ]
    ),
    "OECD": frozenset(
        [
            "AUS",
            "AUT",
            "BEL",
            "CAN",
            "CHL",
            "COL",
            "CRI",
            "CZE",
            "DNK",
            "EST",
            "FIN",
            "FRA",
            "DEU",
            "GRC",
            "HUN",
            "ISL",
            "IRL",
            "ISR",
            "ITA",
            "JPN",
            "KOR",
            "LVA",
            "LTU",
            "LUX",
            "MEX",
            "NLD",
            "NZL",
            "NOR",
            "POL",
            "PRT",
            "SVK",
            "SVN",
            "ESP",
            "SWE",
            "CHE",
            "TUR",
            "GBR",
            "USA",
        ]
    ),
}


def is_known(geography: str) -> bool:
    """A geography is 'global', a region above, or an alpha-3 code (three capital letters)."""
    return (
        geography == GLOBAL
        or geography in REGIONS
        or (len(geography) == 3 and geography.isalpha() and geography.isupper())
    )


def covers(geography: str | None, iso3: str) -> bool:
    """Whether a figure of ``geography`` is the country's own (True) or a proxy for it (False).

    A figure that states no geography is taken at its word as it always was (True): the
    reference data's own entries all state one (tests/study/test_geography.py).
    """
    if geography is None or geography == GLOBAL:
        return True
    if geography in REGIONS:
        return iso3 in REGIONS[geography]
    return geography == iso3
