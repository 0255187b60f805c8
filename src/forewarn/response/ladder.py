"""The escalation ladder and the roles file: configuration, loaded and validated once.

The ladder maps each alert level (lowest first, named as in the warning rules: watch,
warning, emergency by default) to the actions it opens; each action names its legal or
policy basis, the role that owns it, a deadline in working days and the action it escalates
to when missed. Deadlines skip weekends and the ladder's holidays (``numpy.busday_offset``).
Any problem in a file is a :class:`~forewarn.errors.ConfigError` naming the file and field.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from forewarn.config import Settings
from forewarn.errors import ConfigError, InvalidInput
from forewarn.inputs import parse_toml, read_toml

ROLES_ENV = "FOREWARN_ROLES_FILE"
MAX_DEADLINE_DAYS = 260
"""The longest deadline an action may have: a year of working days."""
LENGTHS = {"id": 64, "title": 300, "owner": 64, "outcome": 200, "level": 16}
"""Longest names the actions and alerts tables store."""


@dataclass(frozen=True)
class LadderAction:
    """One rung: what must be done, on what basis, by whom, within how many working days."""

    id: str
    title: str
    basis: str
    owner: str
    deadline_days: int
    escalates_to: str | None
    outcomes: tuple[str, ...]
    opens_on_veto_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calendar:
    """Working days: a numpy weekmask and a holiday list."""

    weekmask: str = "Mon Tue Wed Thu Fri"
    holidays: tuple[dt.date, ...] = ()

    @cached_property
    def _busdays(self) -> np.busdaycalendar:
        return np.busdaycalendar(weekmask=self.weekmask, holidays=list(self.holidays))

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``start`` (rolled forward first)."""
        day = np.busday_offset(start, days, roll="forward", busdaycal=self._busdays)
        result = day.astype(dt.date)
        assert isinstance(result, dt.date)
        return result


@dataclass(frozen=True)
class Ladder:
    """The whole ladder: levels (lowest first), actions by id, and the working-day calendar."""

    source: str
    cumulative: bool
    levels: Mapping[str, tuple[str, ...]]
    actions: Mapping[str, LadderAction]
    calendar: Calendar

    def actions_for(self, level: str) -> tuple[LadderAction, ...]:
        """The actions an alert at ``level`` opens (lower levels' too when cumulative)."""
        if level not in self.levels:
            raise ConfigError(f"{self.source}: no ladder level {level!r}")
        names = list(self.levels)
        chosen = names[: names.index(level) + 1] if self.cumulative else [level]
        return tuple(self.actions[a] for lv in chosen for a in self.levels[lv])

    def opened_by_veto_of(self, action_id: str) -> tuple[LadderAction, ...]:
        """The conditional actions that a veto blocking ``action_id`` opens: its blocked
        path, which an escalation into it also follows once it is blocked."""
        return tuple(a for a in self.actions.values() if action_id in a.opens_on_veto_of)

    def check_level(self, level: str) -> str:
        """``level`` if the ladder knows it; InvalidInput naming the levels otherwise."""
        if level not in self.levels:
            known = ", ".join(self.levels)
            raise InvalidInput(f"unknown level {level!r} (one of {known})", "level")
        return level

    def check_owner(self, owner: str) -> str:
        """``owner`` if it owns an action of the ladder; InvalidInput otherwise."""
        known = sorted({a.owner for a in self.actions.values()})
        if owner not in known:
            raise InvalidInput(f"unknown owner role {owner!r} (one of {', '.join(known)})", "owner")
        return owner

    def get(self, action_id: str) -> LadderAction:
        """The action ``action_id``; a ConfigError when the ladder has no such action."""
        try:
            return self.actions[action_id]
        except KeyError:
            raise ConfigError(f"{self.source}: no ladder action {action_id!r}") from None


# --- reading TOML with field-precise errors ---------------------------------------------------


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    return read_toml(path, ConfigError, f"{what} {path}")


class _Fields:
    """Typed access to one TOML table; every error names the file and the dotted field."""

    def __init__(self, source: str, table: Mapping[str, Any], where: str) -> None:
        self.source, self.table, self.where = source, table, where

    def fail(self, key: str, problem: str) -> ConfigError:
        field = ".".join(part for part in (self.where, key) if part)
        return ConfigError(f"{self.source}: field {field}: {problem}")

    def text(self, key: str, longest: int | None = None) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "required, a non-empty string")
        if longest is not None and len(value) > longest:
            raise self.fail(key, f"longer than {longest} characters")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.table else None

    def working_days(self, key: str) -> int:
        value = self.table.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(key, "required, a whole number of working days >= 1")
        if value > MAX_DEADLINE_DAYS:
            raise self.fail(
                key, f"{value} working days: more than {MAX_DEADLINE_DAYS} (a year) is no deadline"
            )
        return value

    def texts(self, key: str, required: bool = True, longest: int | None = None) -> tuple[str, ...]:
        value = self.table.get(key, None if required else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of non-empty strings")
        if (required or key in self.table) and not value:
            raise self.fail(key, "required, at least one entry")
        if longest is not None and any(len(v) > longest for v in value):
            raise self.fail(key, f"an entry is longer than {longest} characters")
        repeated = next((v for v in value if value.count(v) > 1), None)
        if repeated is not None:
            raise self.fail(key, f"{repeated!r} is listed twice")
        return tuple(value)

    def table_of(self, key: str) -> _Fields:
        value = self.table.get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "required, a table")
        return _Fields(self.source, value, f"{self.where}.{key}" if self.where else key)


