"""Country identity: Correlates of War code, ISO 3166 alpha-3 code and display name.

Names are mapped with the maintained ``country_converter`` crosswalk. The few panel
countries it cannot map (or maps onto a successor state) are mapped explicitly below.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import country_converter as coco
import pandas as pd

from forewarn.errors import NotFound

# COW code -> (ISO3, display name, why). ISO 3166-3 codes are used for dissolved states.
EXPLICIT: dict[int, tuple[str, str, str]] = {
    265: ("DDR", "East Germany", "ISO 3166-3 code of the German Democratic Republic"),
    315: ("CSK", "Czechoslovakia", "ISO 3166-3 code of Czechoslovakia"),
    678: ("YEM", "Yemen Arab Republic", "North Yemen; its ISO code passed to unified Yemen"),
    680: ("YMD", "South Yemen", "ISO 3166-3 code of the People's Democratic Republic"),
    703: ("KGZ", "Kyrgyzstan", "panel spells it 'Kyrgystan', which the crosswalk misses"),
    816: ("VNM", "Vietnam", "North Vietnam until 1975, then unified Vietnam"),
    817: ("RVN", "South Vietnam", "no ISO 3166-3 code exists; project code, 1954-1975"),
}


@dataclass(frozen=True)
class Country:
    """A country as every stage refers to it."""

    ccode: int
    iso3: str
    name: str


_MISSING = "<not found>"


@cache
def _converter() -> coco.CountryConverter:
    """One converter per process: building it reads its table (about 0.2 s)."""
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter()


def _convert(names: list[str], to: str, src: str = "regex") -> list[str | None]:
    out = _converter().convert(names, src=src, to=to, not_found=_MISSING)
    values = out if isinstance(out, list) else [out]
    return [x if isinstance(x, str) and x != _MISSING else None for x in values]


def crosswalk(pairs: Iterable[tuple[int, str]]) -> dict[int, Country]:
    """Map ``(ccode, panel name)`` pairs to countries, explicit overrides first."""
    pairs = sorted(set(pairs))
    iso = _convert([n for _, n in pairs], "ISO3")
    short = _convert([n for _, n in pairs], "name_short")
    table: dict[int, Country] = {}
    for (code, raw), iso3, name in zip(pairs, iso, short, strict=True):
        if code in EXPLICIT:
            iso3, name, _ = EXPLICIT[code]
        if iso3 is None:
            raise NotFound(f"country {raw!r} (COW {code}) has no ISO3 mapping; add it to EXPLICIT")
        table[code] = Country(code, iso3, name or raw)
    return table


@cache
def _cached(pairs: tuple[tuple[int, str], ...]) -> dict[int, Country]:
    return crosswalk(pairs)


def countries_of(panel: pd.DataFrame) -> dict[int, Country]:
    """The crosswalk for every country of a panel (cached per distinct set of countries)."""
    pairs = panel[["ccode", "ewp_name"]].drop_duplicates().itertuples(index=False)
    return _cached(tuple(sorted((int(c), str(n)) for c, n in pairs)))


def find_country(query: str | int, table: dict[int, Country]) -> Country:
    """Look a country up by COW code, ISO3 code or name (case-insensitive)."""
    text = str(query).strip().lower()
    for country in table.values():
        if text in (str(country.ccode), country.iso3.lower(), country.name.lower()):
            return country
    raise NotFound(f"unknown country {query!r}")


@cache
def iso3_of(text: str) -> str:
    """The ISO3 code of a country given by ISO3 code or name (historic codes included)."""
    wanted = text.strip()
    for iso3, name, _ in EXPLICIT.values():
        if wanted.upper() == iso3 or wanted.lower() == name.lower():
            return iso3
    is_code = len(wanted) == 3 and wanted.isalpha()
    found = _convert(
        [wanted.upper() if is_code else wanted], "ISO3", "ISO3" if is_code else "regex"
    )[0]
    if found is None:
        raise NotFound(f"unknown country {text!r}")
    return found


def name_of(iso3: str) -> str:
    """A display name for an ISO3 code."""
    for code, name, _ in EXPLICIT.values():
        if code == iso3:
            return name
    return _convert([iso3], "name_short", "ISO3")[0] or iso3
