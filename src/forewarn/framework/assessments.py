"""Analyst assessments against the Framework of Analysis: values, file formats, aggregation.

An assessment is one analyst's judgement of one country on one date. Each judgement grades
one indicator (``9.3``), or a risk factor as a whole (``RF10``: for factors whose indicators
are not encoded, or a judgement at a glance), as absent, present-weak, present-strong or
unknown, and may carry evidence items
graded on the Admiralty scale: source reliability A (completely reliable) to F (cannot be
judged) and information credibility 1 (confirmed) to 6 (cannot be judged). Evidence marked
confidential protects informants: it is left out of every output unless explicitly asked for.

Confidentiality fails closed: every evidence item must state it (``true`` or ``false``); a
missing column or key, an empty cell, ``null``, or any other value rejects the file, and so
does any column or key the format does not define (a misspelled ``confidental`` would
otherwise be ignored and the evidence published).

File formats (documented in ``docs/assessments.md``):

* CSV, one row per evidence item (or per judgement without evidence), exactly the columns
  ``country, date, analyst, indicator, judgement, evidence_text, evidence_source,
  evidence_date, reliability, credibility, confidential`` (any order); rows sharing country,
  date and analyst form one assessment.
* JSON, a list of ``{country, date, analyst, judgements: [{indicator, judgement,
  evidence: [{text, source, date, reliability, credibility, confidential}]}]}`` (an
  assessment may also carry the ``id`` that an export writes; it is ignored).

Parsing is all-or-nothing: the first bad row or field raises :class:`SchemaError` naming the
file, the row and the field, and nothing is returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forewarn.data.countries import iso3_of
from forewarn.errors import NotFound, SchemaError
from forewarn.framework.catalogue import Framework
from forewarn.inputs import parse_json, read_text

JUDGEMENTS = ("absent", "present-weak", "present-strong", "unknown")
RELIABILITY = ("A", "B", "C", "D", "E", "F")
CREDIBILITY = (1, 2, 3, 4, 5, 6)
CSV_COLUMNS = (
    "country", "date", "analyst", "indicator", "judgement", "evidence_text",
    "evidence_source", "evidence_date", "reliability", "credibility", "confidential",
)  # fmt: skip
EVIDENCE_COLUMNS = CSV_COLUMNS[5:]
ASSESSMENT_KEYS = frozenset({"country", "date", "analyst", "judgements", "id"})
JUDGEMENT_KEYS = frozenset({"indicator", "judgement", "evidence"})
EVIDENCE_KEYS = frozenset({"text", "source", "date", "reliability", "credibility", "confidential"})
LONGEST = {"analyst": 200, "text": 20_000, "evidence_text": 20_000, "source": 2000,
           "evidence_source": 2000, "country": 200, "indicator": 20}  # fmt: skip
"""The longest value of a text field (as the database and the API keep them)."""
POINTS = {"absent": 0.0, "present-weak": 1.0, "present-strong": 2.0}
HIGH_SCORE = 0.5
"""A factor whose score reaches this value counts as "scored high" (see :func:`score`)."""


@dataclass(frozen=True)
class Evidence:
    """One graded evidence item."""

    text: str
    source: str
    date: dt.date
    reliability: str
    credibility: int
    confidential: bool


@dataclass(frozen=True)
class Judgement:
    """An indicator judgement and the evidence behind it."""

    indicator: str
    value: str
    evidence: tuple[Evidence, ...] = ()

    def best_reliability(self) -> str | None:
        """The most reliable source grade among the evidence (``A`` is best)."""
        grades = sorted(e.reliability for e in self.evidence)
        return grades[0] if grades else None


@dataclass(frozen=True)
class Assessment:
    """One analyst's assessment of one country on one date."""

    iso3: str
    date: dt.date
    analyst: str
    judgements: tuple[Judgement, ...]
    id: int | None = None

    def without_confidential(self) -> Assessment:
        """The same assessment with confidential evidence removed."""
        kept = tuple(
            replace(j, evidence=tuple(e for e in j.evidence if not e.confidential))
            for j in self.judgements
        )
        return replace(self, judgements=kept)


@dataclass(frozen=True)
class FactorScore:
    """Aggregate of one risk factor's judgements (method in :func:`score`)."""

    factor: str
    score: float | None
    completeness: float
    judged: int
    total: int

    @property
    def high(self) -> bool:
        return self.score is not None and self.score >= HIGH_SCORE


