"""The monthly monitor: event-data rules raising alerts, live and replayed without hindsight.

:func:`raise_monthly_alerts` (``forewarn events warn``) evaluates the monthly rules
(:mod:`forewarn.warning.monthly`) for every country in the event store at one month and
records the alerts through the warning stage's path (:func:`forewarn.store.alerts.
record_alerts` with the ledger hook), so they open the same ladder actions when the clock
ticks and reach the same ledger. A country's monthly alerts form their own stream: a new
one when the level changes, or when the level comes back after twelve months without it.

:func:`replay` runs the same monitor month by month over a past period using, at the end of
each month, only the events whose ``date_end`` is on or before that day, and sets each
month beside the annual model's forecast that was current then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.data.countries import name_of
from forewarn.errors import NotFound
from forewarn.events import monthly, storage
from forewarn.store.alerts import latest_alert, record_alert, record_alerts
from forewarn.store.tables import AlertRow
from forewarn.warning.alerts import AlertCandidate
from forewarn.warning.monthly import (
    EPISODE_MONTHS,
    LOOKBACK,
    CountryMonths,
    evaluate_month,
    new_episode,
    top_level,
)
from forewarn.warning.rules import Firing, RuleSet, strongest

STREAM = "monthly"
EVIDENCE_COLUMNS = ["id", "admin1", "date_start", "date_end", "type_of_violence"]
ForecastProvider = Callable[[int], pd.DataFrame]
"""Base year -> that year's full forecast (iso3, risk_2y, rank), made with data of that
year only (:func:`forewarn.outlook.provider`)."""


def _evidence(events: pd.DataFrame) -> pd.DataFrame:
    month = events["date_start"].dt.strftime("%Y-%m")
    return pd.DataFrame(
        {
            "id": events["id"].astype(str),
            "admin1": events["admin1"],
            "month": month,
            "type_of_violence": events["type_of_violence"],
        }
    )


def country_months(
    table: pd.DataFrame, events: pd.DataFrame, iso3: str, month: int
) -> CountryMonths:
    """The rules' input for ``iso3`` up to ``month`` (code), from province counts and the
    country's events (columns of :data:`EVIDENCE_COLUMNS`)."""
    own = table[table["iso3"] == iso3]
    first = int(own["month"].min()) if not own.empty else month
    span = monthly.Span(min(first, monthly.shift(month, -2 * LOOKBACK)), month)
    return CountryMonths(
        iso3,
        monthly.series(table, iso3, span),
        monthly.series(table, iso3, span, admin1=True),
        _evidence(events),
    )


def firings_over(rules: RuleSet, data: CountryMonths, months: Sequence[int]) -> list[list[Firing]]:
    """The firings at each of ``months`` (codes)."""
    return [evaluate_month(rules, data, monthly.month_text(m)) for m in months]


def _record(f: Firing) -> dict[str, Any]:
    return {"rule": f.rule, "level": f.level, "values": dict(f.values)}


def _row_figures(data: CountryMonths, month: str) -> dict[str, Any]:
    totals = data.totals()
    if month not in totals.index:
        return {}
    row = totals.loc[month].to_dict()
    return {k: int(row[k]) for k in monthly.FIGURES}


def raises(rules: RuleSet, level: str, current: str | None, renew: bool) -> bool:
    """Whether a monthly firing at ``level`` becomes an alert when the country's monthly
    stream stands at ``current``: a step up at once, the same or a lower level only as a
    new episode (nothing at that level or above in the twelve months before)."""
    if current is None or current not in rules.levels:
        return True
    return rules.rank_of(level) > rules.rank_of(current) or renew


def candidate(
    rules: RuleSet, data: CountryMonths, month: int, provenance: dict[str, Any]
) -> AlertCandidate | None:
    """The monthly alert the rules call for at ``month``, with its evidence frozen."""
    history = firings_over(
        rules, data, [monthly.shift(month, -k) for k in range(EPISODE_MONTHS, -1, -1)]
    )
    fired = history[-1]
    level = top_level(rules, fired)
    if level is None:
        return None
    ordered = strongest(rules, fired)[data.iso3]
    text = monthly.month_text(month)
    snapshot = {
        "signal": STREAM,
        "month": text,
        "rule": ordered[0].rule,
        "level": level,
        "fired": [_record(f) for f in ordered],
        "series": _row_figures(data, text),
        **provenance,
    }
    renew = new_episode(rules, level, history[:-1])
    return AlertCandidate(
        data.iso3,
        None,
        name_of(data.iso3),
        level,
        ordered[0].rule,
        month // 100,
        snapshot,
        stream=STREAM,
        renew=renew,
    )


