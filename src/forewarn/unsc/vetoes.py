"""Security Council vetoes, 1946 to 2025: the registry CSV, cleaned, plus a sourced supplement.

``load_vetoes(settings)`` reads the World Politics Data Lab file (``unsc-vetoes`` in the
data registry, vetoes from 16 Feb 1946 to 8 Jul 2022), repairs its known defects, appends
the packaged supplement ``data/vetoes_supplement.csv`` (vetoes from 30 Sep 2022, each row
with its own source) and returns one row per vetoed draft or amendment together with a
:class:`LoadReport` that counts every defect found, with example rows. Nothing is dropped.

Repairs and checks, in order (codes as in the report):

* ``member-flags-disagree``: the per-member 0/1 columns (China, France, Russia, USSR, USA,
  UK) disagree with ``member_veto1..3``; ``member_veto1..3`` is trusted, the flags ignored.
* ``summary-flags-disagree``: ``single_veto``, ``multiple_vetoes`` or the pair columns are
  missing or inconsistent with ``member_veto1..3``; they are ignored.
* ``meeting-symbol-in-draft``: ``draft`` holds a meeting symbol (S/PV.n); it is moved to
  the meeting field (kept there when ``meeting_record`` already holds a symbol) and the
  draft is left empty. ``draft-meeting-conflict`` counts the rows where the two differ.
* ``embedded-newline``: text fields holding line breaks are normalised (several symbols
  joined with "; ", other whitespace collapsed).
* ``date-format``: M/D/YYYY dates converted to ISO; ``year-month-disagree`` checks them
  against the ``year`` and ``month`` columns.
* ``duplicate-row``: rows identical in every column are counted and kept (two votes at one
  meeting may look identical in the file; not verified).
* ``missing-recent-vetoes``: the rows appended from the supplement.

Members are stored as ISO codes of the state that voted (``vetoed_by``: ``SUN`` for the
USSR, ``TWN`` for the Republic of China) and of the permanent seat (``seats``: ``RUS`` for
the USSR/Russian seat, ``CHN`` for China's), resolved by date through ``members.toml``.
Each veto gets a stable id ``YYYY-MM-DD#n`` (n-th veto of that day, in file order).

Atrocity tags follow the rule table :data:`ATROCITY_RULES` (documented in
``docs/security-council.md``): keywords searched in the agenda item and the crisis topic,
some limited to a period, plus draft symbols named explicitly with their source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.unsc.members import (
    UnscError,
    council_on,
    load_members,
    normalize_name,
    resolve_member,
)

__all__ = [
    "ATROCITY_RULES",
    "COLUMNS",
    "AtrocityRule",
    "Defect",
    "LoadReport",
    "atrocity_rule_of",
    "counts",
    "filter_vetoes",
    "load_vetoes",
    "load_vetoes_from",
    "member_codes",
    "seat_of",
    "to_records",
]

DATASET = "unsc-vetoes"
BASE_LABEL = (
    "World Politics Data Lab, unsc_vetoes_1946_sept2022.csv (commit 661c524), from the UN"
    " Dag Hammarskjöld Library veto list"
)
VETO_COLUMNS = ("member_veto1", "member_veto2", "member_veto3")
MEMBER_FLAGS = ("China", "France", "Russia", "USSR", "USA", "UK")
PAIR_FLAGS: dict[str, frozenset[str]] = {
    "russia_china": frozenset({"Russia", "China"}),
    "usa_uk": frozenset({"USA", "UK"}),
    "usa_france": frozenset({"USA", "France"}),
    "usa_france_uk": frozenset({"USA", "France", "UK"}),
    "france_uk": frozenset({"France", "UK"}),
}
TEXT_FIELDS = ("draft", "meeting_record", "agenda_item", "crisis_topic", "region")
BASE_REQUIRED = ("date", "year", "month", *TEXT_FIELDS, *VETO_COLUMNS, *MEMBER_FLAGS)
SUPPLEMENT_REQUIRED = (
    "date", "draft", "meeting_record", "agenda_item", "crisis_topic", *VETO_COLUMNS,
    "yes", "no", "abstain", "source",
)  # fmt: skip
COLUMNS = (
    "id", "date", "draft", "meeting", "agenda", "topic", "region", "vetoed_by", "seats",
    "kind", "yes", "no", "abstain", "atrocity", "atrocity_rule", "origin", "source", "note",
)  # fmt: skip

_MEETING = re.compile(r"S/PV\.\d+")
_EXAMPLES = 3


# -- the report ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Defect:
    """One kind of defect: how many rows show it, how it was treated, a few examples."""

    code: str
    description: str
    treatment: str
    count: int
    examples: tuple[str, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "code": self.code,
            "count": self.count,
            "description": self.description,
            "treatment": self.treatment,
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What the loader found and did: rows read and every defect check with its count."""

    source: str
    base_rows: int
    supplement_rows: int
    defects: tuple[Defect, ...]

    def count(self, code: str) -> int:
        """The count of defect ``code`` (KeyError if no such check)."""
        return next(d.count for d in self.defects if d.code == code)

    def to_records(self) -> list[dict[str, Any]]:
        """Every defect check as a JSON-ready dict."""
        return [d.to_record() for d in self.defects]


