"""How long things waited for an answer, with the unanswered counted: the summaries of
:mod:`forewarn.response.gap` and :mod:`forewarn.notify.told`.

A median of the answered alone says nothing of those never answered: "median 0 days" beside
"29 never answered". Two figures here count every case:

* **answered within N working days**: of the cases whose first N working days are over, how
  many were answered within them. A case never answered counts as not answered; a case still
  inside its first N working days is left out (it cannot be judged yet, whether or not it was
  answered already) and counted separately. Working days follow the ladder's calendar, and a
  window ends with the end (UTC) of the Nth working day after the day the case began, as an
  action's deadline does.
* **the median over all cases** (Kaplan–Meier): the time by which half of the cases were
  answered, where a case not answered yet counts as still waiting at the time it has waited
  so far. It is *not reached* while more than half may still be waiting.

Everything here is pure: it takes (start, answered-at or None) pairs and the moment "now".
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from forewarn.response.clock import as_utc
from forewarn.response.ladder import Calendar

WINDOWS = (1, 5, 10)
"""Working days: the next working day, a working week, two working weeks."""


@dataclass(frozen=True)
class Case:
    """One thing that waited: since ``start``, answered at ``answered`` (None: not yet)."""

    start: dt.datetime
    answered: dt.datetime | None


@dataclass(frozen=True)
class Within:
    """Of the ``judged`` cases whose first ``working_days`` working days are over,
    ``answered`` were answered within them (``share``); ``too_recent`` are still inside."""

    working_days: int
    judged: int
    answered: int
    too_recent: int
    share: float | None


@dataclass(frozen=True)
class Median:
    """The median time to an answer, in ``unit`` (days or hours), two ways.

    ``answered_only`` is over the ``answered`` cases alone; ``all_cases`` (Kaplan–Meier)
    counts the ``waiting`` ones as still waiting, and is None when not reached, that is
    while more than half of the ``cases`` may still be waiting (``longest_wait``: the
    longest any of them has waited)."""

    unit: str
    cases: int
    answered: int
    waiting: int
    answered_only: float | None
    all_cases: float | None
    longest_wait: float | None


def window_end(calendar: Calendar, start: dt.datetime, working_days: int) -> dt.datetime:
    """The end (UTC) of the ``working_days``-th working day after the day of ``start``."""
    day = calendar.add_working_days(as_utc(start).date(), working_days)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def within(
    cases: Sequence[Case], now: dt.datetime, calendar: Calendar, working_days: int
) -> Within:
    """How many of ``cases`` were answered within ``working_days`` working days."""
    judged = answered = 0
    for case in cases:
        end = window_end(calendar, case.start, working_days)
        if end > as_utc(now):
            continue
        judged += 1
        answered += case.answered is not None and as_utc(case.answered) < end
    share = round(answered / judged, 4) if judged else None
    return Within(working_days, judged, answered, len(cases) - judged, share)


def windows(
    cases: Sequence[Case], now: dt.datetime, calendar: Calendar, days: Iterable[int] = WINDOWS
) -> tuple[Within, ...]:
    """:func:`within` for each window of ``days``."""
    return tuple(within(cases, now, calendar, n) for n in days)


def _elapsed(start: dt.datetime, end: dt.datetime, unit: str) -> float:
    seconds = max((as_utc(end) - as_utc(start)).total_seconds(), 0.0)
    return seconds / (86400 if unit == "days" else 3600)


def _steps(answered: Sequence[float], waiting: Sequence[float]) -> list[tuple[float, float]]:
    """The Kaplan–Meier curve: (time of an answer, share still waiting just after it).

    An answer and a censoring at the same time: the answer is counted first."""
    at_risk = len(answered) + len(waiting)
    events = sorted([(t, 0) for t in answered] + [(t, 1) for t in waiting])
    curve, still, i = [], 1.0, 0
    while i < len(events):
        j = i
        while j < len(events) and events[j][0] == events[i][0]:
            j += 1
        answers = sum(1 for _, censored in events[i:j] if not censored)
        if answers:
            still *= 1 - answers / at_risk
            curve.append((events[i][0], still))
        at_risk -= j - i
        i = j
    return curve


def kaplan_meier_median(answered: Sequence[float], waiting: Sequence[float]) -> float | None:
    """The Kaplan–Meier median of times to an answer: ``answered`` times observed,
    ``waiting`` times censored (not answered yet); None when not reached.

    As usual (and as the plain median when nothing is censored): the first time the share
    still waiting falls below one half, or the middle of the stretch where it is exactly
    one half."""
    curve = _steps(answered, waiting)
    for k, (t, still) in enumerate(curve):
        if abs(still - 0.5) < 1e-9:
            return (t + curve[k + 1][0]) / 2 if k + 1 < len(curve) else t
        if still < 0.5:
            return t
    return None


def median(cases: Sequence[Case], now: dt.datetime, unit: str = "days") -> Median:
    """The median time to an answer over the answered only, and over all ``cases``."""
    done = [_elapsed(c.start, c.answered, unit) for c in cases if c.answered is not None]
    open_ = [_elapsed(c.start, now, unit) for c in cases if c.answered is None]
    km = kaplan_meier_median(done, open_)
    return Median(
        unit=unit,
        cases=len(cases),
        answered=len(done),
        waiting=len(open_),
        answered_only=round(statistics.median(done), 2) if done else None,
        all_cases=None if km is None else round(km, 2),
        longest_wait=round(max(open_), 2) if open_ else None,
    )
