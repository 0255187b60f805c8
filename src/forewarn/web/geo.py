"""The world map's data: the colour scale, and ISO 3166 numeric codes joined to ISO3 codes.

The map's shapes are Natural Earth's 1:110m countries from the npm package ``world-atlas``
(installed by ``scripts/web-assets.sh``), whose features carry ISO 3166-1 numeric codes.
Forecasts are keyed by ISO3 codes, so the page is given the numeric → alpha-3 table of the
maintained ``country_converter`` crosswalk. Kosovo has no ISO 3166 code and so no id in
``world-atlas``; it is joined by its feature name to ``XKX``, the code the forecast uses.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from functools import cache
from typing import Any

import country_converter as coco

from forewarn.i18n import N_, country_name, format_pct, normalise
from forewarn.web.language import translations
from forewarn.web.views import RankRow

BREAKS = (0.005, 0.01, 0.02, 0.04, 0.08)
"""Class limits of two-year risk; 4 % is the default rules' warning threshold."""
COLOURS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
"""ColorBrewer YlOrRd, six classes (sequential, readable with colour-vision deficiencies)."""
NO_DATA = "#c8ccd2"
BY_NAME = {"Kosovo": "XKX"}
"""Features of ``world-atlas`` without a numeric id, joined by name."""
UNCODED = {"N. Cyprus": N_("Northern Cyprus"), "Somaliland": N_("Somaliland")}
"""Features of ``world-atlas`` with neither a numeric id nor a forecast: their names."""


@cache
def numeric_to_iso3() -> dict[str, str]:
    """ISO 3166-1 numeric code (three digits, as ``world-atlas`` writes it) → ISO3 code."""
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data[["ISOnumeric", "ISO3"]].dropna()
    table: dict[str, str] = {}
    for numeric, iso3 in data.itertuples(index=False):
        text = str(numeric).strip()
        if text.replace(".0", "").isdigit() and isinstance(iso3, str) and len(iso3) == 3:
            table[f"{int(float(text)):03d}"] = iso3
    return table


def _digits(value: float) -> int:
    return 1 if value < 0.01 else 0


def legend(lang: str) -> list[tuple[str, str]]:
    """(colour, label) of each class, lowest first: "< 0.5 %", "0.5 %–1 %", …, "≥ 8 %"."""
    pct = [format_pct(b, lang, _digits(b)) for b in BREAKS]
    labels = [f"< {pct[0]}"]
    labels += [f"{lo}–{hi}" for lo, hi in itertools.pairwise(pct)]
    labels.append(f"≥ {pct[-1]}")
    return list(zip(COLOURS, labels, strict=True))


def shape_names(lang: str) -> dict[str, str]:
    """The names of the map's shapes in ``lang`` by ISO3 code (CLDR's), and of its shapes
    without a code by their ``world-atlas`` name; empty in English (``world-atlas``'s own
    English names are shown)."""
    if normalise(lang) == "en":
        return {}
    _ = translations(lang).gettext
    codes = {*numeric_to_iso3().values(), *BY_NAME.values()}
    found = {code: country_name(code, lang, "") for code in sorted(codes)}
    return {k: v for k, v in found.items() if v} | {k: _(v) for k, v in UNCODED.items()}


def map_data(rows: Sequence[RankRow], lang: str, labels: dict[str, str]) -> dict[str, Any]:
    """What ``map.js`` needs: values by ISO3 code, the id join, the scale and its words."""
    return {
        "names": shape_names(lang),
        "lang": lang,
        "countries": {
            r.iso3: {
                "name": r.country,
                "risk": r.risk_2y,
                "rank": r.rank,
                "change": r.change,
                "level": r.level,
            }
            for r in rows
        },
        "numeric": numeric_to_iso3(),
        "byName": BY_NAME,
        "breaks": list(BREAKS),
        "colours": list(COLOURS),
        "noData": NO_DATA,
        "total": len(rows),
        "labels": labels,
    }
