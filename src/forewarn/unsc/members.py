"""UN Security Council membership by date, read from the packaged ``data/members.toml``.

The data file records, each with its sources: the composition rule (11 members and seven
votes until 31 December 1965, 15 members and nine votes from 1 January 1966), the holders
of the five permanent seats (the Republic of China until 25 October 1971, then the
People's Republic; the USSR until 24 December 1991, then the Russian Federation) and the
elected members of every calendar year from 1946 to 2026.

``council_on(date)`` gives the Council sitting on a date; ``resolve_member(name, date)``
turns a name, alias or ISO code into the member seated on that date ("China" is whoever
held China's seat; "Russia" in 1980 is an error, "USSR" resolves). Every failure raises
``UnscError`` with a one-line message.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from forewarn.errors import DataError

__all__ = [
    "Composition",
    "Council",
    "ElectedYear",
    "Member",
    "MembershipData",
    "SeatHolding",
    "UnscError",
    "council_on",
    "load_members",
    "normalize_name",
    "resolve_member",
]

_PACKAGE = "forewarn.unsc"
_CODE = re.compile(r"[A-Z]{3}")
_SCHEMA = 1
_PERMANENT_SEATS = 5


class UnscError(DataError):
    """A Security Council lookup or vote failed, or a data or vote file is invalid (one line).

    A :class:`~forewarn.errors.DataError`, so the CLI reports it in one line with exit code 2.
    """


@dataclass(frozen=True, slots=True)
class Member:
    """A state that has sat on the Council.

    ``code`` is its ISO 3166-1 alpha-3 code, or the historic ISO 3166 code of a dissolved
    state (``SUN``, ``YUG``, ``CSK``, ``DDR``); ``TWN`` identifies the Republic of China.
    """

    code: str
    name: str
    aliases: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Composition:
    """Size and voting threshold in force from ``start`` until ``end`` (exclusive)."""

    start: date
    end: date | None
    size: int
    elected_seats: int
    votes_required: int
    sources: tuple[str, ...]
    note: str | None = None

    def covers(self, on: date) -> bool:
        """True if the rule applies on ``on``."""
        return self.start <= on and (self.end is None or on < self.end)


@dataclass(frozen=True, slots=True)
class SeatHolding:
    """One state's tenure of a permanent seat, from ``start`` until ``end`` (exclusive)."""

    seat: str
    code: str
    start: date
    end: date | None
    sources: tuple[str, ...]

    def covers(self, on: date) -> bool:
        """True if this state held the seat on ``on``."""
        return self.start <= on and (self.end is None or on < self.end)


@dataclass(frozen=True, slots=True)
class ElectedYear:
    """The elected (non-permanent) members of one calendar year."""

    year: int
    codes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Council:
    """The Council sitting on ``on``: its members and the Art. 27 vote threshold."""

    on: date
    permanent: tuple[Member, ...]
    elected: tuple[Member, ...]
    size: int
    votes_required: int

    @property
    def members(self) -> tuple[Member, ...]:
        """Permanent members first, then elected members."""
        return self.permanent + self.elected

    def has(self, code: str) -> bool:
        """True if the state with ISO code ``code`` sits on the Council."""
        return any(member.code == code for member in self.members)

    def is_permanent(self, code: str) -> bool:
        """True if the state with ISO code ``code`` holds a permanent seat."""
        return any(member.code == code for member in self.permanent)


