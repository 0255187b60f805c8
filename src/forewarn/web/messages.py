"""Messages of the stages shown on a page, in the page's language.

The stages speak English (their errors reach the command line and the API as they are). A
page shows such a message through :func:`localise`: a message made from a template with
values (``no forecast for country 'XYZ'``) is matched by the template's pattern and given
the template's translation with the same values (values that are codes a user types, such as
the level names of ``?level=``, shown as code); any other message is looked up as it is in
the catalogues (the stages mark their fixed messages for extraction); a message neither
knows is shown in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from forewarn.i18n import N_


@dataclass(frozen=True)
class Template:
    """A message with values: the pattern that reads them and the text to translate."""

    pattern: re.Pattern[str]
    text: str
    codes: tuple[str, ...] = ()
    """The values that are codes (shown as code, not translated)."""
    words: tuple[str, ...] = ()
    """The values that are words of the catalogues (a state: ``refused``), translated."""


def _template(
    pattern: str, text: str, codes: tuple[str, ...] = (), words: tuple[str, ...] = ()
) -> Template:
    return Template(re.compile(pattern), text, codes, words)


TEMPLATES: tuple[Template, ...] = (
    _template(r"no forecast for country '(?P<country>.*)'",
              N_("no forecast for country '%(country)s'")),
    _template(r"no case '(?P<case>.*)' \(known: (?P<known>.*)\)",
              N_("no case '%(case)s' (known: %(known)s)")),
    _template(r"unknown level '(?P<level>.*)' \(one of (?P<known>.*)\)",
              N_("unknown level '%(level)s' (one of %(known)s)"), ("known",)),
    _template(r"no action (?P<id>\d+)", N_("no action %(id)s")),
    _template(r"the action is already (?P<state>\w+): it cannot be changed",
              N_("the action is already %(state)s: it cannot be changed"), (), ("state",)),
    _template(r"(?P<who>.+) does not hold the role '(?P<role>.+)' that owns this action",
              N_("%(who)s does not hold the role '%(role)s' that owns this action")),
    _template(r"done needs an outcome among: (?P<outcomes>.*)",
              N_("done needs an outcome among: %(outcomes)s")),
    _template(r"too many failed log-ins as '(?P<name>.*)' from this address: try again later",
              N_("too many failed log-ins as '%(name)s' from this address: try again later")),
    _template(r"vetoes after the file's last row \((?P<day>[\d-]+)\) are missing",
              N_("vetoes after the file's last row (%(day)s) are missing")),
    _template(r"appended from the sourced supplement (?P<file>\S+)",
              N_("appended from the sourced supplement %(file)s")),
)  # fmt: skip
"""The templated messages a page can show."""

FIXED = (
    N_("wrong user name or password"),
    N_("too many failed log-ins from this address: try again later"),
    N_(
        "too many failed log-ins on this server: for now only log-ins from an address "
        "you used before are accepted; try again later"
    ),
    N_("enter your user name"),
    N_("the log-in form has expired or was not sent from this site: try again"),
    N_("the action is already acknowledged"),
    N_("a refusal must give its reason"),
    N_("a block must cite its reference, e.g. the vetoed draft"),
    N_("only a block can record a veto"),
    N_("invalid decision"),
)
"""Fixed messages of the stages and the API that pages show (log-in and decisions)."""


def localise(message: str, gettext: Callable[[str], str]) -> Markup:
    """``message`` in the language of ``gettext`` (as it is when nothing translates it), as
    HTML: the text escaped, a template's code values in ``<code>``."""
    for template in TEMPLATES:
        found = template.pattern.fullmatch(message)
        if found:
            values = {k: _value(k, v, template, gettext) for k, v in found.groupdict().items()}
            return escape(gettext(template.text)) % values
    return escape(gettext(message))


def _value(key: str, value: str, template: Template, gettext: Callable[[str], str]) -> Any:
    if key in template.words:
        return gettext(value)
    if key not in template.codes:
        return value
    return Markup(", ").join(Markup("<code>{}</code>").format(v) for v in value.split(", "))