def _defect(code: str, description: str, treatment: str, examples: Sequence[str]) -> Defect:
    return Defect(code, description, treatment, len(examples), tuple(examples[:_EXAMPLES]))


def _line(index: int) -> str:
    """The CSV line of a data row (the header is line 1)."""
    return f"line {index + 2}"


def _rows(raw: pd.DataFrame) -> Iterator[tuple[int, dict[str, str]]]:
    """(position, row) pairs of a frame read as text (``dtype=str``), values as strings."""
    for pos, record in enumerate(raw.to_dict("records")):
        yield pos, {str(k): str(v) for k, v in record.items()}


# -- atrocity rule table -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtrocityRule:
    """A veto is atrocity-related if ``pattern`` (and ``also``) match within the dates.

    Patterns are regular expressions searched case-insensitively in the agenda item and
    crisis topic together. ``drafts`` names draft symbols tagged whatever their text.
    """

    id: str
    pattern: str
    why: str
    since: date | None = None
    until: date | None = None
    also: str | None = None
    drafts: tuple[str, ...] = ()

    def matches(self, text: str, on: date, draft: str) -> bool:
        """True if the rule tags a veto with this text, date and draft symbol."""
        if draft and draft in self.drafts:
            return True
        if (self.since and on < self.since) or (self.until and on > self.until):
            return False
        if not re.search(self.pattern, text, re.IGNORECASE):
            return False
        return self.also is None or bool(re.search(self.also, text, re.IGNORECASE))


ATROCITY_RULES: tuple[AtrocityRule, ...] = (
    AtrocityRule(
        "syria-war",
        r"\bsyria",
        "Syria from March 2011: crackdown, sieges, chemical weapons, ICC referral, cross-border"
        " aid (case file syria-2011)",
        since=date(2011, 3, 1),
    ),
    AtrocityRule("myanmar", r"myanmar|burma", "Myanmar: repression of minorities and dissent"),
    AtrocityRule(
        "bosnia-war",
        r"bosnia|srebrenica",
        "Bosnia and Herzegovina during the war (6 Apr 1992 to the Dayton agreement, 14 Dec 1995)",
        since=date(1992, 4, 6),
        until=date(1995, 12, 14),
    ),
    AtrocityRule(
        "srebrenica-genocide",
        r"srebrenica",
        "Srebrenica genocide; S/2015/508 per case file srebrenica-1995 (UK draft, 8 Jul 2015)",
        drafts=("S/2015/508",),
    ),
    AtrocityRule("rwanda", r"rwanda", "Rwanda"),
    AtrocityRule("darfur-sudan", r"darfur|(?<!south )sudan", "Darfur and Sudan"),
    AtrocityRule("gaza", r"gaza", "Gaza: civilians, humanitarian access, ceasefire"),
    AtrocityRule("yemen", r"yemen", "Yemen war"),
    AtrocityRule(
        "ukraine-civilians",
        r"ukraine",
        "Ukraine, only drafts whose recorded text names civilians or humanitarian needs",
        also=r"civilian|humanitarian",
    ),
    AtrocityRule(
        "atrocity-terms",
        r"genocide|mass atrocit|crimes? against humanity|war crimes|ethnic cleansing"
        r"|protection of civilians",
        "The recorded text names an atrocity crime or the protection of civilians",
    ),
)


