"""Typed loader for the packaged UN Framework of Analysis for Atrocity Crimes.

The data lives in ``data/framework.toml`` next to this module: 14 risk factors, each with
its indicators (paraphrased in forewarn's own words) and a record of what each factor's
list was checked against. ``load_framework()`` reads and validates it and returns an
immutable ``Framework``; any defect raises ``FrameworkError`` with a one-line message that
names the file and the offending factor or indicator.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from forewarn.errors import DataError

__all__ = [
    "CRIMES",
    "FACTOR_COUNT",
    "KINDS",
    "Framework",
    "FrameworkError",
    "FrameworkMeta",
    "Indicator",
    "RiskFactor",
    "load_framework",
]

CRIMES: tuple[str, ...] = ("genocide", "crimes_against_humanity", "war_crimes")
KINDS: tuple[str, ...] = ("common", "specific")
FACTOR_COUNT = 14

_PACKAGE = "forewarn.framework"
_FACTOR_KEY = re.compile(r"(?:rf)?(\d+)", re.IGNORECASE)
_WHOLE_FACTOR = re.compile(r"rf\d+", re.IGNORECASE)


class FrameworkError(DataError):
    """The framework data file is unreadable or breaks its schema (one-line message)."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One numbered indicator, e.g. ``9.3`` under factor ``RF9``."""

    id: str
    factor_id: str
    text: str


@dataclass(frozen=True, slots=True)
class RiskFactor:
    """One of the 14 risk factors and the indicators encoded for it."""

    id: str
    number: int
    name: str
    kind: str
    crimes: tuple[str, ...]
    verified: bool
    source: str
    indicators: tuple[Indicator, ...]
    checked: str = ""
    """Against which copy of the publication the indicators were checked, and how far."""

    def as_dict(self) -> dict[str, object]:
        """The JSON form of ``forewarn framework show --json`` and the API."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "crimes": list(self.crimes),
            "verified": self.verified,
            "source": self.source,
            "checked": self.checked,
            "indicators": [{"id": i.id, "text": i.text} for i in self.indicators],
        }


@dataclass(frozen=True, slots=True)
class FrameworkMeta:
    """Bibliographic details of the publication the data encodes."""

    title: str
    publisher: str
    year: int
    source_url: str
    note: str


@dataclass(frozen=True, slots=True)
class Framework:
    """The whole catalogue: metadata plus the risk factors in order RF1..RF14."""

    meta: FrameworkMeta
    factors: tuple[RiskFactor, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every encoded indicator, in factor order."""
        return tuple(ind for factor in self.factors for ind in factor.indicators)

    def factor(self, factor_id: str | int) -> RiskFactor:
        """Look a factor up by ``"RF9"``, ``"rf9"``, ``"9"`` or ``9``; KeyError if absent."""
        match = _FACTOR_KEY.fullmatch(str(factor_id).strip())
        number = int(match.group(1)) if match else None
        for factor in self.factors:
            if factor.number == number:
                return factor
        raise KeyError(f"no risk factor {factor_id!r} in the framework")

    def subject(self, raw: str) -> str:
        """What a judgement is about, as a canonical id: an indicator (``"9.3"``) or a whole
        risk factor (``"RF10"``, also written ``"rf10"``); KeyError if neither exists.

        A whole-factor judgement lets analysts judge a factor whose indicators are not
        encoded (or judge a factor at a glance); see :func:`factor_of`."""
        text = raw.strip()
        if _WHOLE_FACTOR.fullmatch(text):
            return self.factor(text).id
        return self.indicator(text).id

    def factor_of(self, subject: str) -> str:
        """The risk factor id of a judgement's subject (an indicator or a whole factor)."""
        text = subject.strip()
        if _WHOLE_FACTOR.fullmatch(text):
            return self.factor(text).id
        return self.indicator(text).factor_id

    def indicator(self, indicator_id: str) -> Indicator:
        """Look an indicator up by its id, e.g. ``"9.3"``; KeyError if absent."""
        wanted = indicator_id.strip()
        for ind in self.indicators:
            if ind.id == wanted:
                return ind
        raise KeyError(f"no indicator {indicator_id!r} in the framework")


def load_framework(path: Path | None = None) -> Framework:
    """Read and validate the framework file (the packaged one when ``path`` is None)."""
    source: Traversable = path if path is not None else _packaged_file()
    label = str(source)
    return _Parser(label).framework(_decode(label, _read(source, label)))


def _packaged_file() -> Traversable:
    return resources.files(_PACKAGE) / "data" / "framework.toml"


def _read(source: Traversable, label: str) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{label}: cannot read framework file: {_one_line(exc)}") from exc


