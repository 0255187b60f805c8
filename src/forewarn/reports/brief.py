"""Country briefs and watchlists assembled as plain values from the stages.

:func:`assemble_country_brief` and :func:`assemble_watchlist` take the forecast as plain
data (:class:`forewarn.reports.inputs.ForecastInputs`, chosen by
:func:`forewarn.reports.forecasts.forecast_inputs`), add what the database and the
configuration know (assessments, alerts, actions, the escalation ladder, the response gap)
and return the frozen values of :mod:`forewarn.reports.values`, which the templates render
(:mod:`forewarn.reports.render`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.framework.catalogue import load_framework
from forewarn.reports.forecast_parts import (
    baseline_value,
    drivers_of,
    optional_number,
    profile_of,
    risk_of,
    trend_of,
)
from forewarn.reports.inputs import ForecastInputs
from forewarn.reports.record_parts import (
    alert_lines,
    findings_of,
    measures_of,
    open_alerts,
    overdue_of,
)
from forewarn.reports.values import AlertLine, CountryBrief, RankRow, Watchlist
from forewarn.response import gap
from forewarn.response.clock import as_utc
from forewarn.response.ladder import load_ladder

WATCHLIST_TOP = 30
"""Countries in a watchlist's ranking (the default rules watch the top 30)."""
NEW_ALERT_DAYS = 30
"""A watchlist's "new alerts" were raised at most this many days before it."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return as_utc(now) if now is not None else dt.datetime.now(dt.UTC)


def assemble_country_brief(
    settings: Settings,
    inputs: ForecastInputs,
    iso3: str,
    session: Session,
    now: dt.datetime | None = None,
) -> CountryBrief:
    """The brief of one country (ISO3 code or name) as of ``now`` (default: now)."""
    moment = _now(now)
    code = inputs.resolve(iso3)
    framework = load_framework()
    pairs = inputs.contributions.get(code, ())
    lines = alert_lines(session, gap.report(session, moment, country=code), code)
    level = lines[0].level if lines else None
    return CountryBrief(
        iso3=code,
        country=str(inputs.row(code)["country"]),
        base_year=inputs.base_year,
        generated=moment,
        source=inputs.source,
        risk=risk_of(inputs, code),
        trend=trend_of(inputs, code),
        drivers=drivers_of(pairs),
        baseline=baseline_value(pairs),
        profile=profile_of(pairs, framework),
        findings=findings_of(session, code, framework),
        level=level,
        alerts=open_alerts(lines),
        overdue=overdue_of(session, [a.id for a in lines], moment.date()),
        measures=measures_of(load_ladder(settings), level),
    )


def _rank_rows(inputs: ForecastInputs, levels: Mapping[str, str], top: int) -> tuple[RankRow, ...]:
    frame = inputs.forecast.sort_values(["rank", "iso3"]).head(top)
    return tuple(
        RankRow(
            int(r["rank"]),
            str(r["iso3"]),
            str(r["country"]),
            float(r["risk_2y"]),
            optional_number(r["low"]),
            optional_number(r["high"]),
            optional_number(r["change"]),
            levels.get(str(r["iso3"])),
        )
        for r in frame.to_dict("records")
    )


def _waiting(lines: Sequence[AlertLine], limit: int = 10) -> tuple[AlertLine, ...]:
    never = [a for a in lines if a.days_to_ack is None]
    return tuple(sorted(never, key=lambda a: (-(a.days_waiting or 0.0), a.id))[:limit])


def assemble_watchlist(
    settings: Settings,
    inputs: ForecastInputs,
    session: Session,
    now: dt.datetime | None = None,
    top: int = WATCHLIST_TOP,
) -> Watchlist:
    """The watchlist as of ``now``: ranking, new alerts and the warning–response gap
    (working days after the calendar of the ``settings``' ladder)."""
    moment = _now(now)
    report = gap.report(session, moment, calendar=load_ladder(settings).calendar)
    lines = alert_lines(session, report, None)
    levels: dict[str, str] = {}
    for line in lines:
        levels.setdefault(line.iso3, line.level)
    since = moment - dt.timedelta(days=NEW_ALERT_DAYS)
    return Watchlist(
        base_year=inputs.base_year,
        generated=moment,
        source=inputs.source,
        countries=len(inputs.forecast),
        rows=_rank_rows(inputs, levels, top),
        new_since=since.date(),
        new_alerts=tuple(a for a in lines if a.raised >= since),
        gap=report.totals,
        waiting=_waiting(lines),
    )