class _Where:
    """Names the file and row of the value being parsed, for one-line errors."""

    def __init__(self, path: Path, row: str) -> None:
        self.path, self.row = path, row

    def fail(self, field: str, problem: str) -> SchemaError:
        shown = field if len(field) <= 60 else field[:60] + "..."
        problem = problem if len(problem) <= 400 else problem[:400] + "..."
        return SchemaError(f"{self.path}, {self.row}, field {shown!r}: {problem}")

    def text(self, record: Mapping[str, Any], field: str) -> str:
        value = record.get(field)
        if value is None or not str(value).strip():
            raise self.fail(field, "missing value")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail(field, f"expected text, not {type(value).__name__}")
        text = str(value).strip()
        longest = LONGEST.get(field)
        if longest is not None and len(text) > longest:
            raise self.fail(field, f"longer than {longest} characters")
        return text

    def date(
        self, record: Mapping[str, Any], field: str, not_after: tuple[dt.date, str] | None = None
    ) -> dt.date:
        """A YYYY-MM-DD date; with ``not_after`` (a date and what it is), none later."""
        raw = self.text(record, field)
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise self.fail(field, f"not a date in YYYY-MM-DD form: {raw!r}") from None
        if len(raw) != 10:
            raise self.fail(field, f"not a date in YYYY-MM-DD form: {raw!r}")
        if not_after is not None and day > not_after[0]:
            raise self.fail(field, f"{day} is after {not_after[1]} ({not_after[0]})")
        return day

    def choice(self, record: Mapping[str, Any], field: str, allowed: Sequence[str]) -> str:
        raw = self.text(record, field)
        value = raw.upper() if field == "reliability" else raw.lower()
        if value not in allowed:
            raise self.fail(field, f"{raw!r} is not one of {', '.join(allowed)}")
        return value

    def credibility(self, record: Mapping[str, Any], field: str) -> int:
        raw = self.text(record, field)
        if raw not in {str(c) for c in CREDIBILITY}:
            raise self.fail(field, f"{raw!r} is not a credibility grade 1-6")
        return int(raw)

    def flag(self, record: Mapping[str, Any], field: str) -> bool:
        """An explicit ``true``/``false``: a JSON boolean, or the word in a CSV cell.

        Anything else, an absent or empty value included, is refused: a flag that guards
        informants must never fall back to a default."""
        raw = record.get(field)
        if isinstance(raw, bool):
            return raw
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise self.fail(field, "must be stated explicitly as true or false")
        text = raw.strip().lower() if isinstance(raw, str) else None
        if text not in {"true", "false"}:
            raise self.fail(field, f"{raw!r} is not true or false")
        return text == "true"

    def known_keys(self, record: Mapping[str, Any], allowed: frozenset[str]) -> None:
        """Refuse keys the format does not define (a misspelling would be silently lost)."""
        for key in record:
            if key not in allowed:
                expected = ", ".join(sorted(allowed - {"id"}))
                raise self.fail(str(key), f"unknown key (expected {expected})")

    def country(self, record: Mapping[str, Any], field: str) -> str:
        raw = self.text(record, field)
        try:
            return iso3_of(raw)
        except NotFound:
            raise self.fail(field, f"unknown country {raw!r}") from None

    def indicator(self, record: Mapping[str, Any], field: str, framework: Framework) -> str:
        raw = self.text(record, field)
        try:
            return framework.subject(raw)
        except KeyError:
            hint = "an indicator id such as 9.3, or RF1..RF14 for a whole risk factor"
            raise self.fail(field, f"unknown indicator {raw!r} (use {hint})") from None


def latest_day(today: dt.date | None = None) -> tuple[dt.date, str]:
    """The latest date an assessment may carry: today where the day is furthest ahead."""
    if today is not None:
        return today, "today"
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)
    return ahead.date(), "today (UTC+14)"


def _evidence(where: _Where, rec: Mapping[str, Any], prefix: str, day: dt.date) -> Evidence:
    return Evidence(
        text=where.text(rec, f"{prefix}text"),
        source=where.text(rec, f"{prefix}source"),
        date=where.date(rec, f"{prefix}date", not_after=(day, "the assessment's date")),
        reliability=where.choice(rec, "reliability", RELIABILITY),
        credibility=where.credibility(rec, "credibility"),
        confidential=where.flag(rec, "confidential"),
    )


