"""Languages: gettext catalogues, locale-aware formatting and a Jinja2 environment factory.

forewarn speaks English (the source language of every message) and Bahasa Indonesia. The
Indonesian catalogue is ``locale/id/LC_MESSAGES/forewarn.po`` next to this module; only the
``.po`` is kept in the repository and it is compiled in memory the first time a language is
asked for (:func:`translator`), so a compiled ``.mo`` can never be out of step with it. A
message the catalogue lacks (or leaves empty or fuzzy) falls back to English.

The API every interface uses (briefs, and the web dashboard)::

    SUPPORTED                    # ("en", "id")
    normalise("id-ID")           # "id"; ConfigError for a language we do not speak
    negotiate("id,en;q=0.8")     # best supported language for an Accept-Language header
    translator("id")             # gettext.NullTranslations (gettext, ngettext, pgettext)
    gettext_for("id")("Risk")    # a plain gettext callable
    jinja_environment("id", loader)  # Jinja2 + i18n extension + formatting filters

Strings that are translated later (table labels, level names) are marked with :func:`N_`
so that extraction finds them; the framework's factor names, the ladder's action titles and
bases and the predictors' labels are extracted from their TOML files
(:mod:`forewarn.i18n.extract`).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import math
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from forewarn.errors import ConfigError

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "N_",
    "SUPPORTED",
    "country_name",
    "format_day",
    "format_number",
    "format_pct",
    "format_points",
    "format_signed",
    "gettext_for",
    "jinja_environment",
    "negotiate",
    "ngettext_for",
    "normalise",
    "po_path",
    "search_key",
    "translate_filled",
    "translator",
]

SUPPORTED: tuple[str, ...] = ("en", "id")
"""Languages forewarn speaks; English is the source language of every message."""
DEFAULT = "en"
DOMAIN = "forewarn"
MISSING = "–"
"""What a formatter prints for a missing value (NaN or None)."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (gettext_noop)."""
    return message


def normalise(lang: str) -> str:
    """``"id"`` for ``"id"``, ``"ID"``, ``"id-ID"`` or ``"id_ID"``; ConfigError if unsupported."""
    base = lang.strip().replace("-", "_").split("_")[0].lower()
    if base not in SUPPORTED:
        raise ConfigError(f"unsupported language {lang!r} (use one of: {', '.join(SUPPORTED)})")
    return base


def negotiate(accept_language: str | None) -> str:
    """The best supported language for an HTTP ``Accept-Language`` header (default English)."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and tag != "*":
            wanted.append((weight, tag))
    tags = [tag.replace("-", "_") for _, tag in sorted(wanted, key=lambda w: -w[0])]
    return _first_supported(tags) or DEFAULT


def _first_supported(tags: list[str]) -> str | None:
    for tag in tags:
        try:
            return normalise(tag)
        except ConfigError:
            continue
    return None


def po_path(lang: str) -> Any:
    """The packaged ``.po`` file of ``lang`` (a Traversable; it may not exist for English)."""
    return resources.files("forewarn.i18n") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def translator(lang: str) -> gettext.NullTranslations:
    """The translations of ``lang``: the ``.po`` compiled in memory; English passes through.

    Compiled once per language and kept; messages the catalogue lacks come back in English.
    """
    return _compiled(normalise(lang))


@cache
def _compiled(code: str) -> gettext.NullTranslations:
    source = po_path(code)
    if code == DEFAULT or not source.is_file():
        return gettext.NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate_filled(text: str, templates: tuple[str, ...], gettext: Callable[[str], str]) -> str:
    """``text`` translated by ``gettext``: when it is one of ``templates`` filled in
    (``"model %(name)s"`` → ``"model EWP"``), the template's translation filled in with the
    same values; otherwise ``text`` looked up as it is (English when nothing translates it)."""
    for template in templates:
        found = _template_pattern(template).fullmatch(text)
        if found:
            return gettext(template) % found.groupdict()
    return gettext(text)


@cache
def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(pattern, re.DOTALL)


def gettext_for(lang: str) -> Callable[[str], str]:
    """A ``gettext`` callable for ``lang`` (untranslated messages come back in English)."""
    return translator(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """An ``ngettext`` callable for ``lang``."""
    return translator(lang).ngettext


# --- formatting -------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_pct(value: float | None, lang: str, digits: int = 1) -> str:
    """A probability as a percentage in ``lang``'s notation (``10.4%`` / ``10,4%``)."""
    if value is None or _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return str(format_percent(value, pattern, locale=normalise(lang)))