def _decode(label: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{label}: invalid TOML: {_one_line(exc)}") from exc


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


class _Parser:
    """Turns the decoded TOML into dataclasses, failing on the first defect found."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, where: str, problem: str) -> FrameworkError:
        return FrameworkError(_one_line(f"{self.label}: {where}: {problem}"))

    def framework(self, doc: dict[str, Any]) -> Framework:
        meta = self.meta(self.table(doc, "meta", "top level"))
        rows = doc.get("factor")
        if not isinstance(rows, list) or len(rows) != FACTOR_COUNT:
            found = len(rows) if isinstance(rows, list) else 0
            problem = f"expected {FACTOR_COUNT} [[factor]] tables, found {found}"
            raise self.fail("top level", problem)
        factors = tuple(self.factor(row, position) for position, row in enumerate(rows, 1))
        return Framework(meta=meta, factors=factors)

    def meta(self, table: dict[str, Any]) -> FrameworkMeta:
        where = "[meta]"
        return FrameworkMeta(
            title=self.text(table, "title", where),
            publisher=self.text(table, "publisher", where),
            year=self.integer(table, "year", where),
            source_url=self.text(table, "source_url", where),
            note=self.text(table, "note", where),
        )

    def factor(self, row: object, position: int) -> RiskFactor:
        where = f"factor #{position}"
        if not isinstance(row, dict):
            raise self.fail(where, "is not a table")
        factor_id = self.text(row, "id", where)
        where = f"factor {factor_id}"
        number = self.integer(row, "number", where)
        if number != position or factor_id != f"RF{number}":
            problem = f"sits in position {position}, which belongs to RF{position}"
            raise self.fail(where, problem)
        indicators = self.indicators(row, factor_id, number)
        self.check_count(row, where, len(indicators))
        return RiskFactor(
            id=factor_id,
            number=number,
            name=self.text(row, "name", where),
            kind=self.choice(row, "kind", where, KINDS),
            crimes=self.crimes(row, where),
            verified=self.verified(row, where, bool(indicators)),
            source=self.text(row, "source", where),
            indicators=indicators,
            checked=self.text(row, "checked", where) if "checked" in row else "",
        )

    def indicators(self, row: dict[str, Any], factor_id: str, number: int) -> tuple[Indicator, ...]:
        items = row.get("indicator", [])
        if not isinstance(items, list):
            raise self.fail(f"factor {factor_id}", "'indicator' must be an array of tables")
        return tuple(
            self.indicator(item, factor_id, f"{number}.{k}") for k, item in enumerate(items, 1)
        )

    def indicator(self, item: object, factor_id: str, expected: str) -> Indicator:
        where = f"factor {factor_id}: indicator {expected}"
        if not isinstance(item, dict):
            raise self.fail(where, "is not a table")
        found = self.text(item, "id", where)
        prefix = expected.split(".")[0] + "."
        if not found.startswith(prefix):
            raise self.fail(f"{where} (id {found!r})", f"id must start with {prefix!r}")
        if found != expected:
            raise self.fail(f"{where} (id {found!r})", "indicator numbering is not contiguous")
        return Indicator(id=found, factor_id=factor_id, text=self.text(item, "text", where))

    def check_count(self, row: dict[str, Any], where: str, actual: int) -> None:
        declared = self.integer(row, "indicator_count", where)
        if declared != actual:
            raise self.fail(where, f"indicator_count is {declared} but {actual} are listed")

    def crimes(self, row: dict[str, Any], where: str) -> tuple[str, ...]:
        value = row.get("crimes")
        if not isinstance(value, list) or not value or any(c not in CRIMES for c in value):
            raise self.fail(where, f"'crimes' must be a non-empty list drawn from {CRIMES}")
        if row.get("kind") == "common" and sorted(value) != sorted(CRIMES):
            raise self.fail(where, "a common factor must list all three crimes")
        return tuple(value)

    def verified(self, row: dict[str, Any], where: str, has_indicators: bool) -> bool:
        value = row.get("verified")
        if not isinstance(value, bool):
            raise self.fail(where, "'verified' must be true or false")
        if value and not has_indicators:
            raise self.fail(where, "is marked verified but lists no indicators")
        return value

    def table(self, doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = doc.get(key)
        if not isinstance(value, dict):
            raise self.fail(where, f"missing [{key}] table")
        return value

    def text(self, table: dict[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"'{key}' must be a non-empty string")
        return value.strip()

    def integer(self, table: dict[str, Any], key: str, where: str) -> int:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"'{key}' must be an integer")
        return value

    def choice(self, table: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
        value = self.text(table, key, where)
        if value not in allowed:
            raise self.fail(where, f"'{key}' must be one of {allowed}, not {value!r}")
        return value
