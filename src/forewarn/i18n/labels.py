"""Display names of the codes people read (alert levels, action states, ladder roles,
judgements), one catalogue entry each for the briefs, the dashboard and the messages.

Each name is marked for translation with ``N_`` and translated where it is shown; a code
without a name here (a level or role of a user's own rules or ladder) is shown as is.
"""

from __future__ import annotations

from collections.abc import Mapping

from forewarn.i18n import N_

LEVELS: Mapping[str, str] = {
    "watch": N_("Watch"),
    "warning": N_("Warning"),
    "emergency": N_("Emergency"),
}
STATES: Mapping[str, str] = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "done": N_("done"),
    "refused": N_("refused"),
    "blocked": N_("blocked"),
    "overdue": N_("overdue"),
    "escalated": N_("escalated"),
}
ROLES: Mapping[str, str] = {
    "analyst": N_("Early-warning analyst"),
    "head_of_unit": N_("Head of the early-warning unit"),
    "political_affairs": N_("Political affairs (mediation support)"),
    "special_adviser": N_("Special Adviser on the Prevention of Genocide"),
    "secretary_general": N_("Secretary-General"),
    "peace_operations": N_("Peace operations"),
    "ga_president": N_("President of the General Assembly"),
}
JUDGEMENTS: Mapping[str, str] = {
    "absent": N_("absent"),
    "present-weak": N_("present (weak)"),
    "present-strong": N_("present (strong)"),
    "unknown": N_("unknown"),
}


def name(table: Mapping[str, str], code: str | None) -> str:
    """The display name of ``code`` (untranslated), or the code itself."""
    if code is None:
        return ""
    return table.get(code, code)
