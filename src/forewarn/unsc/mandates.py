"""Mandate adequacy: was a peacekeeping force given the means to protect whom it was sent for?

Inputs are mission records: the packaged ``data/mandates.toml`` or a user's TOML/JSON file
with the same fields (``[[mission]]`` tables; in JSON a list, ``{"mission": [...]}`` or a
single object). For each record :func:`assess` computes

* the resourcing ratio: troops authorised / troops requested;
* troops per 1,000 protected civilians: troops authorised / protected population x 1,000;

and raises named flags (thresholds in :data:`THRESHOLDS`, reasons in
``docs/security-council.md``):

* ``protection-without-force``: protection was promised (``poc_authority`` true, or a
  safe-area mandate) but the ratio is below 0.5 or there is no Chapter VII authority;
* ``severe-under-resourcing``: the ratio is below 0.25;
* ``no-chapter-vii-with-protection-task``: protection promised, ``chapter_vii`` false;
* ``force-cut-during-crisis``: an earlier record of the same mission authorised more troops.

Nothing is guessed: a missing figure leaves its measure and the flags that need it
unevaluated and adds a note, as does every entry of a record's ``unsourced`` list and every
figure given without its ``*_source``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from forewarn.inputs import parse_json, parse_toml, read_text
from forewarn.unsc.members import UnscError

__all__ = [
    "THRESHOLDS",
    "Assessment",
    "Flag",
    "Mandate",
    "MandateError",
    "assess",
    "load_mandates",
    "select",
]

THRESHOLDS: Mapping[str, float] = {
    "protection_ratio": 0.5,
    "severe_ratio": 0.25,
}
_LABEL = "forewarn/unsc/data/mandates.toml"
_INT_FIELDS = ("troops_requested", "troops_authorised", "protected_population")
_BOOL_FIELDS = ("chapter_vii", "poc_authority", "safe_area")
_TEXT_FIELDS = (
    "mission", "name", "resolution", "requested_by", "troops_requested_source",
    "troops_authorised_source", "protected_population_source", "protected_area", "note",
)  # fmt: skip
_KEYS = frozenset({"id", "date", "unsourced", *_INT_FIELDS, *_BOOL_FIELDS, *_TEXT_FIELDS})


class MandateError(UnscError):
    """A mandate file is unreadable or breaks the schema (one line: file, record, field)."""


@dataclass(frozen=True, slots=True)
class Mandate:
    """One mission record: what was asked for, what was authorised, whom it was to protect."""

    id: str
    mission: str
    name: str
    date: date
    resolution: str | None = None
    troops_requested: int | None = None
    requested_by: str | None = None
    troops_requested_source: str | None = None
    troops_authorised: int | None = None
    troops_authorised_source: str | None = None
    chapter_vii: bool | None = None
    poc_authority: bool | None = None
    safe_area: bool | None = None
    protected_population: int | None = None
    protected_population_source: str | None = None
    protected_area: str | None = None
    note: str | None = None
    unsourced: tuple[str, ...] = ()

    @property
    def is_safe_area(self) -> bool:
        """``safe_area`` if given, else whether the name or protected area says "safe area"."""
        if self.safe_area is not None:
            return self.safe_area
        text = f"{self.name} {self.protected_area or ''}".casefold()
        return "safe area" in text


@dataclass(frozen=True, slots=True)
class Flag:
    """A named warning about a mandate, with the figures behind it."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """A mandate's measures, flags and missing-data notes."""

    mandate: Mandate
    resourcing_ratio: float | None
    troops_per_1000: float | None
    protection_promised: bool | None
    flags: tuple[Flag, ...]
    notes: tuple[str, ...]

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The flags' codes."""
        return tuple(f.code for f in self.flags)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        m = self.mandate
        return {
            "id": m.id,
            "mission": m.mission,
            "name": m.name,
            "date": m.date.isoformat(),
            "resolution": m.resolution,
            "troops_requested": m.troops_requested,
            "requested_by": m.requested_by,
            "troops_authorised": m.troops_authorised,
            "chapter_vii": m.chapter_vii,
            "poc_authority": m.poc_authority,
            "safe_area": m.is_safe_area,
            "protected_population": m.protected_population,
            "protected_area": m.protected_area,
            "resourcing_ratio": _round(self.resourcing_ratio, 3),
            "troops_per_1000_protected": _round(self.troops_per_1000, 1),
            "protection_promised": self.protection_promised,
            "flags": [{"code": f.code, "reason": f.reason} for f in self.flags],
            "notes": list(self.notes),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# -- reading ---------------------------------------------------------------------------------


def load_mandates(path: Path | None = None) -> tuple[Mandate, ...]:
    """Mission records from ``path`` (.toml or .json), or the packaged file if None."""
    if path is None:
        text = (resources.files("forewarn.unsc") / "data" / "mandates.toml").read_text("utf-8")
        return _parse_all(_decode_toml(text, _LABEL), _LABEL)
    label = str(path)
    text = read_text(path, MandateError, label)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return _parse_all(_decode_toml(text, label), label)
    if suffix == ".json":
        return _parse_all(_decode_json(text, label), label)
    raise MandateError(f"{label}: expected a .toml or .json file")


def _decode_toml(text: str, label: str) -> list[Any]:
    raw = parse_toml(text, MandateError, label)
    unknown = sorted(set(raw) - {"mission"})
    if unknown:
        raise MandateError(f"{label}: unknown top-level key {unknown[0]!r} (expected [[mission]])")
    missions = raw.get("mission")
    if not isinstance(missions, list):
        raise MandateError(f"{label}: expected [[mission]] tables")
    return missions


def _decode_json(text: str, label: str) -> list[Any]:
    raw = parse_json(text, MandateError, label)
    if isinstance(raw, dict) and set(raw) == {"mission"}:
        raw = raw["mission"]
    if isinstance(raw, dict):
        return [raw]
    if not isinstance(raw, list):
        raise MandateError(f"{label}: expected a mission object or a list of them")
    return raw


def _parse_all(items: Sequence[Any], label: str) -> tuple[Mandate, ...]:
    if not items:
        raise MandateError(f"{label}: no mission records")
    mandates = [_parse(item, f"{label}: mission {n + 1}") for n, item in enumerate(items)]
    ids = [m.id for m in mandates]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise MandateError(f"{label}: duplicate mission id {duplicate!r}")
    return tuple(mandates)


def _parse(item: Any, where: str) -> Mandate:
    if not isinstance(item, dict):
        raise MandateError(f"{where}: expected a table/object")
    ident = item.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise MandateError(f"{where}: id: missing or empty")
    where = f"{where} ({ident})"
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise MandateError(f"{where}: unknown field {unknown[0]!r}")
    fields: dict[str, Any] = {name: _integer(item, name, where) for name in _INT_FIELDS}
    fields |= {name: _boolean(item, name, where) for name in _BOOL_FIELDS}
    fields |= {name: _text(item, name, where) for name in _TEXT_FIELDS}
    fields["mission"] = fields["mission"] or ident.split("-")[0]
    fields["name"] = fields["name"] or ident
    return Mandate(
        id=ident,
        date=_date(item.get("date"), where),
        unsourced=_text_list(item.get("unsourced", []), where),
        **fields,
    )


def _integer(item: Mapping[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MandateError(f"{where}: {key}: expected a whole number >= 0, got {value!r}")
    if value == 0 and key == "protected_population":
        raise MandateError(f"{where}: {key}: must be positive")
    return value


def _boolean(item: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = item.get(key)
    if value is not None and not isinstance(value, bool):
        raise MandateError(f"{where}: {key}: expected true or false, got {value!r}")
    return value


def _text(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MandateError(f"{where}: {key}: expected text, got {value!r}")
    return value.strip() or None


def _text_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MandateError(f"{where}: unsourced: expected a list of strings")
    return tuple(value)


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise MandateError(f"{where}: date: expected YYYY-MM-DD, got {value!r}")


# -- assessing --------------------------------------------------------------------------------


def assess(mandates: Iterable[Mandate]) -> list[Assessment]:
    """Assess every record; cuts are judged against earlier records of the same mission."""
    records = list(mandates)
    return [_assess(m, _previous(m, records)) for m in records]


def select(assessments: Iterable[Assessment], name: str) -> list[Assessment]:
    """Assessments whose id, or else mission, equals ``name`` (case-insensitive)."""
    key = name.casefold()
    items = list(assessments)
    by_id = [a for a in items if a.mandate.id.casefold() == key]
    return by_id or [a for a in items if a.mandate.mission.casefold() == key]


def _previous(m: Mandate, records: Sequence[Mandate]) -> Mandate | None:
    """The latest earlier record of the same mission with an authorised troop figure."""
    earlier = [
        r
        for r in records
        if r.mission == m.mission and r.date < m.date and r.troops_authorised is not None
    ]
    return max(earlier, key=lambda r: r.date, default=None)


def _ratio(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def _assess(m: Mandate, previous: Mandate | None) -> Assessment:
    ratio = _ratio(m.troops_authorised, m.troops_requested)
    per_1000 = _ratio(m.troops_authorised, m.protected_population)
    per_1000 = None if per_1000 is None else per_1000 * 1000
    promised = _promised(m)
    flags = [
        *_protection_flags(m, ratio, promised),
        *_cut_flag(m, previous),
    ]
    return Assessment(m, ratio, per_1000, promised, tuple(flags), _notes(m, ratio, promised))


def _promised(m: Mandate) -> bool | None:
    """True if civilian protection was promised; None if it cannot be told."""
    if m.poc_authority or m.is_safe_area:
        return True
    if m.poc_authority is None:
        return None
    return False


def _protection_flags(m: Mandate, ratio: float | None, promised: bool | None) -> list[Flag]:
    flags: list[Flag] = []
    shown = _ratio_text(m, ratio)
    short = ratio is not None and ratio < THRESHOLDS["protection_ratio"]
    if promised and (short or m.chapter_vii is False):
        why = f"{_promise_text(m)}, but " + " and ".join(
            part
            for part, present in (
                (f"resourcing ratio {shown} < {THRESHOLDS['protection_ratio']}", short),
                ("no Chapter VII authority", m.chapter_vii is False),
            )
            if present
        )
        flags.append(Flag("protection-without-force", why))
    if ratio is not None and ratio < THRESHOLDS["severe_ratio"]:
        flags.append(
            Flag(
                "severe-under-resourcing",
                f"resourcing ratio {shown} < {THRESHOLDS['severe_ratio']}",
            )
        )
    if promised and m.chapter_vii is False:
        flags.append(
            Flag("no-chapter-vii-with-protection-task", f"{_promise_text(m)} without Chapter VII")
        )
    return flags


def _promise_text(m: Mandate) -> str:
    if m.poc_authority:
        return "explicit authority to protect civilians"
    return f"safe-area mandate ({m.protected_area or m.name})"


def _ratio_text(m: Mandate, ratio: float | None) -> str:
    if ratio is None:
        return "unknown"
    return f"{ratio:.2f} ({m.troops_authorised:,} authorised of {m.troops_requested:,} requested)"


def _cut_flag(m: Mandate, previous: Mandate | None) -> list[Flag]:
    if previous is None or m.troops_authorised is None:
        return []
    before = previous.troops_authorised
    assert before is not None
    if m.troops_authorised >= before:
        return []
    change = (m.troops_authorised - before) / before
    where = previous.resolution or previous.id
    return [
        Flag(
            "force-cut-during-crisis",
            f"{m.troops_authorised:,} troops authorised, down from {before:,} under {where}"
            f" on {previous.date.isoformat()} ({change:.0%})",
        )
    ]


def _notes(m: Mandate, ratio: float | None, promised: bool | None) -> tuple[str, ...]:
    notes: list[str] = []
    if ratio is None:
        notes.append("resourcing ratio not computed: " + _missing(m, "troops_requested"))
    if m.troops_authorised is not None and m.protected_population is None:
        notes.append("troops per 1,000 protected not computed: no protected_population")
    if m.troops_authorised is not None and m.protected_population is not None:
        notes.append(
            "troops per 1,000 protected sets the whole authorised force against the population"
            " named; where the force also covers other areas it overstates local protection"
        )
    if promised is None:
        notes.append("poc_authority not recorded: protection flags not evaluated")
    if m.chapter_vii is None:
        notes.append("chapter_vii not recorded")
    for figure in _INT_FIELDS:
        if getattr(m, figure) is not None and not getattr(m, f"{figure}_source"):
            notes.append(f"{figure} given without {figure}_source")
    notes += [f"unsourced: {item}" for item in m.unsourced]
    return tuple(notes)


def _missing(m: Mandate, primary: str) -> str:
    missing = [f for f in (primary, "troops_authorised") if getattr(m, f) is None]
    return "no " + " and no ".join(missing) if missing else "troops_requested is 0"
