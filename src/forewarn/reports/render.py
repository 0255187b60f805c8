"""Rendering briefs: Jinja2 templates to self-contained HTML, and HTML to PDF with WeasyPrint.

The HTML carries its CSS and its charts (inline SVG) inside it and refers to nothing
outside, so it can be mailed or archived as one file. The PDF is made from the same HTML;
WeasyPrint is given a URL fetcher that refuses every fetch, so rendering never reaches out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from forewarn.errors import ConfigError, ForewarnError
from forewarn.framework.drivers import label_of
from forewarn.i18n import (
    country_name,
    format_pct,
    gettext_for,
    jinja_environment,
    labels,
    normalise,
    translate_filled,
)
from forewarn.reports import charts
from forewarn.reports.inputs import SOURCES
from forewarn.reports.values import CountryBrief, Watchlist


class Format(StrEnum):
    """Output formats of a brief."""

    HTML = "html"
    PDF = "pdf"


def output_format(value: str) -> Format:
    """The format called ``value``; ConfigError for any other."""
    try:
        return Format(value.strip().lower())
    except ValueError:
        raise ConfigError(f"unsupported format {value!r} (use html or pdf)") from None


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string (for generated content such as the page footer)."""
    cleaned = "".join(c for c in str(text) if c not in "<>\n\r")
    return Markup('"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"')


@cache
def environment(lang: str) -> jinja2.Environment:
    """The templates' environment for ``lang`` (one per language, kept)."""
    env = jinja_environment(lang, jinja2.PackageLoader("forewarn.reports", "templates"))
    env.filters["css_string"] = css_string
    env.globals["labels"] = labels
    env.globals["label"] = labels.name
    _ = gettext_for(normalise(lang))
    env.filters["driver"] = lambda feature: label_of(str(feature), _)
    env.filters["source"] = lambda text: translate_filled(str(text), SOURCES, _)
    return env


def _chart_context(lang: str) -> tuple[Callable[[str], str], Callable[[float | None], str]]:
    code = normalise(lang)
    return gettext_for(code), lambda v: format_pct(v, code, _chart_digits(v))


def _chart_digits(value: float | None) -> int:
    """Whole percentages on chart ticks and labels, one decimal below 10 % when it matters."""
    tenths = round((value or 0.0) * 1000)
    return 0 if tenths % 10 == 0 or tenths >= 100 else 1


def _render(template: str, lang: str, context: Mapping[str, Any]) -> str:
    return environment(normalise(lang)).get_template(template).render(**context)


def country_html(brief: CountryBrief, lang: str) -> str:
    """The country brief as one self-contained HTML page."""
    _, pct = _chart_context(lang)
    return _render(
        "country.html",
        lang,
        {
            "brief": brief,
            "trend_chart": charts.trend_svg(brief.trend, _, pct),
            "profile_chart": charts.profile_svg(brief.profile, _, pct) if brief.profile else "",
        },
    )


def watchlist_html(watchlist: Watchlist, lang: str) -> str:
    """The watchlist as one self-contained HTML page."""
    _, pct = _chart_context(lang)
    code = normalise(lang)
    name = lambda row: country_name(row.iso3, code, row.country)  # noqa: E731
    chart = charts.ranking_svg(watchlist.rows, _, pct, name) if watchlist.rows else ""
    return _render("watchlist.html", lang, {"watchlist": watchlist, "ranking_chart": chart})


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ForewarnError(f"a brief may not fetch anything ({url})")


@dataclass(frozen=True)
class Pdf:
    """A rendered PDF and its number of pages."""

    data: bytes
    pages: int


def pdf_of(html: str) -> Pdf:
    """The PDF of a self-contained HTML page."""
    import weasyprint  # imported here: loading pango takes a moment, and HTML needs none of it

    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch, base_url=None).render()
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return Pdf(data, len(document.pages))


def write(html: str, fmt: Format, out: Path) -> str:
    """Write ``html`` to ``out`` as HTML or PDF; a one-line account of what was written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt is Format.PDF:
        pdf = pdf_of(html)
        out.write_bytes(pdf.data)
        return f"wrote {out} (PDF, {pdf.pages} page{'s' if pdf.pages != 1 else ''})"
    out.write_text(html, encoding="utf-8")
    return f"wrote {out} (HTML)"