_ACTION_KEYS = {
    "title",
    "basis",
    "owner",
    "deadline_days",
    "escalates_to",
    "outcomes",
    "opens_on_veto_of",
}


def _parse_action(fields: _Fields, action_id: str) -> LadderAction:
    unknown = sorted(set(fields.table) - _ACTION_KEYS)
    if unknown:
        raise fields.fail(unknown[0], f"unknown field (expected {', '.join(sorted(_ACTION_KEYS))})")
    if len(action_id) > LENGTHS["id"]:
        raise fields.fail("", f"an action id is at most {LENGTHS['id']} characters")
    return LadderAction(
        id=action_id,
        title=fields.text("title", LENGTHS["title"]),
        basis=fields.text("basis"),
        owner=fields.text("owner", LENGTHS["owner"]),
        deadline_days=fields.working_days("deadline_days"),
        escalates_to=fields.optional_text("escalates_to"),
        outcomes=fields.texts("outcomes", longest=LENGTHS["outcome"]),
        opens_on_veto_of=fields.texts("opens_on_veto_of", required=False),
    )


def _parse_calendar(root: _Fields) -> Calendar:
    if "calendar" not in root.table:
        return Calendar()
    fields = root.table_of("calendar")
    weekmask = fields.text("weekmask") if "weekmask" in fields.table else Calendar.weekmask
    holidays = fields.table.get("holidays", [])
    if not isinstance(holidays, list) or not all(
        isinstance(h, dt.date) and not isinstance(h, dt.datetime) for h in holidays
    ):
        raise fields.fail("holidays", "a list of TOML dates (e.g. 2025-12-25)")
    calendar = Calendar(weekmask=weekmask, holidays=tuple(sorted(holidays)))
    try:
        calendar.add_working_days(dt.date(2000, 1, 3), 1)
    except ValueError as exc:
        raise fields.fail("weekmask", f"not a numpy weekmask ({exc})") from exc
    return calendar


def _parse_levels(root: _Fields, actions: Mapping[str, LadderAction]) -> dict[str, tuple[str, ...]]:
    fields = root.table_of("levels")
    if not fields.table:
        raise fields.fail("", "must list at least one level, lowest first")
    levels = {level: fields.texts(level) for level in fields.table}
    for level, ids in levels.items():
        if len(level) > LENGTHS["level"]:
            raise fields.fail(level, f"a level name is at most {LENGTHS['level']} characters")
        for action_id in ids:
            if action_id not in actions:
                raise fields.fail(level, f"unknown action {action_id!r}")
    return levels


def _check_cumulative(root: _Fields, levels: Mapping[str, tuple[str, ...]]) -> None:
    """With cumulative levels, an action listed at two levels would be opened twice."""
    seen: dict[str, str] = {}
    for level, ids in levels.items():
        for action_id in ids:
            if action_id in seen:
                where = _Fields(root.source, {}, "levels")
                raise where.fail(
                    level,
                    f"{action_id!r} is already opened at level {seen[action_id]!r} "
                    "(levels are cumulative)",
                )
            seen[action_id] = level


def _check_links(root: _Fields, actions: Mapping[str, LadderAction]) -> None:
    for action in actions.values():
        where = _Fields(root.source, {}, f"actions.{action.id}")
        if action.escalates_to is not None and action.escalates_to not in actions:
            raise where.fail("escalates_to", f"unknown action {action.escalates_to!r}")
        for target in action.opens_on_veto_of:
            if target not in actions:
                raise where.fail("opens_on_veto_of", f"unknown action {target!r}")
            if target == action.id:
                raise where.fail("opens_on_veto_of", "an action cannot open on its own veto")


def _edges(actions: Mapping[str, LadderAction]) -> dict[str, list[tuple[str, str]]]:
    """Where each action can lead: ``(field, next action)`` for its escalation and for
    its blocked path (the actions a veto of it opens, which escalation follows too)."""
    edges: dict[str, list[tuple[str, str]]] = {a: [] for a in actions}
    for action in actions.values():
        if action.escalates_to is not None:
            edges[action.id].append(("escalates_to", action.escalates_to))
        for vetoed in action.opens_on_veto_of:
            edges[vetoed].append(("blocked path", action.id))
    return edges