@dataclass(frozen=True)
class MonthlyWarnReport:
    """What one monthly evaluation found and wrote."""

    month: str
    countries: int
    candidates: list[AlertCandidate]
    created: list[int]


def _provenance(
    manifest: storage.Manifest, source: str, iso3: str, rules: RuleSet
) -> dict[str, Any]:
    parts = [p for p in manifest.partitions.values() if p.source == source and p.iso3 == iso3]
    return {
        "events": {
            "source": source,
            "versions": sorted({p.version for p in parts}),
            "files": sorted({f"{p.file} sha256:{p.sha256}" for p in parts}),
            "store_snapshot": manifest.snapshot,
        },
        "rules_file": rules.source,
    }


def evaluate_monthly(
    root: Path,
    rules: RuleSet,
    month: str | None = None,
    source: str = "ged",
    *,
    client: Any = None,
) -> tuple[str, int, list[AlertCandidate]]:
    """The monthly alerts every stored country calls for at ``month`` (default: the last
    month with events): (month, countries evaluated, candidates)."""
    table = monthly.counts(root, source, client=client)
    if table.empty:
        raise NotFound(f"no {source} events imported")
    code = monthly.month_code(month) if month else int(table["month"].max())
    manifest = storage.load_manifest(root)
    found = []
    countries = sorted(set(table["iso3"]))
    for iso3 in countries:
        events = storage.read_events(root, source, iso3, EVIDENCE_COLUMNS)
        data = country_months(table, events, iso3, code)
        made = candidate(rules, data, code, _provenance(manifest, source, iso3, rules))
        if made is not None:
            found.append(made)
    return monthly.month_text(code), len(countries), found


def raise_monthly_alerts(
    engine: Engine,
    root: Path,
    rules: RuleSet,
    now: dt.datetime,
    month: str | None = None,
    source: str = "ged",
    *,
    client: Any = None,
) -> MonthlyWarnReport:
    """Evaluate and record in one transaction that also appends each new alert to the
    ledger (the same hook as the annual warnings)."""
    text, countries, found = evaluate_monthly(root, rules, month, source, client=client)

    def on_new(session: Session, row: AlertRow) -> None:
        record_alert(session, row)

    def work(session: Session) -> list[AlertRow]:
        wanted = [c for c in found if _raises_now(session, rules, c)]
        return record_alerts(session, wanted, now, on_new=on_new)

    created = ledger.retrying(engine, work)
    return MonthlyWarnReport(text, countries, found, [row.id for row in created])


def _raises_now(session: Session, rules: RuleSet, c: AlertCandidate) -> bool:
    current = latest_alert(session, c.iso3, STREAM)
    if current is not None and current.snapshot.get("month") == c.snapshot.get("month"):
        return current.level != c.level and raises(rules, c.level, current.level, False)
    return raises(rules, c.level, current.level if current else None, c.renew)


# --- replay -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayMonth:
    """One month of a replay: what the monitor saw at the month's end, and did."""

    month: str
    figures: dict[str, int]
    by_type: dict[str, dict[str, int]]
    known_events: int
    firings: list[dict[str, Any]]
    alert: dict[str, Any] | None
    annual: dict[str, Any] | None

    def flagged_areas(self) -> list[str]:
        areas: set[str] = set()
        for f in self.firings:
            values = f["values"]
            if values.get("admin1"):
                areas.add(values["admin1"])
            areas.update(values.get("new_areas", []))
        return sorted(areas)


@dataclass(frozen=True)
class EventReplay:
    """A replay of the monthly monitor for one country."""

    iso3: str
    country: str
    source: str
    first: str
    last: str
    months: list[ReplayMonth] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "iso3": self.iso3,
            "country": self.country,
            "source": self.source,
            "from": self.first,
            "to": self.last,
            "notes": self.notes,
            "months": [{**vars(m), "flagged_areas": m.flagged_areas()} for m in self.months],
            "flagged": [
                {
                    "month": m.month,
                    "areas": m.flagged_areas(),
                    "rules": sorted({f["rule"] for f in m.firings}),
                    "alert": m.alert,
                }
                for m in self.months
                if m.firings
            ],
        }


