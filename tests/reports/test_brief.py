"""Assembling briefs: the forecast taken as plain inputs, the database as the stages left it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.errors import NotFound, SchemaError
from forewarn.reports.brief import assemble_country_brief, assemble_watchlist
from forewarn.reports.inputs import ForecastInputs
from forewarn.reports.published import published_inputs
from forewarn.reports.record_parts import measures_of
from forewarn.response.ladder import load_ladder

from .conftest import NOW, PUBLIC, SECRET, Scenario


def test_risk_trend_and_drivers_come_from_the_inputs(
    inputs: ForecastInputs, scenario: Scenario
) -> None:
    with Session(scenario.engine) as session:
        brief = assemble_country_brief(scenario.settings, inputs, "MMR", session, NOW)
    risk = brief.risk
    assert (risk.risk_2y, risk.rank, risk.countries, risk.change) == (0.104, 1, 5, -0.003)
    assert (risk.low, risk.high) == (0.071, 0.149) and brief.has_band
    assert [p.year for p in brief.trend] == list(range(2014, 2025))
    assert [p.year for p in brief.trend if p.onset] == [2016, 2021]
    assert brief.trend[-1].risk_2y == 0.104 and brief.trend[0].rank == 1
    assert [d.feature for d in brief.drivers][:3] == [
        "coup.try.5yr", "pol_killing_approved", "even_civilrights",
    ]  # fmt: skip
    assert len(brief.drivers) == 8 and all(d.contribution != 0 for d in brief.drivers)
    assert brief.drivers[0].factors and brief.drivers[0].label != "coup.try.5yr"
    assert "year" not in {d.feature for d in brief.drivers}  # the baseline is not a driver
    assert brief.baseline == pytest.approx(-0.02)  # region 0.0 + calendar year -0.02
    assert abs(sum(r.raising for r in brief.profile) - 1.0) < 1e-9
    assert brief.profile[0].name  # a factor name, or the structural baseline


def test_findings_leave_confidential_evidence_out(
    inputs: ForecastInputs, scenario: Scenario
) -> None:
    with Session(scenario.engine) as session:
        brief = assemble_country_brief(scenario.settings, inputs, "Myanmar", session, NOW)
    findings = brief.findings
    assert findings is not None and findings.analyst == "analyst-a" and findings.withheld == 1
    texts = [e.text for j in findings.judgements for e in j.evidence]
    assert texts == [PUBLIC]
    assert SECRET not in repr(brief)
    assert {f.factor: f.high for f in findings.factors} == {"RF7": False, "RF8": True, "RF9": True}


def test_alert_level_overdue_actions_and_measures(
    inputs: ForecastInputs, scenario: Scenario
) -> None:
    with Session(scenario.engine) as session:
        brief = assemble_country_brief(scenario.settings, inputs, "MMR", session, NOW)
    assert brief.level == "emergency" and [a.level for a in brief.alerts] == ["emergency"]
    assert brief.alerts[0].still_open > 0 and brief.alerts[0].days_to_ack is None
    overdue = {a.title for a in brief.overdue}
    assert any("President of the Security Council" in t for t in overdue)
    assert all(a.deadline < NOW.date() for a in brief.overdue)
    ladder = load_ladder(scenario.settings)
    assert [m.id for m in brief.measures] == [a.id for a in ladder.actions_for("emergency")]
    meeting = next(m for m in brief.measures if m.id == "council_meeting")
    assert (meeting.owner, meeting.deadline_days, meeting.escalates_to) == (
        "secretary_general", 2, None,
    )  # fmt: skip


def test_a_country_without_alert_or_assessment(inputs: ForecastInputs, scenario: Scenario) -> None:
    with Session(scenario.engine) as session:
        brief = assemble_country_brief(scenario.settings, inputs, "nor", session, NOW)
    assert brief.iso3 == "NOR" and brief.level is None and brief.findings is None
    assert brief.alerts == () and brief.overdue == () and brief.measures == ()
    assert brief.drivers == () and brief.profile == () and brief.baseline is None


def test_measures_follow_the_ladder_at_every_level(settings: Settings) -> None:
    ladder = load_ladder(settings)
    for level in ladder.levels:
        assert [m.id for m in measures_of(ladder, level)] == [
            a.id for a in ladder.actions_for(level)
        ]
    assert measures_of(ladder, None) == ()


def test_unknown_countries_are_not_found(inputs: ForecastInputs, scenario: Scenario) -> None:
    with Session(scenario.engine) as session:
        with pytest.raises(NotFound, match="unknown country 'Atlantis'"):
            assemble_country_brief(scenario.settings, inputs, "Atlantis", session, NOW)
        with pytest.raises(NotFound, match="no forecast for country 'FRA'"):
            assemble_country_brief(scenario.settings, inputs, "FRA", session, NOW)


def test_inputs_are_checked_against_their_schemas(inputs: ForecastInputs) -> None:
    with pytest.raises(SchemaError, match="forecast frame: missing column 'rank'"):
        dataclasses.replace(inputs, forecast=inputs.forecast.drop(columns="rank"))
    doubled = pd.concat([inputs.forecast, inputs.forecast.head(1)])
    with pytest.raises(SchemaError, match="more than one row"):
        dataclasses.replace(inputs, forecast=doubled)
    with pytest.raises(SchemaError, match="history frame: missing column 'year'"):
        dataclasses.replace(inputs, history=inputs.history.drop(columns="year"))


def test_watchlist_ranks_new_alerts_and_the_gap(inputs: ForecastInputs, scenario: Scenario) -> None:
    with Session(scenario.engine) as session:
        watchlist = assemble_watchlist(scenario.settings, inputs, session, NOW, top=3)
    assert [(r.rank, r.iso3, r.level) for r in watchlist.rows] == [
        (1, "MMR", "emergency"), (2, "SDN", "warning"), (3, "TCD", None),
    ]  # fmt: skip
    assert watchlist.countries == 5 and watchlist.new_since == dt.date(2025, 2, 10)
    assert sorted(a.iso3 for a in watchlist.new_alerts) == ["MMR", "SDN"]
    assert (watchlist.gap.alerts, watchlist.gap.never_answered) == (2, 2)
    assert watchlist.gap.escalations > 0
    assert {a.iso3 for a in watchlist.waiting} == {"MMR", "SDN"}
    assert all(a.days_waiting == 9.0 for a in watchlist.waiting)
    later = NOW + dt.timedelta(days=40)
    with Session(scenario.engine) as session:
        assert assemble_watchlist(scenario.settings, inputs, session, later).new_alerts == ()


def test_the_published_forecast_keeps_region_and_year_out_of_the_drivers(
    settings: Settings, scenario: Scenario
) -> None:
    """Sudan's published drivers once included "Region: North America +0.08", coefficient
    times minus the mean: region and calendar year are the structural baseline instead."""
    inputs = published_inputs(settings)
    every = dict(inputs.contributions["SDN"])
    assert every["reg.na"] != 0  # the term is there ...
    with Session(scenario.engine) as session:
        brief = assemble_country_brief(scenario.settings, inputs, "SDN", session, NOW)
    shown = {d.feature for d in brief.drivers}
    assert not shown & {"reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur", "year", "year_sq"}
    assert all(not d.label.startswith("Region") for d in brief.drivers)  # ... but not a driver
    terms = ("reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur", "year", "year_sq")
    assert brief.baseline == pytest.approx(sum(every.get(t, 0.0) for t in terms))
    assert len(brief.drivers) == 8