def _csv_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    """Exactly the format's columns: none missing, none unknown, none repeated."""
    names = list(fieldnames or [])
    where = _Where(path, "row 1")
    for name in names:
        if name not in CSV_COLUMNS:
            raise where.fail(name, f"unknown column (expected {', '.join(CSV_COLUMNS)})")
        if names.count(name) > 1:
            raise where.fail(name, "column appears twice")
    for name in CSV_COLUMNS:
        if name not in names:
            raise where.fail(name, "missing column")


def _csv_records(path: Path) -> list[dict[str, str]]:
    text = read_text(path, SchemaError)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        _csv_header(path, reader.fieldnames)
        records = list(reader)
    except csv.Error as exc:
        raise SchemaError(f"{path}, row {reader.line_num}: unreadable CSV ({exc})") from None
    for n, rec in enumerate(records, start=2):
        if None in rec or any(v is None for v in rec.values()):
            raise SchemaError(f"{path}, row {n}: wrong number of fields")
    return records


def read_csv(path: Path, framework: Framework, today: dt.date | None = None) -> list[Assessment]:
    """Parse an assessment CSV (all-or-nothing); no date after ``today`` (default: now)."""
    groups: dict[tuple[str, dt.date, str], dict[str, tuple[str, list[Evidence]]]] = {}
    latest = latest_day(today)
    for n, rec in enumerate(_csv_records(path), start=2):
        where = _Where(path, f"row {n}")
        day = where.date(rec, "date", not_after=latest)
        key = (where.country(rec, "country"), day, where.text(rec, "analyst"))
        indicator = where.indicator(rec, "indicator", framework)
        value = where.choice(rec, "judgement", JUDGEMENTS)
        judged = groups.setdefault(key, {})
        if indicator in judged and judged[indicator][0] != value:
            raise where.fail("judgement", f"contradicts an earlier row for {indicator}")
        evidence = judged.setdefault(indicator, (value, []))[1]
        if any(rec[f].strip() for f in EVIDENCE_COLUMNS):
            evidence.append(_evidence(where, rec, "evidence_", day))
    return [
        Assessment(iso3, day, analyst, _judgements(judged))
        for (iso3, day, analyst), judged in groups.items()
    ]


def _judgements(judged: Mapping[str, tuple[str, list[Evidence]]]) -> tuple[Judgement, ...]:
    return tuple(Judgement(ind, v, tuple(ev)) for ind, (v, ev) in judged.items())


def read_json(path: Path, framework: Framework, today: dt.date | None = None) -> list[Assessment]:
    """Parse an assessment JSON file (all-or-nothing); no date after ``today``."""
    doc = parse_json(read_text(path, SchemaError), SchemaError, str(path))
    if not isinstance(doc, list):
        raise SchemaError(f"{path}: expected a list of assessments")
    latest = latest_day(today)
    return [
        _json_assessment(path, i, item, framework, latest) for i, item in enumerate(doc, start=1)
    ]


def _json_assessment(
    path: Path, i: int, item: Any, framework: Framework, latest: tuple[dt.date, str]
) -> Assessment:
    where = _Where(path, f"assessment {i}")
    if not isinstance(item, dict) or not isinstance(item.get("judgements"), list):
        raise where.fail("judgements", "expected an object with a list of judgements")
    where.known_keys(item, ASSESSMENT_KEYS)
    day = where.date(item, "date", not_after=latest)
    judgements = []
    for k, raw in enumerate(item["judgements"], start=1):
        jw = _Where(path, f"assessment {i}, judgement {k}")
        if not isinstance(raw, dict):
            raise jw.fail("judgement", "expected an object")
        jw.known_keys(raw, JUDGEMENT_KEYS)
        ev = [
            _json_evidence(_Where(path, f"assessment {i}, judgement {k}, evidence {m}"), e, day)
            for m, e in enumerate(_list(jw, raw.get("evidence", [])), start=1)
        ]
        indicator = jw.indicator(raw, "indicator", framework)
        judgements.append(Judgement(indicator, jw.choice(raw, "judgement", JUDGEMENTS), tuple(ev)))
    _no_repeats(where, judgements)
    return Assessment(
        where.country(item, "country"),
        day,
        where.text(item, "analyst"),
        tuple(judgements),
    )


def _json_evidence(where: _Where, record: Mapping[str, Any], day: dt.date) -> Evidence:
    where.known_keys(record, EVIDENCE_KEYS)
    return _evidence(where, record, "", day)


