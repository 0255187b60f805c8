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
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from forewarn.config import Settings
from forewarn.errors import ConfigError

ROLES_ENV = "FOREWARN_ROLES_FILE"


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
        """The conditional actions that a veto blocking ``action_id`` opens."""
        return tuple(a for a in self.actions.values() if action_id in a.opens_on_veto_of)

    def get(self, action_id: str) -> LadderAction:
        """The action ``action_id``; a ConfigError when the ladder has no such action."""
        try:
            return self.actions[action_id]
        except KeyError:
            raise ConfigError(f"{self.source}: no ladder action {action_id!r}") from None


# --- reading TOML with field-precise errors ---------------------------------------------------


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path}: not valid TOML ({exc})") from exc


class _Fields:
    """Typed access to one TOML table; every error names the file and the dotted field."""

    def __init__(self, source: str, table: Mapping[str, Any], where: str) -> None:
        self.source, self.table, self.where = source, table, where

    def fail(self, key: str, problem: str) -> ConfigError:
        field = ".".join(part for part in (self.where, key) if part)
        return ConfigError(f"{self.source}: field {field}: {problem}")

    def text(self, key: str) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "required, a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.table else None

    def positive_int(self, key: str) -> int:
        value = self.table.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(key, "required, a whole number of working days >= 1")
        return value

    def texts(self, key: str, required: bool = True) -> tuple[str, ...]:
        value = self.table.get(key, None if required else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of non-empty strings")
        if required and not value:
            raise self.fail(key, "required, at least one entry")
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
        raise fields.fail(unknown[0], "unknown field")
    return LadderAction(
        id=action_id,
        title=fields.text("title"),
        basis=fields.text("basis"),
        owner=fields.text("owner"),
        deadline_days=fields.positive_int("deadline_days"),
        escalates_to=fields.optional_text("escalates_to"),
        outcomes=fields.texts("outcomes"),
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
        for action_id in ids:
            if action_id not in actions:
                raise fields.fail(level, f"unknown action {action_id!r}")
    return levels


def _check_links(root: _Fields, actions: Mapping[str, LadderAction]) -> None:
    for action in actions.values():
        where = _Fields(root.source, {}, f"actions.{action.id}")
        if action.escalates_to is not None and action.escalates_to not in actions:
            raise where.fail("escalates_to", f"unknown action {action.escalates_to!r}")
        for target in action.opens_on_veto_of:
            if target not in actions:
                raise where.fail("opens_on_veto_of", f"unknown action {target!r}")


def _check_loops(root: _Fields, actions: Mapping[str, LadderAction]) -> None:
    for action in actions.values():
        seen, step = {action.id}, action.escalates_to
        while step is not None:
            if step in seen:
                where = _Fields(root.source, {}, f"actions.{action.id}")
                raise where.fail("escalates_to", f"escalation loops back to {step!r}")
            seen.add(step)
            step = actions[step].escalates_to


def parse_ladder(data: Mapping[str, Any], source: str) -> Ladder:
    """Validate a parsed ladder TOML document; ``source`` names it in errors."""
    root = _Fields(source, data, "")
    table = root.table_of("actions")
    actions = {
        action_id: _parse_action(table.table_of(action_id), action_id) for action_id in table.table
    }
    _check_links(root, actions)
    _check_loops(root, actions)
    levels = _parse_levels(root, actions)
    cumulative = data.get("ladder", {}).get("cumulative", True)
    if not isinstance(cumulative, bool):
        raise root.fail("ladder.cumulative", "true or false")
    return Ladder(source, cumulative, levels, actions, _parse_calendar(root))


def load_ladder(settings: Settings) -> Ladder:
    """The ladder in ``settings.ladder_file``, or the packaged default."""
    if settings.ladder_file is not None:
        path = settings.ladder_file
        return parse_ladder(_read_toml(path, "ladder file"), f"ladder file {path}")
    text = resources.files("forewarn.response").joinpath("ladder.toml").read_text("utf-8")
    return parse_ladder(tomllib.loads(text), "packaged ladder.toml")


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
    fields = _Fields(source, data, "").table_of("users")
    return Roles(source, {user: frozenset(fields.texts(user)) for user in fields.table})


def load_roles(path: Path | None = None) -> Roles:
    """The roles in ``path`` (default: ``FOREWARN_ROLES_FILE``, else the packaged file)."""
    path = path or roles_file()
    if path is not None:
        return parse_roles(_read_toml(path, "roles file"), f"roles file {path}")
    text = resources.files("forewarn.response").joinpath("roles.toml").read_text("utf-8")
    return parse_roles(tomllib.loads(text), "packaged roles.toml")