def format_number(value: float | None, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals in ``lang``'s notation."""
    if value is None or _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, pattern, locale=normalise(lang)))


def format_signed(value: float | None, lang: str, digits: int = 2) -> str:
    """A signed number (``+0.52``, ``−0.18``; ``±0.00`` for zero)."""
    if _missing(value):
        return MISSING
    assert value is not None
    rounded = round(value, digits)
    text = format_number(abs(rounded), lang, digits)
    return ("+" if rounded > 0 else "−" if rounded < 0 else "±") + text


def format_points(value: float | None, lang: str) -> str:
    """A change of probability in percentage points, signed (``+1.2``)."""
    return format_signed(None if _missing(value) else (value or 0.0) * 100, lang, 1)


def format_day(value: dt.date | dt.datetime | None, lang: str, width: str = "medium") -> str:
    """A date in ``lang`` (``3 Mar 2025`` / ``Mar 3, 2025``)."""
    if value is None:
        return MISSING
    day = value.date() if isinstance(value, dt.datetime) else value
    try:
        return str(format_date(day, width, locale=normalise(lang)))
    except UnknownLocaleError:  # pragma: no cover - both locales ship with Babel
        return day.isoformat()


_NAME_OVERRIDES: dict[str, dict[str, str]] = {
    "id": {"MM": "Myanmar", "CD": "Republik Demokratik Kongo", "CG": "Republik Kongo"},
}
"""Where CLDR's name is not the one an Indonesian reader expects (``Myanmar (Burma)``,
``Kongo - Kinshasa``)."""
HISTORIC: dict[str, dict[str, str]] = {
    "id": {
        "SUN": "Uni Soviet",
        "YUG": "Yugoslavia",
        "CSK": "Cekoslowakia",
        "DDR": "Republik Demokratik Jerman",
        "RVN": "Vietnam Selatan",
        "YMD": "Yaman Selatan",
    },
}
"""Dissolved states by their historic ISO 3166 codes, which CLDR maps to their successors
(``SUN`` to Russia and fourteen others)."""


def country_name(iso3: str, lang: str, default: str) -> str:
    """A country's name in ``lang``: ``default`` (the data's own name) in English, the CLDR
    name otherwise (``Norwegia`` for NOR in Indonesian); ``default`` when CLDR has none."""
    code = normalise(lang)
    if code == DEFAULT:
        return default
    return _names(code).get(iso3.upper(), default)


@cache
def _names(code: str) -> dict[str, str]:
    """ISO3 code → name in ``code``, from CLDR (each alias's first territory, not ``ZZ``, the
    unknown region ``ZZZ`` points to), historic states and the overrides."""
    names = {**Locale.parse(code).territories, **_NAME_OVERRIDES.get(code, {})}
    found = {}
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and targets and targets[0] in names.keys() - {"ZZ"}:
            found[alias] = str(names[targets[0]])
    return found | HISTORIC.get(code, {})


def search_key(*names: str) -> str:
    """``names`` folded for searching: lower case, without accents (``türkiye`` → ``turkiye``),
    joined by spaces. A query matches when its own key is a part of this one."""
    text = " ".join(names)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- Jinja2 -----------------------------------------------------------------------------------


def jinja_environment(lang: str, loader: jinja2.BaseLoader) -> jinja2.Environment:
    """A Jinja2 environment speaking ``lang``: i18n extension (new-style ``_()``, autoescaped,
    ``%(name)s`` formatting), strict undefined values, and the filters ``pct``, ``number``,
    ``points``, ``signed``, ``day`` and ``country`` (``iso3|country(name)``), all speaking
    ``lang``. Make one per language and keep it."""
    code = normalise(lang)
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translator(code), newstyle=True)  # type: ignore[attr-defined]
    env.filters["pct"] = lambda v, digits=1: format_pct(v, code, digits)
    env.filters["number"] = lambda v, digits=1: format_number(v, code, digits)
    env.filters["points"] = lambda v: format_points(v, code)
    env.filters["signed"] = lambda v, digits=2: format_signed(v, code, digits)
    env.filters["day"] = lambda v, width="medium": format_day(v, code, width)
    env.filters["country"] = lambda iso3, default: country_name(iso3, code, default)
    env.globals["lang"] = code
    return env
