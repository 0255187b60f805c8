"""The dashboard's languages: which one a request gets, its messages and its templates.

A request speaks the language of its ``?lang=`` parameter (which is then remembered in a
cookie), else of that cookie, else the best match of its ``Accept-Language`` header, else
English. The dashboard's own messages are in ``locale/id/LC_MESSAGES/web.po`` next to this
module, compiled in memory on first use like the project catalogue; every message it lacks
falls back to the project catalogue (:mod:`forewarn.i18n`: factor names, ladder titles,
predictor labels, level and state names), then to English.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup
from starlette.requests import Request

from forewarn.errors import ConfigError
from forewarn.framework.drivers import label_of
from forewarn.i18n import (
    DEFAULT,
    MISSING,
    N_,
    SUPPORTED,
    country_name,
    format_day,
    gettext_for,
    jinja_environment,
    negotiate,
    normalise,
    translator,
)
from forewarn.i18n.labels import JUDGEMENTS, LEVELS, ROLES, STATES, name
from forewarn.response.clock import as_utc
from forewarn.unsc.members import load_members
from forewarn.web import labels
from forewarn.web.messages import localise

LANG_COOKIE = "forewarn_lang"
LANG_PARAM = "lang"
DOMAIN = "web"
NAMES = {"en": "English", "id": "Bahasa Indonesia"}
"""Each language in its own words, as the language switch shows it."""
COUNCIL_NAMES = {"TWN": N_("Republic of China"), "CHN": N_("People's Republic of China")}
"""China's seat by its holders: the names the Council's record gives them."""


def _supported(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalise(value)
    except ConfigError:
        return None


def asked(request: Request) -> str | None:
    """The language named by the request's ``?lang=`` parameter, if it is one we speak."""
    return _supported(request.query_params.get(LANG_PARAM))


def language_of(request: Request) -> str:
    """The language of a request: ``?lang=``, then the cookie, then ``Accept-Language``."""
    return (
        asked(request)
        or _supported(request.cookies.get(LANG_COOKIE))
        or negotiate(request.headers.get("accept-language"))
    )


def po_path(lang: str) -> Any:
    """The dashboard's ``.po`` file of ``lang`` (a Traversable)."""
    return resources.files("forewarn.web") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The dashboard's messages in ``lang``, falling back to the project catalogue."""
    code = normalise(lang)
    project = translator(code)
    source = po_path(code)
    if code == DEFAULT or not source.is_file():
        return project
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    own = gettext.GNUTranslations(compiled)
    own.add_fallback(project)
    return own


@cache
def environment(lang: str) -> jinja2.Environment:
    """The templates' environment in ``lang`` (one per language, kept)."""
    code = normalise(lang)
    loader = jinja2.PackageLoader("forewarn.web", "templates")
    env = jinja_environment(code, loader)
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    env.globals["languages"] = [(c, NAMES[c]) for c in SUPPORTED]
    env.globals.update(_namers(code))
    env.globals["moment"] = lambda value: moment(value, code)
    _ = gettext_for(code)
    env.filters["driver"] = lambda feature: label_of(str(feature), _)
    env.filters["tr"] = _data_text(code)
    env.filters["message"] = lambda text: localise(str(text), translations(code).gettext)
    env.filters["ident"] = lambda text: Markup("<code>{}</code>").format(text)
    env.filters["members"] = lambda codes: ", ".join(member_name(c, code) for c in codes)
    env.globals["member_name"] = lambda member: member_name(member, code)
    env.filters["area"] = lambda area: area_name(str(area), code)
    env.globals["area_names"] = lambda points: {
        p["area"]: area_name(p["area"], code) for p in points if p.get("area")
    }
    env.globals["day_of"] = lambda value: _day_of(value, code)
    return env


def _data_text(lang: str) -> Callable[[Any], str]:
    """The ``tr`` filter: a data file's text (case, scenario, rule, outcome) in ``lang``,
    from the catalogues, without ``%`` formatting (the texts may hold a ``%`` sign)."""
    gettext = translations(lang).gettext
    return lambda text: gettext(str(text)) if text else ""


def member_name(member: str, lang: str) -> str:
    """A Security Council member's name in ``lang``, by its code (``SUN``: the Soviet Union)."""
    own = COUNCIL_NAMES.get(member)
    if own:
        return translations(lang).gettext(own)
    states = load_members().states
    default = states[member].name if member in states else member
    return country_name(member, lang, default)


def area_name(area: str, lang: str) -> str:
    """A first-level area as the event data name it (``Ouaka province``) in ``lang``
    (``Provinsi Ouaka``); as it is when its kind is not one of :data:`labels.AREA_KINDS`."""
    place, _, kind = area.strip().rpartition(" ")
    template = labels.AREA_KINDS.get(kind.lower()) if place else None
    if template is None:
        return area
    return translations(lang).gettext(template) % {"name": place}


def _day_of(value: str | dt.date | None, lang: str) -> str:
    """A date given as ISO text or a date, in ``lang`` (the text as is if it is not one)."""
    if not isinstance(value, str):
        return format_day(value, lang)
    try:
        return format_day(dt.date.fromisoformat(value[:10]), lang)
    except ValueError:
        return value


def moment(value: str | dt.datetime | None, lang: str) -> str:
    """A timestamp (ISO text or datetime) as a date and a UTC time of day, in ``lang``."""
    if value is None or value == "":
        return MISSING
    found = (
        dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    )
    found = as_utc(found)
    return f"{format_day(found, lang)} {found:%H:%M} UTC"


def _namers(lang: str) -> dict[str, Callable[[str | None], str]]:
    """Template functions naming codes in ``lang``: ``level_name("warning")`` and the like."""
    gettext = translations(lang).gettext

    def naming(table: Mapping[str, str]) -> Callable[[str | None], str]:
        return lambda code: gettext(name(table, code)) if code else ""

    def actor(who: str | None) -> str:
        """forewarn's own actors by what they are; a person by their user name."""
        if not who:
            return ""
        if who in labels.ACTORS:
            return gettext(labels.ACTORS[who])
        if who.startswith("cli:"):
            return gettext(labels.COMMAND_LINE) % {"user": who[4:]}
        return who

    def subject(value: str | None) -> str:
        """What a ledger entry is about: ``action:12`` is "action 12"."""
        kind, _, ident = (value or "").partition(":")
        if kind not in labels.SUBJECTS:
            return value or ""
        return gettext(labels.SUBJECTS[kind]) % {"id": ident}

    return {
        "actor_name": actor,
        "subject_name": subject,
        "field_name": naming(labels.FIELDS),
        "level_name": naming(LEVELS),
        "state_name": naming(STATES),
        "role_name": naming(ROLES),
        "judgement_name": naming(JUDGEMENTS),
        "entry_name": naming(labels.ENTRY_KINDS),
        "event_name": naming(labels.EVENT_KINDS),
        "verb_name": naming(labels.VERBS),
        "user_role_name": naming(labels.USER_ROLES),
    }