def _list(where: _Where, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise where.fail("evidence", "expected a list of objects")
    return value


def _no_repeats(where: _Where, judgements: Sequence[Judgement]) -> None:
    seen: set[str] = set()
    for j in judgements:
        if j.indicator in seen:
            raise where.fail("indicator", f"{j.indicator} is judged twice")
        seen.add(j.indicator)


def read_file(path: Path, framework: Framework, today: dt.date | None = None) -> list[Assessment]:
    """Parse a ``.csv`` or ``.json`` assessment file; refuse duplicated assessments and
    dates after ``today`` (default: today where the day is furthest ahead, UTC+14)."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise SchemaError(f"{path}: assessment files are .csv or .json")
    reader = read_csv if suffix == ".csv" else read_json
    items = reader(path, framework, today)
    if not items:
        raise SchemaError(f"{path}: no assessments in the file")
    keys = [(a.iso3, a.date, a.analyst) for a in items]
    for n, key in enumerate(keys, start=1):
        if keys.index(key) != n - 1:
            raise SchemaError(f"{path}, assessment {n}: repeats {key[0]} {key[1]} {key[2]}")
    return items


def to_records(items: Iterable[Assessment], include_confidential: bool) -> list[dict[str, Any]]:
    """The JSON form of assessments; confidential evidence only when explicitly asked for."""
    out = []
    for a in items:
        shown = a if include_confidential else a.without_confidential()
        out.append(
            {
                "id": a.id,
                "country": a.iso3,
                "date": a.date.isoformat(),
                "analyst": a.analyst,
                "judgements": [_judgement_record(j) for j in shown.judgements],
            }
        )
    return out


def _judgement_record(j: Judgement) -> dict[str, Any]:
    return {
        "indicator": j.indicator,
        "judgement": j.value,
        "evidence": [
            {
                "text": e.text,
                "source": e.source,
                "date": e.date.isoformat(),
                "reliability": e.reliability,
                "credibility": e.credibility,
                "confidential": e.confidential,
            }
            for e in j.evidence
        ],
    }


def _csv_tail(e: dict[str, Any] | None) -> list[Any]:
    if e is None:
        return [""] * 6
    keys = ("text", "source", "date", "reliability", "credibility")
    return [*(e[k] for k in keys), str(e["confidential"]).lower()]


def to_csv(items: Iterable[Assessment], include_confidential: bool) -> str:
    """The CSV form of assessments (same columns as the import format)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rec in to_records(items, include_confidential):
        head = [rec["country"], rec["date"], rec["analyst"]]
        for j in rec["judgements"]:
            for e in j["evidence"] or [None]:
                writer.writerow([*head, j["indicator"], j["judgement"], *_csv_tail(e)])
    return buffer.getvalue()


def score(assessment: Assessment, framework: Framework) -> dict[str, FactorScore]:
    """Score every risk factor of one assessment.

    Method: each judgement earns points (absent 0, present-weak 1, present-strong 2);
    ``unknown`` and unjudged indicators earn none and are left out. A judgement of a whole
    factor (``RF10``) counts as one judgement of that factor. A factor's score is its mean
    points divided by 2, so 0 (all absent) to 1 (all present-strong); ``None`` when nothing
    of the factor was judged. Completeness is the share of the factor's indicators that
    received a judgement other than unknown, or 1 when the factor was judged as a whole. A
    factor is "scored high" at 0.5 or more.
    """
    by_factor: dict[str, list[float]] = {f.id: [] for f in framework.factors}
    whole: set[str] = set()
    for j in assessment.judgements:
        if j.value in POINTS:
            factor_id = framework.factor_of(j.indicator)
            by_factor[factor_id].append(POINTS[j.value])
            if factor_id == j.indicator:
                whole.add(factor_id)
    result = {}
    for factor in framework.factors:
        points = by_factor[factor.id]
        total = len(factor.indicators)
        judged = len(points) - (factor.id in whole)
        completeness = 1.0 if factor.id in whole else (judged / total if total else 0.0)
        result[factor.id] = FactorScore(
            factor.id,
            sum(points) / (2 * len(points)) if points else None,
            completeness,
            len(points),
            total,
        )
    return result


def latest_per_country(items: Iterable[Assessment]) -> dict[str, Assessment]:
    """The most recent assessment of each country (ties: the higher id)."""
    latest: dict[str, Assessment] = {}
    for a in items:
        current = latest.get(a.iso3)
        if current is None or (a.date, a.id or 0) > (current.date, current.id or 0):
            latest[a.iso3] = a
    return latest
