"""``forewarn warn``'s work, usable from Python: evaluate the rules and record the alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.data.countries import name_of
from forewarn.framework.assessments import Assessment, latest_per_country
from forewarn.framework.catalogue import load_framework
from forewarn.store.alerts import record_alert, record_alerts
from forewarn.store.assessments import load_assessments
from forewarn.store.tables import AlertRow
from forewarn.warning.alerts import AlertCandidate, Provenance, candidates
from forewarn.warning.rules import RuleSet, evaluate


@dataclass(frozen=True)
class WarnReport:
    """What one evaluation found and wrote."""

    candidates: list[AlertCandidate]
    created: list[int]

    def per_level(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.candidates:
            counts[c.level] = counts.get(c.level, 0) + 1
        return counts


def _names(
    forecast: pd.DataFrame, assessed: Mapping[str, Assessment]
) -> dict[str, tuple[int | None, str]]:
    names: dict[str, tuple[int | None, str]] = {
        str(iso3): (int(ccode), str(country))
        for iso3, ccode, country in zip(
            forecast["iso3"], forecast["ccode"], forecast["country"], strict=True
        )
    }
    for iso3 in assessed:
        names.setdefault(iso3, (None, name_of(iso3)))
    return names


def evaluate_alerts(
    engine: Engine, rules: RuleSet, forecast: pd.DataFrame, provenance: Provenance
) -> list[AlertCandidate]:
    """The alerts the rules call for, from the forecast and each country's latest assessment."""
    with ledger.snapshot(engine) as session:
        assessed = latest_per_country(load_assessments(session))
    framework = load_framework()
    firings = evaluate(rules, forecast, assessed, framework)
    return candidates(rules, firings, forecast, assessed, provenance, _names(forecast, assessed))


def raise_alerts(
    engine: Engine,
    rules: RuleSet,
    forecast: pd.DataFrame,
    provenance: Provenance,
    now: dt.datetime,
) -> WarnReport:
    """Evaluate and record, in one transaction that also appends each new alert to the ledger."""
    found = evaluate_alerts(engine, rules, forecast, provenance)

    def on_new(session: Session, row: AlertRow) -> None:
        record_alert(session, row)

    def work(session: Session) -> list[AlertRow]:
        return record_alerts(session, found, now, on_new=on_new)

    created = ledger.retrying(engine, work)
    return WarnReport(found, [row.id for row in created])