def atrocity_rule_of(text: str, on: date, draft: str) -> str:
    """The id of the first rule that tags this veto, or "" if none does."""
    return next((r.id for r in ATROCITY_RULES if r.matches(text, on, draft)), "")


# -- members ---------------------------------------------------------------------------------


def seat_of(code: str) -> str:
    """The permanent seat held by state ``code``, named by its present holder (SUN -> RUS)."""
    data = load_members()
    holding = next((h for h in data.seats if h.code == code), None)
    if holding is None:
        raise UnscError(f"{code} never held a permanent seat")
    return next(h.code for h in data.seats if h.seat == holding.seat and h.end is None)


def member_codes(name: str) -> frozenset[str]:
    """The permanent-seat holders a name or alias designates ("China" -> CHN and TWN)."""
    data = load_members()
    codes = set(data.aliases.get(normalize_name(name), ()))
    if not codes:
        raise UnscError(f"unknown Security Council member {name!r}")
    permanent = codes & {h.code for h in data.seats}
    if not permanent:
        raise UnscError(f"{name!r} never held a permanent seat, so it has cast no veto")
    return frozenset(permanent)


def _resolve(names: Iterable[str], on: date, where: str) -> tuple[str, ...]:
    codes: list[str] = []
    for name in names:
        try:
            code = resolve_member(name, on).code
        except UnscError as exc:
            raise UnscError(f"{where}: {exc}") from None
        if not council_on(on).is_permanent(code):
            raise UnscError(f"{where}: {name!r} held no permanent seat on {on.isoformat()}")
        if code in codes:
            raise UnscError(f"{where}: {name!r} named twice")
        codes.append(code)
    if not codes:
        raise UnscError(f"{where}: no vetoing member in member_veto1..3")
    return tuple(codes)


def _named(row: Mapping[str, str]) -> list[str]:
    return [row[c].strip() for c in VETO_COLUMNS if row[c].strip()]


# -- reading ----------------------------------------------------------------------------------