@dataclass(frozen=True, slots=True, eq=False)
class MembershipData:
    """Everything in ``members.toml``, validated."""

    first_date: date
    last_date: date
    sources: Mapping[str, str]
    states: Mapping[str, Member]
    compositions: tuple[Composition, ...]
    seats: tuple[SeatHolding, ...]
    elected: Mapping[int, ElectedYear]
    aliases: Mapping[str, tuple[str, ...]]

    def composition_on(self, on: date) -> Composition:
        """The composition rule in force on ``on`` (``on`` must be within the data)."""
        return next(rule for rule in self.compositions if rule.covers(on))

    def council_on(self, on: date) -> Council:
        """The Council sitting on ``on``; UnscError outside the recorded period."""
        self._check_covered(on)
        rule = self.composition_on(on)
        permanent = tuple(self.states[h.code] for h in self.seats if h.covers(on))
        elected = tuple(self.states[code] for code in self.elected[on.year].codes)
        return Council(on, permanent, elected, rule.size, rule.votes_required)

    def resolve(self, name: str, on: date) -> Member:
        """The member called ``name`` (name, alias or code) seated on ``on``."""
        council = self.council_on(on)
        if not isinstance(name, str):
            raise UnscError(f"a member name must be a string, got {type(name).__name__}")
        codes = self.aliases.get(normalize_name(name), ())
        if not codes:
            raise UnscError(
                f"unknown Security Council member {name!r}: no state of that name"
                " has sat on the Council"
            )
        seated = [code for code in codes if council.has(code)]
        if len(seated) == 1:
            return self.states[seated[0]]
        states = ", ".join(self.states[code].name for code in codes)
        if seated:
            raise UnscError(f"{name!r} is ambiguous on {on.isoformat()}: {states}")
        who = (
            f"{name!r}"
            if normalize_name(name) == normalize_name(states)
            else (f"{name!r} ({states})")
        )
        raise UnscError(f"{who} was not a member of the Security Council on {on.isoformat()}")

    def _check_covered(self, on: date) -> None:
        if not self.first_date <= on <= self.last_date:
            raise UnscError(
                f"no Security Council membership recorded for {on.isoformat()}"
                f" (data cover {self.first_date} to {self.last_date})"
            )


def load_members(path: Path | None = None) -> MembershipData:
    """Read and validate the membership file (the packaged one, cached, if ``path`` is None)."""
    if path is None:
        return _packaged()
    return _load(path, str(path))


def council_on(on: date) -> Council:
    """The Council (packaged data) sitting on ``on``."""
    return load_members().council_on(_as_date(on))


def resolve_member(name: str, on: date) -> Member:
    """The member called ``name`` seated on ``on``; UnscError if unknown or not seated."""
    return load_members().resolve(name, _as_date(on))