NOTES = [
    "At the end of each month the monitor uses only the events whose date_end is on or "
    "before that day; an event counts in the month of its date_start.",
    "UCDP releases GED once a year, covering the year before (its monthly Candidate Events "
    "Dataset, Hegre et al. 2020, Research & Politics 7(3), comes a month or more after the "
    "events and is revised later), so a live monitor would have seen fewer events, later, "
    "than this replay, which reads GED 23.1 as released in 2023.",
]


def month_end(code: int) -> pd.Timestamp:
    nxt = monthly.shift(code, 1)
    return pd.Timestamp(year=nxt // 100, month=nxt % 100, day=1) - pd.Timedelta(days=1)


def _as_of(events: pd.DataFrame, code: int) -> pd.DataFrame:
    return events[events["date_end"] <= month_end(code)]


def _annual(
    forecasts: ForecastProvider | None,
    iso3: str,
    code: int,
    cache: dict[int, dict[str, Any] | None],
) -> dict[str, Any] | None:
    if forecasts is None:
        return None
    base = code // 100 - 1
    if base not in cache:
        frame = forecasts(base)
        row = frame[frame["iso3"] == iso3]
        cache[base] = (
            None
            if row.empty
            else {
                "base_year": base,
                "risk_2y": float(row["risk_2y"].iloc[0]),
                "rank": int(row["rank"].iloc[0]),
                "countries": len(frame),
            }
        )
    return cache[base]


def _by_type(data: CountryMonths, month: str) -> dict[str, dict[str, int]]:
    rows = data.country[(data.country["month"] == month) & data.country["type_of_violence"].notna()]
    return {
        str(int(r["type_of_violence"])): {
            "events": int(r["events"]),
            "deaths_best": int(r["deaths_best"]),
        }
        for r in rows.to_dict("records")
    }


class _Stream:
    """The monthly alert stream of one country, as the live system would keep it."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.level: str | None = None
        self.history: list[list[Firing]] = []

    def step(self, month: str, fired: list[Firing]) -> dict[str, Any] | None:
        earlier = self.history[-EPISODE_MONTHS:]
        self.history.append(fired)
        level = top_level(self.rules, fired)
        if level is None:
            return None
        renew = new_episode(self.rules, level, earlier)
        if not raises(self.rules, level, self.level, renew):
            return None
        rule = strongest(self.rules, fired)[fired[0].iso3][0].rule
        self.level = level
        return {"month": month, "level": level, "rule": rule, "new_episode": renew}


def replay(
    root: Path,
    iso3: str,
    first: str,
    last: str,
    rules: RuleSet,
    forecasts: ForecastProvider | None = None,
    source: str = "ged",
) -> EventReplay:
    """Replay the monitor month by month (see the module's description)."""
    span = monthly.Span(monthly.month_code(first), monthly.month_code(last))
    columns = sorted({*monthly.SCAN_COLUMNS, *EVIDENCE_COLUMNS})
    events = storage.read_events(root, source, iso3, columns)
    if events.empty:
        raise NotFound(f"no {source} events for {iso3} (forewarn events import FILE)")
    stream, out = _Stream(rules), []
    cache: dict[int, dict[str, Any] | None] = {}
    warm = monthly.month_range(monthly.shift(span.first, -EPISODE_MONTHS), span.last)
    for code in warm:
        seen = _as_of(events, code)
        data = country_months(monthly.count_frame(seen), seen, iso3, code)
        text = monthly.month_text(code)
        fired = evaluate_month(rules, data, text)
        alert = stream.step(text, fired)
        if code < span.first:
            continue
        out.append(
            ReplayMonth(
                text,
                _row_figures(data, text),
                _by_type(data, text),
                len(seen),
                [_record(f) for f in fired],
                alert,
                _annual(forecasts, iso3, code, cache),
            )
        )
    return EventReplay(iso3, name_of(iso3), source, first, last, out, list(NOTES))
