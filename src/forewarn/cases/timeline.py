"""Sourced historical case timelines: typed loader and validator for ``cases/data/*.toml``.

Each case file holds one ``[case]`` table and a list of ``[[event]]`` tables. Every event
must name the document or publication it rests on (``source``); a file that breaks the
schema raises :class:`CaseFileError` with a one-line message naming the file, the event
index and the field.

Every decision (kinds ``decision``, ``deployment`` and ``withdrawal``) says whether it is a
*protective decision* — whether it authorises the protection of civilians, or force to
protect them — in ``protective`` (true or false), with the document and paragraph that
show it in ``protective_source``. Only protective decisions count in a replay's "days to a
protective decision". ``inaction = true`` marks any other event recorded as a failure to
act on a warning (a refusal, a demand without enforcement); vetoes, cuts and bare
statements are inaction by their kind.

Dates are ISO ``YYYY-MM-DD``. Where only the month is sourced, a file may write
``YYYY-MM``: the event is then dated to the first of the month and carries
``date_precision = "month"`` so no day is asserted that the sources do not give.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forewarn.errors import DataError
from forewarn.inputs import read_toml

DATA_DIR = Path(__file__).with_name("data")

KINDS = frozenset(
    {"warning", "decision", "veto", "violence", "deployment", "statement", "withdrawal", "report"}
)
KIND_ALIASES = {"cut": "withdrawal"}
PERMANENT_MEMBERS = frozenset({"CHN", "FRA", "GBR", "RUS", "USA"})

DECISION_KINDS = frozenset({"decision", "deployment", "withdrawal"})
"""Kinds whose events must say whether they are protective decisions."""

CASE_KEYS = frozenset({"id", "title", "country_iso3", "ccode", "onset_year", "summary"})
EVENT_KEYS = frozenset(
    {"date", "kind", "title", "source", "detail", "protective", "protective_source",
     "inaction", "vetoed_by", "vote"}
)  # fmt: skip

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_ISO3 = re.compile(r"[A-Z]{3}")
_VOTE = re.compile(r"\d{1,2}-\d{1,2}-\d{1,2}")


class CaseFileError(DataError):
    """A case file is missing, unreadable or breaks the schema (names file, event, field)."""


@dataclass(frozen=True)
class Event:
    """One dated, sourced event in a case timeline."""

    date: dt.date
    kind: str
    title: str
    source: str
    detail: str = ""
    protective: bool | None = None
    """For a decision: whether it authorises the protection of civilians, or force to
    protect them (None for events that are not decisions)."""
    protective_source: str = ""
    """The document (and paragraph) that shows ``protective``."""
    inaction: bool = False
    vetoed_by: tuple[str, ...] = ()
    vote: str | None = None
    date_precision: str = "day"


@dataclass(frozen=True)
class Case:
    """A historical case: metadata plus its events sorted by date."""

    id: str
    title: str
    country_iso3: str
    ccode: int
    onset_year: int
    summary: str
    events: tuple[Event, ...]

    def events_of_kind(self, kind: str) -> tuple[Event, ...]:
        """The events of one kind, in date order."""
        return tuple(e for e in self.events if e.kind == kind)


def list_cases() -> list[str]:
    """Ids of the bundled cases (the stems of ``cases/data/*.toml``), sorted."""
    return sorted(p.stem for p in DATA_DIR.glob("*.toml"))


def load_case(case_id_or_path: str | Path) -> Case:
    """Load and validate a bundled case by id, or any case file by path."""
    path = _resolve(case_id_or_path)
    raw = _read_toml(path)
    return _parse_case(raw, path)


def _resolve(case_id_or_path: str | Path) -> Path:
    text = str(case_id_or_path)
    looks_like_path = isinstance(case_id_or_path, Path) or text.endswith(".toml") or "/" in text
    path = Path(text) if looks_like_path else DATA_DIR / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(list_cases())
        raise CaseFileError(f"{path}: no such case file (bundled cases: {known})")
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, CaseFileError)


def _parse_case(raw: dict[str, Any], path: Path) -> Case:
    unknown = set(raw) - {"case", "event"}
    if unknown:
        raise CaseFileError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    head = raw.get("case")
    if not isinstance(head, dict):
        raise CaseFileError(f"{path}: [case]: missing table")
    _check_keys(head, CASE_KEYS, f"{path}: [case]")
    case_id = _text(head, "id", f"{path}: [case]")
    if case_id != path.stem:
        raise CaseFileError(f"{path}: [case].id: {case_id!r} does not match file name")
    iso3 = _text(head, "country_iso3", f"{path}: [case]")
    if not _ISO3.fullmatch(iso3):
        raise CaseFileError(f"{path}: [case].country_iso3: {iso3!r} is not an ISO3 code")
    return Case(
        id=case_id,
        title=_text(head, "title", f"{path}: [case]"),
        country_iso3=iso3,
        ccode=_integer(head, "ccode", f"{path}: [case]"),
        onset_year=_integer(head, "onset_year", f"{path}: [case]"),
        summary=_text(head, "summary", f"{path}: [case]"),
        events=_parse_events(raw.get("event"), path),
    )


def _parse_events(raw_events: Any, path: Path) -> tuple[Event, ...]:
    if not isinstance(raw_events, list) or not raw_events:
        raise CaseFileError(f"{path}: [[event]]: at least one event is required")
    events = [_parse_event(item, f"{path}: event[{i}]") for i, item in enumerate(raw_events)]
    return tuple(sorted(events, key=lambda e: e.date))


def _parse_event(item: Any, where: str) -> Event:
    if not isinstance(item, dict):
        raise CaseFileError(f"{where}: not a table")
    _check_keys(item, EVENT_KEYS, where)
    date, precision = _date(item.get("date"), f"{where}.date")
    kind = _kind(item.get("kind"), f"{where}.kind")
    vetoed_by = _vetoed_by(item.get("vetoed_by", []), kind, f"{where}.vetoed_by")
    protective, protective_source = _protection(item, kind, where)
    return Event(
        date=date,
        kind=kind,
        title=_text(item, "title", where),
        source=_text(item, "source", where),
        detail=_optional_text(item, "detail", where),
        protective=protective,
        protective_source=protective_source,
        inaction=bool(_optional_bool(item, "inaction", where)),
        vetoed_by=vetoed_by,
        vote=_vote(item.get("vote"), f"{where}.vote"),
        date_precision=precision,
    )


def _protection(item: dict[str, Any], kind: str, where: str) -> tuple[bool | None, str]:
    """``protective`` and its source: required of decisions, refused on other events."""
    protective = _optional_bool(item, "protective", where)
    if kind not in DECISION_KINDS:
        if protective is not None or "protective_source" in item:
            raise CaseFileError(f"{where}.protective: only decisions ({kind!r} is not one) say "
                                "whether they are protective")  # fmt: skip
        return None, ""
    if protective is None:
        raise CaseFileError(f"{where}.protective: a {kind} must say whether it authorises the "
                            "protection of civilians (true or false)")  # fmt: skip
    return protective, _text(item, "protective_source", where)


def _check_keys(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise CaseFileError(f"{where}: unknown field(s) {sorted(unknown)}")


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CaseFileError(f"{where}.{key}: missing or empty")
    return value.strip()


def _optional_text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise CaseFileError(f"{where}.{key}: must be a string")
    return value.strip()


def _integer(table: dict[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseFileError(f"{where}.{key}: missing or not an integer")
    return value


def _optional_bool(table: dict[str, Any], key: str, where: str) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        raise CaseFileError(f"{where}.{key}: must be true or false")
    return value


def _date(value: Any, where: str) -> tuple[dt.date, str]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value, "day"
    text = value if isinstance(value, str) else ""
    try:
        if _DAY.fullmatch(text):
            return dt.date.fromisoformat(text), "day"
        if _MONTH.fullmatch(text):
            return dt.date.fromisoformat(f"{text}-01"), "month"
    except ValueError:
        pass
    raise CaseFileError(f"{where}: {value!r} is not a date (YYYY-MM-DD, or YYYY-MM)")


def _kind(value: Any, where: str) -> str:
    kind = KIND_ALIASES.get(value, value) if isinstance(value, str) else value
    if kind not in KINDS:
        raise CaseFileError(f"{where}: unknown kind {value!r} (expected one of {sorted(KINDS)})")
    return str(kind)


def _vetoed_by(value: Any, kind: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseFileError(f"{where}: must be a list of ISO3 codes")
    members = tuple(value)
    if kind == "veto" and not members:
        raise CaseFileError(f"{where}: a veto must name the vetoing member(s)")
    if kind != "veto" and members:
        raise CaseFileError(f"{where}: only veto events may name vetoing members")
    strangers = sorted(set(members) - PERMANENT_MEMBERS)
    if strangers:
        raise CaseFileError(f"{where}: {strangers} are not permanent members")
    return members


def _vote(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _VOTE.fullmatch(value):
        raise CaseFileError(f"{where}: {value!r} is not a vote like '10-0-5'")
    return value