def _read_csv(path: Path, required: Sequence[str], label: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UnscError(f"{label}: cannot read as CSV: {exc}") from exc
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise UnscError(f"{label}: missing column {missing[0]!r}")
    return raw


# -- checks and repairs on the base file ------------------------------------------------------


def _check_member_flags(raw: pd.DataFrame) -> Defect:
    examples = []
    for i, row in _rows(raw):
        named = set(_named(row))
        flagged = {m for m in MEMBER_FLAGS if str(row[m]).strip() == "1"}
        if named != flagged:
            shown = ", ".join(sorted(flagged)) or "none"
            examples.append(
                f"{_line(i)} ({row['date']}, {row['draft']}): member_veto1..3 ="
                f" {', '.join(sorted(named))}; 0/1 columns = {shown}"
            )
    return _defect(
        "member-flags-disagree",
        "per-member 0/1 columns disagree with member_veto1..3",
        "member_veto1..3 trusted; the 0/1 columns are ignored",
        examples,
    )


def _summary_problems(row: Mapping[str, str]) -> list[str]:
    named = frozenset(_named(row))
    expected = {"single_veto": len(named) == 1, "multiple_vetoes": len(named) > 1}
    expected |= {col: named == pair for col, pair in PAIR_FLAGS.items()}
    problems = []
    for col, want in expected.items():
        value = str(row.get(col, "")).strip()
        if value not in ("0", "1") or (value == "1") != want:
            problems.append(f"{col}={value or 'empty'}")
    return problems


def _check_summary_flags(raw: pd.DataFrame) -> Defect:
    examples = []
    for i, row in _rows(raw):
        problems = _summary_problems(row)
        if problems:
            examples.append(
                f"{_line(i)} ({row['date']}, {', '.join(_named(row))}): {'; '.join(problems)}"
            )
    return _defect(
        "summary-flags-disagree",
        "single_veto, multiple_vetoes or pair columns missing or inconsistent with member_veto1..3",
        "ignored; recomputed from member_veto1..3",
        examples,
    )


def _move_meeting_symbols(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Defect]]:
    fixed = raw.copy()
    fixed["note"] = ""
    moved: list[str] = []
    conflicts: list[str] = []
    for i, row in _rows(raw):
        draft, meeting = row["draft"].strip(), row["meeting_record"].strip()
        symbols = _MEETING.findall(draft)
        if not symbols:
            continue
        shown = f"{_line(i)} ({row['date']}): draft {draft!r}, meeting_record {meeting}"
        moved.append(shown)
        fixed.at[i, "draft"] = _without_meetings(draft)
        if not meeting:
            fixed.at[i, "meeting_record"] = "; ".join(symbols)
        elif symbols != [meeting]:
            conflicts.append(shown)
            fixed.at[i, "note"] = f"draft column held {draft}; meeting_record {meeting} kept"
    return fixed, [
        _defect(
            "meeting-symbol-in-draft",
            "draft holds a meeting symbol (S/PV.n) instead of, or besides, a draft symbol",
            "symbol moved to the meeting field (meeting_record kept if already filled);"
            " draft left empty, or holding only the draft symbol that was beside it",
            moved,
        ),
        _defect(
            "draft-meeting-conflict",
            "of those, rows whose draft and meeting_record hold different meeting symbols",
            "meeting_record kept; the draft column's symbol noted in `note`",
            conflicts,
        ),
    ]


def _without_meetings(draft: str) -> str:
    """``draft`` less its meeting symbols and the separators they leave ("S/552, S/PV.202")."""
    rest = _MEETING.sub("", draft)
    return re.sub(r"^[\s,;]+|[\s,;]+$|\s+and\s*$", "", rest)


def _one_line(text: str) -> str:
    parts = [" ".join(part.split()) for part in text.splitlines()]
    return "; ".join(p for p in parts if p)


def _normalise_newlines(raw: pd.DataFrame) -> tuple[pd.DataFrame, Defect]:
    fixed = raw.copy()
    examples = []
    for i, row in _rows(raw):
        for field in TEXT_FIELDS:
            text = row[field]
            if "\n" in text or "\r" in text:
                fixed.at[i, field] = _one_line(text)
                examples.append(f"{_line(i)} ({row['date']}) {field}: {text!r}")
    return fixed, _defect(
        "embedded-newline",
        "text fields with embedded line breaks (several symbols in one cell)",
        'parts joined with "; ", whitespace collapsed',
        examples,
    )


def _parse_dates(raw: pd.DataFrame, label: str) -> tuple[list[date], Defect]:
    dates: list[date] = []
    for i, text in enumerate(raw["date"].astype(str)):
        try:
            dates.append(datetime.strptime(text.strip(), "%m/%d/%Y").date())
        except ValueError:
            raise UnscError(f"{label}: {_line(i)}: date {text!r} is not M/D/YYYY") from None
    written = raw["date"].astype(str).tolist()
    examples = [f"{_line(i)}: {written[i]} -> {d.isoformat()}" for i, d in enumerate(dates)]
    return dates, _defect(
        "date-format", "dates written M/D/YYYY", "converted to ISO YYYY-MM-DD", examples
    )