def normalize_name(name: str) -> str:
    """Case-, accent-, punctuation- and article-insensitive key for matching names."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = text.replace(".", "").replace("-", " ")
    text = " ".join(text.split())
    return text.removeprefix("the ")


def _as_date(on: date) -> date:
    if isinstance(on, datetime):
        return on.date()
    if not isinstance(on, date):
        raise UnscError(f"expected a date, got {type(on).__name__}")
    return on


@lru_cache(maxsize=1)
def _packaged() -> MembershipData:
    source = resources.files(_PACKAGE) / "data" / "members.toml"
    return _load(source, "forewarn/unsc/data/members.toml")


def _load(source: Traversable | Path, label: str) -> MembershipData:
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnscError(f"{label}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UnscError(f"{label}: invalid TOML: {exc}") from exc
    return _Parser(label).parse(raw)


class _Parser:
    """Builds ``MembershipData`` from the decoded TOML, raising one-line UnscErrors."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.sources: Mapping[str, str] = {}

    def fail(self, where: str, problem: str) -> UnscError:
        return UnscError(f"{self.label}: {where}: {problem}")

    def parse(self, raw: Mapping[str, Any]) -> MembershipData:
        if raw.get("schema") != _SCHEMA:
            raise self.fail("schema", f"expected {_SCHEMA}, got {raw.get('schema')!r}")
        first = self.date_field(raw, "first_date", "header")
        last = self.date_field(raw, "last_date", "header")
        self.sources = self.parse_sources(raw.get("sources"))
        states = self.parse_states(raw.get("state"))
        compositions = self.parse_compositions(raw.get("composition"), first)
        seats = self.parse_seats(raw.get("permanent_seat"), states, first)
        elected = self.parse_elected(raw.get("elected_year"), states, first, last)
        data = MembershipData(
            first,
            last,
            MappingProxyType(dict(self.sources)),
            MappingProxyType(states),
            compositions,
            seats,
            MappingProxyType(elected),
            _alias_index(states.values()),
        )
        self.check_years(data)
        self.check_aliases(data)
        return data

    # -- fields -----------------------------------------------------------------------

    def date_field(self, table: Mapping[str, Any], key: str, where: str) -> date:
        value = table.get(key)
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.fail(where, f"field {key!r} must be a TOML date, got {value!r}")
        return value

    def optional_date(self, table: Mapping[str, Any], key: str, where: str) -> date | None:
        return None if key not in table else self.date_field(table, key, where)

    def int_field(self, table: Mapping[str, Any], key: str, where: str) -> int:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(where, f"field {key!r} must be a non-negative integer")
        return value

    def text_field(self, table: Mapping[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"field {key!r} must be a non-empty string")
        return value

    def optional_text(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        return None if key not in table else self.text_field(table, key, where)

    def strings(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, f"field {key!r} must be a list of non-empty strings")
        return tuple(value)

    def source_keys(self, table: Mapping[str, Any], where: str) -> tuple[str, ...]:
        keys = self.strings(table.get("sources"), where, "sources")
        if not keys:
            raise self.fail(where, "no source given")
        for key in keys:
            if key not in self.sources:
                raise self.fail(where, f"unknown source key {key!r}")
        return keys

    def tables(self, value: Any, name: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
            raise self.fail(name, "expected a non-empty array of tables")
        return value

    # -- sections ---------------------------------------------------------------------

    def parse_sources(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not value:
            raise self.fail("sources", "expected a non-empty table")
        for key, text in value.items():
            if not isinstance(text, str) or not text.strip():
                raise self.fail("sources", f"source {key!r} must be a non-empty string")
        return dict(value)

    def parse_states(self, value: Any) -> dict[str, Member]:
        states: dict[str, Member] = {}
        for table in self.tables(value, "state"):
            code = self.text_field(table, "code", "state")
            where = f"state {code}"
            if not _CODE.fullmatch(code):
                raise self.fail(where, "code must be three capital letters")
            if code in states:
                raise self.fail(where, "duplicate code")
            note = self.optional_text(table, "note", where)
            aliases = self.strings(table.get("aliases", []), where, "aliases")
            states[code] = Member(code, self.text_field(table, "name", where), aliases, note)
        return states

    def parse_compositions(self, value: Any, first: date) -> tuple[Composition, ...]:
        rules: list[Composition] = []
        for table in self.tables(value, "composition"):
            where = f"composition {len(rules) + 1}"
            rule = Composition(
                self.date_field(table, "start", where),
                self.optional_date(table, "end", where),
                self.int_field(table, "size", where),
                self.int_field(table, "elected_seats", where),
                self.int_field(table, "votes_required", where),
                self.source_keys(table, where),
                self.optional_text(table, "note", where),
            )
            if rule.size != _PERMANENT_SEATS + rule.elected_seats:
                raise self.fail(where, "size must equal 5 permanent plus the elected seats")
            if not 0 < rule.votes_required <= rule.size:
                raise self.fail(where, "votes_required must be between 1 and the size")
            rules.append(rule)
        self.check_chain([(r.start, r.end) for r in rules], first, "composition")
        return tuple(rules)

    def parse_seats(
        self, value: Any, states: Mapping[str, Member], first: date
    ) -> tuple[SeatHolding, ...]:
        seats = self.tables(value, "permanent_seat")
        if len(seats) != _PERMANENT_SEATS:
            raise self.fail("permanent_seat", f"expected 5 seats, found {len(seats)}")
        holdings: list[SeatHolding] = []
        for table in seats:
            seat = self.text_field(table, "seat", "permanent_seat")
            where = f"permanent_seat {seat!r}"
            chain = [
                self.parse_holding(h, seat, states)
                for h in self.tables(table.get("holder"), f"{where} holder")
            ]
            self.check_chain([(h.start, h.end) for h in chain], first, where)
            holdings.extend(chain)
        return tuple(holdings)

    def parse_holding(
        self, table: Mapping[str, Any], seat: str, states: Mapping[str, Member]
    ) -> SeatHolding:
        code = self.text_field(table, "code", f"permanent_seat {seat!r}")
        where = f"permanent_seat {seat!r} holder {code}"
        if code not in states:
            raise self.fail(where, "code has no [[state]] entry")
        return SeatHolding(
            seat,
            code,
            self.date_field(table, "start", where),
            self.optional_date(table, "end", where),
            self.source_keys(table, where),
        )

    def parse_elected(
        self, value: Any, states: Mapping[str, Member], first: date, last: date
    ) -> dict[int, ElectedYear]:
        years: dict[int, ElectedYear] = {}
        for table in self.tables(value, "elected_year"):
            year = self.int_field(table, "year", "elected_year")
            where = f"elected_year {year}"
            codes = self.strings(table.get("members"), where, "members")
            unknown = [code for code in codes if code not in states]
            if unknown:
                raise self.fail(where, f"no [[state]] entry for {', '.join(unknown)}")
            if len(set(codes)) != len(codes) or year in years:
                raise self.fail(where, "duplicate member or duplicate year")
            years[year] = ElectedYear(year, codes, self.source_keys(table, where))
        missing = [y for y in range(first.year, last.year + 1) if y not in years]
        if missing:
            raise self.fail("elected_year", f"no list for {missing[0]}")
        return years

    # -- cross-checks -----------------------------------------------------------------

    def check_chain(self, spans: list[tuple[date, date | None]], first: date, where: str) -> None:
        """Spans must start by ``first``, follow each other without gap, and end open."""
        if spans[0][0] > first:
            raise self.fail(where, f"first span starts after {first}")
        for (_, end), (start, _) in pairwise(spans):
            if end != start:
                raise self.fail(where, f"spans must be contiguous ({end} then {start})")
        if spans[-1][1] is not None:
            raise self.fail(where, "last span must be open-ended")

    def check_years(self, data: MembershipData) -> None:
        """Each year's list has as many members as the rule has seats, none permanent."""
        for year, listed in data.elected.items():
            for on in (date(year, 1, 1), date(year, 12, 31)):
                seats = data.composition_on(on).elected_seats
                if len(listed.codes) != seats:
                    raise self.fail(
                        f"elected_year {year}",
                        f"expected {seats} members on {on}, found {len(listed.codes)}",
                    )
                permanent = {h.code for h in data.seats if h.covers(on)}
                if permanent & set(listed.codes):
                    raise self.fail(f"elected_year {year}", "lists a permanent member")

    def check_aliases(self, data: MembershipData) -> None:
        """No two members sitting together may share a name or alias."""
        for on in _breakpoints(data):
            seen: dict[str, str] = {}
            for member in data.council_on(on).members:
                for key in _keys(member):
                    other = seen.setdefault(key, member.code)
                    if other != member.code:
                        raise self.fail(
                            f"state {member.code}",
                            f"alias {key!r} also names {other}, seated with it on {on}",
                        )


def _keys(member: Member) -> set[str]:
    return {normalize_name(n) for n in (member.code, member.name, *member.aliases)}


def _alias_index(members: Iterable[Member]) -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for member in members:
        for key in _keys(member):
            index.setdefault(key, []).append(member.code)
    return MappingProxyType({key: tuple(codes) for key, codes in index.items()})


def _breakpoints(data: MembershipData) -> list[date]:
    """Every date on which the Council's composition can change."""
    days = {date(year, 1, 1) for year in data.elected}
    days |= {h.start for h in data.seats if data.first_date <= h.start <= data.last_date}
    return sorted(days)
