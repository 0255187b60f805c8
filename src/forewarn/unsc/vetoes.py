"""Security Council vetoes, 1946 to 2025: the registry CSV, cleaned, plus a sourced supplement.

``load_vetoes(settings)`` reads the World Politics Data Lab file (``unsc-vetoes`` in the
data registry, vetoes from 16 Feb 1946 to 8 Jul 2022), repairs its known defects
(:mod:`forewarn.unsc.veto_defects`), appends the packaged supplement
``data/vetoes_supplement.csv`` (vetoes from 30 Sep 2022, each row with its own source) and
returns one row per vetoed draft or amendment together with a :class:`LoadReport` that
counts every defect found, with example rows. Nothing is dropped.

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

Atrocity tags follow the rule table of :mod:`forewarn.unsc.atrocity`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.unsc.atrocity import ATROCITY_RULES, AtrocityRule, atrocity_rule_of
from forewarn.unsc.members import (
    UnscError,
    council_on,
    load_members,
    normalize_name,
    resolve_member,
)
from forewarn.unsc.veto_defects import (
    BASE_REQUIRED,
    VETO_COLUMNS,
    Defect,
    LoadReport,
    check_duplicates,
    check_member_flags,
    check_summary_flags,
    check_year_month,
    defect,
    line_of,
    move_meeting_symbols,
    named,
    normalise_newlines,
    one_line,
    parse_dates,
    rows_of,
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
SUPPLEMENT_REQUIRED = (
    "date", "draft", "meeting_record", "agenda_item", "crisis_topic", *VETO_COLUMNS,
    "yes", "no", "abstain", "source",
)  # fmt: skip
COLUMNS = (
    "id", "date", "draft", "meeting", "agenda", "topic", "region", "vetoed_by", "seats",
    "kind", "yes", "no", "abstain", "atrocity", "atrocity_rule", "origin", "source", "note",
)  # fmt: skip


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


# -- building the frame -------------------------------------------------------------------------


def _base_frame(raw: pd.DataFrame, dates: list[date], label: str) -> pd.DataFrame:
    rows = []
    for i, row in rows_of(raw):
        on = dates[i]
        codes = _resolve(named(row), on, f"{label}: {line_of(i)}")
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
                "source": f"{BASE_LABEL}, {line_of(i)}",
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
        "draft": one_line(row["draft"]),
        "meeting": one_line(row["meeting_record"]),
        "agenda": one_line(row["agenda_item"]),
        "topic": one_line(row["crisis_topic"]),
        "region": "",
        "vetoed_by": _resolve(named(row), on, where),
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
    rows = [_supplement_row(row, f"{label}: {line_of(i)}") for i, row in rows_of(raw)]
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
    defects = [check_member_flags(raw), check_summary_flags(raw), check_duplicates(raw)]
    fixed, moved = move_meeting_symbols(raw)
    fixed, newline = normalise_newlines(fixed)
    dates, date_defect = parse_dates(fixed, label)
    defects += [*moved, newline, date_defect, check_year_month(fixed, dates)]
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
    return defect(
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
