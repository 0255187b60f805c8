"""Display names in messages: alert levels, ladder roles, events (translated when rendered).

The level and role names are the briefs' and dashboard's (one catalogue entry each)."""

from __future__ import annotations

from collections.abc import Mapping

from forewarn.i18n import N_

LEVELS: Mapping[str, str] = {
    "watch": N_("Watch"),
    "warning": N_("Warning"),
    "emergency": N_("Emergency"),
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
STATES: Mapping[str, str] = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "done": N_("done"),
    "refused": N_("refused"),
    "blocked": N_("blocked"),
    "overdue": N_("overdue"),
    "escalated": N_("escalated"),
}


def name(table: Mapping[str, str], code: str | None) -> str:
    """The display name of ``code`` (untranslated), or the code itself."""
    return table.get(code, code) if code else ""
