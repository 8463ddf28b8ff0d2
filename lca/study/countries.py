"""Country codes as studies write them (alpha-2 or alpha-3) and as the data are keyed (alpha-3)."""

from __future__ import annotations


def to_iso3(code: str) -> str:
    import pycountry  # light, but only needed when a study is validated

    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    found = found or (pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None)
    if found is None:
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-2 or alpha-3 country code")
    return found.alpha_3
