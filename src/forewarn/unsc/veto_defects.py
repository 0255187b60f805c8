"""The registry's veto file and its known defects: the columns it must have, the defect
report, and the checks and repairs the loader applies (:mod:`forewarn.unsc.vetoes`).

Each check returns a :class:`Defect`: its code, what it is, how it is treated, how many rows
show it and a few example rows ("line n" as in the CSV file, the header being line 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from forewarn.unsc.members import UnscError

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
MEETING = re.compile(r"S/PV\.\d+")
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


def N_(message: str) -> str:
    """Mark a defect's description or treatment for the translation catalogue
    (``i18n/babel.cfg`` extracts this module); the dashboard translates it when it shows it."""
    return message


def defect(code: str, description: str, treatment: str, examples: Sequence[str]) -> Defect:
    return Defect(code, description, treatment, len(examples), tuple(examples[:_EXAMPLES]))


def line_of(index: int) -> str:
    """The CSV line of a data row (the header is line 1)."""
    return f"line {index + 2}"


def rows_of(raw: pd.DataFrame) -> Iterator[tuple[int, dict[str, str]]]:
    """(position, row) pairs of a frame read as text (``dtype=str``), values as strings."""
    for pos, record in enumerate(raw.to_dict("records")):
        yield pos, {str(k): str(v) for k, v in record.items()}


def named(row: Mapping[str, str]) -> list[str]:
    """The members named in ``member_veto1..3``."""
    return [row[c].strip() for c in VETO_COLUMNS if row[c].strip()]


# -- checks and repairs on the base file ------------------------------------------------------


def check_member_flags(raw: pd.DataFrame) -> Defect:
    examples = []
    for i, row in rows_of(raw):
        listed = set(named(row))
        flagged = {m for m in MEMBER_FLAGS if str(row[m]).strip() == "1"}
        if listed != flagged:
            shown = ", ".join(sorted(flagged)) or "none"
            examples.append(
                f"{line_of(i)} ({row['date']}, {row['draft']}): member_veto1..3 ="
                f" {', '.join(sorted(listed))}; 0/1 columns = {shown}"
            )
    return defect(
        "member-flags-disagree",
        N_("per-member 0/1 columns disagree with member_veto1..3"),
        N_("member_veto1..3 trusted; the 0/1 columns are ignored"),
        examples,
    )


def summary_problems(row: Mapping[str, str]) -> list[str]:
    listed = frozenset(named(row))
    expected = {"single_veto": len(listed) == 1, "multiple_vetoes": len(listed) > 1}
    expected |= {col: listed == pair for col, pair in PAIR_FLAGS.items()}
    problems = []
    for col, want in expected.items():
        value = str(row.get(col, "")).strip()
        if value not in ("0", "1") or (value == "1") != want:
            problems.append(f"{col}={value or 'empty'}")
    return problems


def check_summary_flags(raw: pd.DataFrame) -> Defect:
    examples = []
    for i, row in rows_of(raw):
        problems = summary_problems(row)
        if problems:
            examples.append(
                f"{line_of(i)} ({row['date']}, {', '.join(named(row))}): {'; '.join(problems)}"
            )
    return defect(
        "summary-flags-disagree",
        N_(
            "single_veto, multiple_vetoes or pair columns missing or inconsistent with "
            "member_veto1..3"
        ),
        N_("ignored; recomputed from member_veto1..3"),
        examples,
    )


def move_meeting_symbols(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Defect]]:
    fixed = raw.copy()
    fixed["note"] = ""
    moved: list[str] = []
    conflicts: list[str] = []
    for i, row in rows_of(raw):
        draft, meeting = row["draft"].strip(), row["meeting_record"].strip()
        symbols = MEETING.findall(draft)
        if not symbols:
            continue
        shown = f"{line_of(i)} ({row['date']}): draft {draft!r}, meeting_record {meeting}"
        moved.append(shown)
        fixed.at[i, "draft"] = without_meetings(draft)
        if not meeting:
            fixed.at[i, "meeting_record"] = "; ".join(symbols)
        elif symbols != [meeting]:
            conflicts.append(shown)
            fixed.at[i, "note"] = f"draft column held {draft}; meeting_record {meeting} kept"
    return fixed, [
        defect(
            "meeting-symbol-in-draft",
            N_("draft holds a meeting symbol (S/PV.n) instead of, or besides, a draft symbol"),
            N_(
                "symbol moved to the meeting field (meeting_record kept if already filled);"
                " draft left empty, or holding only the draft symbol that was beside it"
            ),
            moved,
        ),
        defect(
            "draft-meeting-conflict",
            N_("of those, rows whose draft and meeting_record hold different meeting symbols"),
            N_("meeting_record kept; the draft column's symbol noted in `note`"),
            conflicts,
        ),
    ]


def without_meetings(draft: str) -> str:
    """``draft`` less its meeting symbols and the separators they leave ("S/552, S/PV.202")."""
    rest = MEETING.sub("", draft)
    return re.sub(r"^[\s,;]+|[\s,;]+$|\s+and\s*$", "", rest)


def one_line(text: str) -> str:
    parts = [" ".join(part.split()) for part in text.splitlines()]
    return "; ".join(p for p in parts if p)


def normalise_newlines(raw: pd.DataFrame) -> tuple[pd.DataFrame, Defect]:
    fixed = raw.copy()
    examples = []
    for i, row in rows_of(raw):
        for field in TEXT_FIELDS:
            text = row[field]
            if "\n" in text or "\r" in text:
                fixed.at[i, field] = one_line(text)
                examples.append(f"{line_of(i)} ({row['date']}) {field}: {text!r}")
    return fixed, defect(
        "embedded-newline",
        N_("text fields with embedded line breaks (several symbols in one cell)"),
        N_('parts joined with "; ", whitespace collapsed'),
        examples,
    )


def parse_dates(raw: pd.DataFrame, label: str) -> tuple[list[date], Defect]:
    dates: list[date] = []
    for i, text in enumerate(raw["date"].astype(str)):
        try:
            dates.append(datetime.strptime(text.strip(), "%m/%d/%Y").date())
        except ValueError:
            raise UnscError(f"{label}: {line_of(i)}: date {text!r} is not M/D/YYYY") from None
    written = raw["date"].astype(str).tolist()
    examples = [f"{line_of(i)}: {written[i]} -> {d.isoformat()}" for i, d in enumerate(dates)]
    return dates, defect(
        "date-format",
        N_("dates written M/D/YYYY"),
        N_("converted to ISO YYYY-MM-DD"),
        examples,
    )


def check_year_month(raw: pd.DataFrame, dates: list[date]) -> Defect:
    examples = [
        f"{line_of(i)}: date {d.isoformat()}, year {row['year']}, month {row['month']}"
        for (i, row), d in zip(rows_of(raw), dates, strict=True)
        if row["year"].strip() != str(d.year) or row["month"].strip() != str(d.month)
    ]
    return defect(
        "year-month-disagree",
        N_("year or month column disagrees with the date"),
        N_("the date is trusted"),
        examples,
    )


def check_duplicates(raw: pd.DataFrame) -> Defect:
    repeated = raw.duplicated(keep="first").tolist()
    examples = [
        f"{line_of(i)} ({row['date']}, {row['draft']}, {row['agenda_item']}) repeats an earlier row"
        for i, row in rows_of(raw)
        if repeated[i]
    ]
    return defect(
        "duplicate-row",
        N_("rows identical to an earlier row in every column"),
        N_("kept: two vetoes at one meeting can look identical in this file (not verified)"),
        examples,
    )