def _check_year_month(raw: pd.DataFrame, dates: list[date]) -> Defect:
    examples = [
        f"{_line(i)}: date {d.isoformat()}, year {row['year']}, month {row['month']}"
        for (i, row), d in zip(_rows(raw), dates, strict=True)
        if row["year"].strip() != str(d.year) or row["month"].strip() != str(d.month)
    ]
    return _defect(
        "year-month-disagree",
        "year or month column disagrees with the date",
        "the date is trusted",
        examples,
    )


def _check_duplicates(raw: pd.DataFrame) -> Defect:
    repeated = raw.duplicated(keep="first").tolist()
    examples = [
        f"{_line(i)} ({row['date']}, {row['draft']}, {row['agenda_item']}) repeats an earlier row"
        for i, row in _rows(raw)
        if repeated[i]
    ]
    return _defect(
        "duplicate-row",
        "rows identical to an earlier row in every column",
        "kept: two vetoes at one meeting can look identical in this file (not verified)",
        examples,
    )


# -- building the frame -------------------------------------------------------------------------


def _base_frame(raw: pd.DataFrame, dates: list[date], label: str) -> pd.DataFrame:
    rows = []
    for i, row in _rows(raw):
        on = dates[i]
        codes = _resolve(_named(row), on, f"{label}: {_line(i)}")
        rows.append(
            {
                "date": on,
                "draft": row["draft"],
                "meeting": row["meeting_record"],
                "agenda": row["agenda_item"],
                "topic": row["crisis_topic"],
                "region": row["region"],
                "vetoed_by": codes,
                "origin": "registry",
                "source": f"{BASE_LABEL}, {_line(i)}",
                "note": row["note"],
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("yes", "no", "abstain"):
        frame[col] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return frame


def _count(value: str, where: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 15:
        raise UnscError(f"{where}: vote count {value!r} is not a number from 0 to 15")
    return int(text)


def _supplement_row(row: Mapping[str, str], where: str) -> dict[str, Any]:
    try:
        on = date.fromisoformat(row["date"].strip())
    except ValueError:
        raise UnscError(f"{where}: date {row['date']!r} is not YYYY-MM-DD") from None
    if not row["source"].strip():
        raise UnscError(f"{where}: every supplement row must name its source")
    return {
        "date": on,
        "draft": _one_line(row["draft"]),
        "meeting": _one_line(row["meeting_record"]),
        "agenda": _one_line(row["agenda_item"]),
        "topic": _one_line(row["crisis_topic"]),
        "region": "",
        "vetoed_by": _resolve(_named(row), on, where),
        "yes": _count(row["yes"], f"{where}: yes"),
        "no": _count(row["no"], f"{where}: no"),
        "abstain": _count(row["abstain"], f"{where}: abstain"),
        "origin": "supplement",
        "source": row["source"].strip(),
        "note": "",
    }


def _supplement_frame(path: Path | None) -> tuple[pd.DataFrame, str]:
    if path is None:
        traversable = resources.files("forewarn.unsc") / "data" / "vetoes_supplement.csv"
        label = "forewarn/unsc/data/vetoes_supplement.csv"
        with resources.as_file(traversable) as real:
            raw = _read_csv(real, SUPPLEMENT_REQUIRED, label)
    else:
        label = str(path)
        raw = _read_csv(path, SUPPLEMENT_REQUIRED, label)
    rows = [_supplement_row(row, f"{label}: {_line(i)}") for i, row in _rows(raw)]
    frame = pd.DataFrame(rows)
    for col in ("yes", "no", "abstain"):
        frame[col] = frame[col].astype("Int64")
    return frame, label


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort, number, add seats, kind and atrocity tags; fix column order and types."""
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    frame["id"] = [
        f"{d.isoformat()}#{n + 1}"
        for d, n in zip(frame["date"], frame.groupby("date").cumcount(), strict=True)
    ]
    frame["seats"] = [tuple(seat_of(c) for c in codes) for codes in frame["vetoed_by"]]
    text = frame["agenda"] + " " + frame["topic"]
    frame["kind"] = ["amendment" if re.search(r"\bamendment", t, re.I) else "draft" for t in text]
    frame["atrocity_rule"] = [
        atrocity_rule_of(t, d, s)
        for t, d, s in zip(text, frame["date"], frame["draft"], strict=True)
    ]
    frame["atrocity"] = frame["atrocity_rule"] != ""
    return frame.loc[:, list(COLUMNS)]


def load_vetoes(settings: Settings) -> tuple[pd.DataFrame, LoadReport]:
    """The registry's veto file (hash-checked), repaired, with the packaged supplement."""
    return load_vetoes_from(registry.fetch(DATASET, settings))


def load_vetoes_from(path: Path, supplement: Path | None = None) -> tuple[pd.DataFrame, LoadReport]:
    """Load the veto CSV at ``path`` and a supplement (the packaged one if None)."""
    label = str(path)
    raw = _read_csv(path, BASE_REQUIRED, label)
    defects = [_check_member_flags(raw), _check_summary_flags(raw), _check_duplicates(raw)]
    fixed, moved = _move_meeting_symbols(raw)
    fixed, newline = _normalise_newlines(fixed)
    dates, date_defect = _parse_dates(fixed, label)
    defects += [*moved, newline, date_defect, _check_year_month(fixed, dates)]
    base = _base_frame(fixed, dates, label)
    extra, extra_label = _supplement_frame(supplement)
    defects.append(_missing_recent(base, extra, extra_label))
    frame = _finish(pd.concat([base, extra], ignore_index=True))
    return frame, LoadReport(label, len(base), len(extra), tuple(defects))


def _missing_recent(base: pd.DataFrame, extra: pd.DataFrame, label: str) -> Defect:
    last = max(base["date"])
    later = extra[extra["date"] > last]
    examples = [
        f"{row['date'].isoformat()} {row['topic']} ({', '.join(row['vetoed_by'])})"
        for _, row in later.iterrows()
    ]
    return _defect(
        "missing-recent-vetoes",
        f"vetoes after the file's last row ({last.isoformat()}) are missing",
        f"appended from the sourced supplement {label}",
        examples,
    )


# -- querying ------------------------------------------------------------------------------------


def filter_vetoes(
    frame: pd.DataFrame,
    *,
    member: str | None = None,
    topic: str | None = None,
    since: date | None = None,
    until: date | None = None,
    atrocity: bool = False,
) -> pd.DataFrame:
    """The vetoes matching every given filter (dates inclusive; topic case-insensitive)."""
    keep = pd.Series(True, index=frame.index)
    if member is not None:
        codes = member_codes(member)
        keep &= frame["vetoed_by"].map(lambda cast: bool(codes & set(cast)))
    if topic is not None:
        needle = topic.casefold()
        text = (frame["agenda"] + " " + frame["topic"]).str.casefold()
        keep &= text.str.contains(needle, regex=False)
    if since is not None:
        keep &= frame["date"] >= since
    if until is not None:
        keep &= frame["date"] <= until
    if atrocity:
        keep &= frame["atrocity"]
    return frame[keep]


def counts(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Vetoes per state (historic codes) and per permanent seat, most first."""
    by_member = Counter(code for cast in frame["vetoed_by"] for code in cast)
    by_seat = Counter(code for seats in frame["seats"] for code in seats)
    return {"by_member": dict(by_member.most_common()), "by_seat": dict(by_seat.most_common())}


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready dicts, one per veto (dates ISO, member tuples as lists, NA as null)."""
    return [_record(row) for _, row in frame.iterrows()]


def _record(row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in COLUMNS:
        value = row[col]
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif value is pd.NA:
            value = None
        elif col in ("yes", "no", "abstain"):
            value = int(value)
        elif col == "atrocity":
            value = bool(value)
        out[col] = value
    return out
