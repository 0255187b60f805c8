"""E-mail in the recipient's language: subject, plain text and HTML from Jinja2 templates.

The templates (``templates/``) and the subject lines here go through the project's gettext
catalogue (:mod:`forewarn.i18n`; ``forewarn.po`` holds the Indonesian), so a message is
complete in English and in Bahasa Indonesia; country names, dates, ladder titles and bases,
levels and roles are given in the recipient's language too. The subject names the country,
the action and its deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from forewarn.i18n import (
    country_name,
    format_day,
    gettext_for,
    jinja_environment,
    labels,
    normalise,
)

PREFIX = "[forewarn]"


@dataclass(frozen=True)
class Mail:
    """A rendered message."""

    subject: str
    text: str
    html: str
    language: str


@cache
def _environment(lang: str, html: bool) -> jinja2.Environment:
    env = jinja_environment(lang, jinja2.PackageLoader("forewarn.notify", "templates"))
    env.autoescape = html
    _ = gettext_for(lang)
    env.globals["level_name"] = lambda code: _(labels.name(labels.LEVELS, code))
    env.globals["role_name"] = lambda code: _(labels.name(labels.ROLES, code))
    env.globals["state_name"] = lambda code: _(labels.name(labels.STATES, code))
    env.filters["date"] = lambda value, width="full": _day(_date(value), lang, width)
    env.globals["country"] = lambda alert: _country(alert, lang)
    return env


def _date(value: str | dt.date) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _country(alert: Mapping[str, Any], lang: str) -> str:
    return _country_name(str(alert["iso3"]), lang, str(alert["country"]))


@cache
def _country_name(iso3: str, lang: str, default: str) -> str:
    return country_name(iso3, lang, default)


@cache
def _day(day: dt.date, lang: str, width: str) -> str:
    return format_day(day, lang, width)


def subject(payload: Mapping[str, Any], lang: str) -> str:
    """The subject line of a single-event message (country, action and deadline)."""
    _ = gettext_for(lang)
    alert = payload["alert"]
    country = _country(alert, lang)
    if payload["event"] == "alert.raised":
        level = _(labels.name(labels.LEVELS, alert["level"]))
        return f"{PREFIX} " + _("%(level)s alert: %(country)s") % {
            "level": level, "country": country,
        }  # fmt: skip
    action = payload["action"]
    what = {
        "action.opened": _("New action"),
        "action.due_soon": _("Due in one working day"),
        "action.overdue": _("Overdue"),
        "action.escalated": _("Escalated to you")
        if payload["audience"] == "owner"
        else _("Missed and escalated"),
        "action.blocked": _("Blocked by a veto"),
    }[payload["event"]]
    deadline = format_day(_date(action["deadline"]), lang)
    line = _("%(event)s: %(country)s — %(action)s — due %(deadline)s")
    values = {"event": what, "country": country, "action": _(action["title"])}
    return f"{PREFIX} " + line % {**values, "deadline": deadline}


def digest_subject(payload: Mapping[str, Any], lang: str) -> str:
    """The subject line of a daily digest."""
    _ = gettext_for(lang)
    day = format_day(_date(payload["day"]), lang)
    counts = {"day": day, "due": len(payload["due"]), "overdue": len(payload["overdue"])}
    return f"{PREFIX} " + _("Daily digest, %(day)s: %(due)s due, %(overdue)s overdue") % counts


def _render(name: str, lang: str, html: bool, context: Mapping[str, Any]) -> str:
    template = _environment(lang, html).get_template(f"{name}.{'html' if html else 'txt'}")
    return template.render(**context)


def render(
    payload: Mapping[str, Any],
    lang: str,
    recipient: str,
    links: Mapping[int, str],
    dashboard: str,
    uid: str,
) -> Mail:
    """A message about one event, or a digest (``payload["event"] == "digest"``), for
    ``recipient`` in ``lang``; ``links`` maps action ids to their acknowledgement links."""
    code = normalise(lang)
    digest = payload["event"] == "digest"
    if digest:
        lines = [{"line": subject(e, code)[len(PREFIX) + 1 :]} for e in payload["events"]]
        payload = {**payload, "events": lines}
    context = {
        "p": payload,
        "recipient": recipient,
        "links": links,
        "dashboard": dashboard,
        "uid": uid,
    }
    name = "digest" if digest else "message"
    title = digest_subject(payload, code) if digest else subject(payload, code)
    return Mail(
        title,
        _render(name, code, False, context | {"title": title}),
        _render(name, code, True, context | {"title": title}),
        code,
    )
