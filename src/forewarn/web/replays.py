"""A case replayed through forewarn, as one timeline beside the recorded history.

:func:`forewarn.cases.replay.replay` turns the forecasts of the base years before a case's
onset into the alerts and ladder actions forewarn would have raised. The forecast of base
year B is the forecasting stage's honest one (``forewarn.outlook.provider``: a model trained
on the years whose outcomes were known by B), computed once per app. The timeline
interleaves the recorded events with what the system would have done: each alert when it
would have been issued and each action with its deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from forewarn.api.context import ApiContext
from forewarn.cases.replay import VETO_TRIGGER, Replay, base_years, replay
from forewarn.cases.timeline import Case, Event
from forewarn.framework.catalogue import load_framework
from forewarn.warning.rules import load_rules


@dataclass(frozen=True)
class Moment:
    """One line of a case timeline: a recorded event, or what forewarn would have done."""

    date: dt.date
    source: str
    """``record`` (what happened) or ``forewarn`` (what the system would have done)."""
    kind: str
    event: Event | None = None
    detail: dict[str, Any] | None = None


def replay_of(context: ApiContext, case: Case) -> Replay:
    """The replay of ``case`` with the configured rules and ladder (computed once per app)."""
    from forewarn import outlook  # imported on first use: it loads the modelling stack

    framework = context.cached("framework", load_framework)

    def run() -> Replay:
        provider = outlook.provider(context.settings, base_years=base_years(case))
        rules = load_rules(context.settings.rules_file)
        return replay(case, provider, rules, framework, context.ladder)

    return context.cached(f"replay:{case.id}", run)


def years(case: Case) -> tuple[int, int]:
    """The first and last base year a replay asks forecasts for."""
    found = base_years(case)
    return found[0], found[-1]


def timeline(case: Case, replayed: Replay | None) -> list[Moment]:
    """The recorded events and, with a replay, forewarn's alerts and deadlines, by date."""
    moments = [Moment(e.date, "record", e.kind, event=e) for e in case.events]
    if replayed is not None:
        for a in replayed.alerts:
            detail = {"level": a.level, "rule": a.rule, "base_year": a.base_year}
            moments.append(Moment(a.issued, "forewarn", "alert", detail=detail))
        for action in replayed.actions:
            vetoed = action.trigger.removeprefix(VETO_TRIGGER)
            detail = {"title": action.title, "owner": action.owner, "opened": action.opened,
                      "trigger": action.trigger,
                      "vetoed": vetoed if vetoed != action.trigger else None}  # fmt: skip
            moments.append(Moment(action.deadline, "forewarn", "deadline", detail=detail))
    order = {"record": 1, "forewarn": 0}
    return sorted(moments, key=lambda m: (m.date, order[m.source]))