def _check_loops(root: _Fields, actions: Mapping[str, LadderAction]) -> None:
    """The ladder is a graph without cycles: escalations and blocked paths always lead on."""
    edges, done = _edges(actions), set[str]()
    for start in actions:
        path, stack = [start], [iter(edges[start])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                done.add(path.pop())
                stack.pop()
                continue
            target = step[1]
            if target in path:
                loop = " -> ".join([*path[path.index(target) :], target])
                field = step[0] if step[0] == "escalates_to" else "opens_on_veto_of"
                culprit = path[-1] if field == "escalates_to" else target
                where = _Fields(root.source, {}, f"actions.{culprit}")
                raise where.fail(field, f"escalation loops back to {target!r} ({loop})")
            if target not in done:
                path.append(target)
                stack.append(iter(edges[target]))


def _check_reachable(
    root: _Fields, actions: Mapping[str, LadderAction], levels: Mapping[str, tuple[str, ...]]
) -> None:
    """Every action can be opened: by a level, an escalation or a veto."""
    edges = _edges(actions)
    reached = {a for ids in levels.values() for a in ids}
    todo = list(reached)
    while todo:
        for _, target in edges[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for action_id in actions:
        if action_id not in reached:
            where = _Fields(root.source, {}, "actions")
            raise where.fail(
                action_id,
                "never opened: no level lists it and nothing opened by a level "
                "escalates to it or opens it on a veto",
            )


_TOP_KEYS = {"ladder": {"cumulative"}, "calendar": {"weekmask", "holidays"}}


def _check_keys(root: _Fields) -> None:
    for key, value in root.table.items():
        if key not in {"levels", "actions", *_TOP_KEYS}:
            raise root.fail(key, "unknown table (expected ladder, calendar, levels, actions)")
        if key in _TOP_KEYS and not isinstance(value, dict):
            raise root.fail(key, "required, a table")
        for sub in value if key in _TOP_KEYS else ():
            if sub not in _TOP_KEYS[key]:
                raise root.fail(f"{key}.{sub}", "unknown field")


def parse_ladder(data: Mapping[str, Any], source: str) -> Ladder:
    """Validate a parsed ladder TOML document; ``source`` names it in errors.

    Besides each field, the ladder is checked as a graph: every escalation target and
    vetoed action exists, no chain of escalations and blocked paths loops back, every
    action can be opened, and with cumulative levels no action is listed twice."""
    root = _Fields(source, data, "")
    table = root.table_of("actions")
    actions = {
        action_id: _parse_action(table.table_of(action_id), action_id) for action_id in table.table
    }
    _check_links(root, actions)
    _check_loops(root, actions)
    levels = _parse_levels(root, actions)
    _check_keys(root)
    cumulative = data.get("ladder", {}).get("cumulative", True)
    if not isinstance(cumulative, bool):
        raise root.fail("ladder.cumulative", "true or false")
    if cumulative:
        _check_cumulative(root, levels)
    _check_reachable(root, actions, levels)
    return Ladder(source, cumulative, levels, actions, _parse_calendar(root))


def load_ladder(settings: Settings) -> Ladder:
    """The ladder in ``settings.ladder_file``, or the packaged default."""
    if settings.ladder_file is not None:
        path = settings.ladder_file
        return parse_ladder(_read_toml(path, "ladder file"), f"ladder file {path}")
    text = resources.files("forewarn.response").joinpath("ladder.toml").read_text("utf-8")
    return parse_ladder(
        parse_toml(text, ConfigError, "packaged ladder.toml"), "packaged ladder.toml"
    )


# --- roles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    """Which roles each user holds."""

    source: str
    users: Mapping[str, frozenset[str]]

    def of(self, user: str) -> frozenset[str]:
        """The roles ``user`` holds (none for an unknown user)."""
        return self.users.get(user, frozenset())


def roles_file() -> Path | None:
    """The roles file named by ``FOREWARN_ROLES_FILE``, if any."""
    value = os.environ.get(ROLES_ENV)
    return Path(value) if value else None


def parse_roles(data: Mapping[str, Any], source: str) -> Roles:
    """Validate a parsed roles TOML document: ``[users] name = ["role", ...]``."""
    root = _Fields(source, data, "")
    for key in data:
        if key != "users":
            raise root.fail(key, "unknown table (expected [users])")
    fields = root.table_of("users")
    return Roles(source, {user: frozenset(fields.texts(user)) for user in fields.table})


def check_roles(roles: Roles, ladder: Ladder) -> None:
    """Refuse a roles file naming a role that owns no action of the ladder (a typo would
    leave that user unable to act, silently)."""
    known = sorted({a.owner for a in ladder.actions.values()})
    for user, held in roles.users.items():
        for role in sorted(held - set(known)):
            raise ConfigError(
                f"{roles.source}: field users.{user}: role {role!r} owns no action of "
                f"{ladder.source} (its roles: {', '.join(known)})"
            )


def load_roles(path: Path | None = None) -> Roles:
    """The roles in ``path`` (default: ``FOREWARN_ROLES_FILE``, else the packaged file)."""
    path = path or roles_file()
    if path is not None:
        return parse_roles(_read_toml(path, "roles file"), f"roles file {path}")
    text = resources.files("forewarn.response").joinpath("roles.toml").read_text("utf-8")
    return parse_roles(parse_toml(text, ConfigError, "packaged roles.toml"), "packaged roles.toml")
