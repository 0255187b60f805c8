"""The monthly monitor: rules, alerts through the warning stage into the ladder and the ledger
(both database back ends), and the replay without hindsight."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.events import monthly
from forewarn.events.monitor import (
    country_months,
    evaluate_monthly,
    raise_monthly_alerts,
    replay,
)
from forewarn.events.storage import events_root, read_events
from forewarn.ledger import entries_about
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store.alerts import list_alerts, record_alert, record_alerts
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import ActionRow
from forewarn.warning.alerts import AlertCandidate
from forewarn.warning.monthly import evaluate_month, load_monthly_rules

from .conftest import import_file, write_csv

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_packaged_rules_load_and_a_bad_rule_is_named(tmp_path: Path) -> None:
    rules = load_monthly_rules()
    assert {r.kind for r in rules.rules} == {"surge", "spread", "escalation"}
    text = (
        Path(rules.source)
        .read_text(encoding="utf-8")
        .replace('measure = "deaths_civilians"', 'measure = "rumours"', 1)
    )
    bad = tmp_path / "monthly.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"monthly.toml, rule 1 \(\w[-\w]*\), field 'measure': 'rumours'"
    ):
        load_monthly_rules(bad)
    bad.write_text(
        text.replace('"rumours"', '"events"').replace('kind = "spread"', 'kind = "rumour"', 1),
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"rule 3 \(spread-new-provinces\), field 'kind': unknown kind 'rumour'"
    ):
        load_monthly_rules(bad)


def test_monthly_alerts_reach_the_ladder_and_the_ledger(
    caf_store: Path, db_settings: Settings
) -> None:
    engine = open_database(db_settings)
    rules = load_monthly_rules()
    annual = AlertCandidate(
        "CAF",
        482,
        "Central African Republic",
        "emergency",
        "risk-4pct",
        2012,
        {"rule": "risk-4pct"},
    )
    with transaction(engine) as session:  # an annual alert at the same level comes first
        record_alerts(session, [annual], NOW, on_new=record_alert)
    report = raise_monthly_alerts(engine, caf_store, rules, NOW, "2013-07")
    assert [(c.iso3, c.level, c.stream) for c in report.candidates] == [
        ("CAF", "emergency", "monthly")
    ]
    assert len(report.created) == 1
    again = raise_monthly_alerts(engine, caf_store, rules, NOW, "2013-07")
    assert again.created == []
    with transaction(engine) as session:
        alerts = list_alerts(session, iso3="CAF")
        monthly_alert = next(a for a in alerts if a.stream == "monthly")
        snapshot = monthly_alert.snapshot
        assert snapshot["month"] == "2013-07" and snapshot["signal"] == "monthly"
        fired = {f["rule"]: f["values"] for f in snapshot["fired"]}
        country = fired["civilian-surge-country"]
        assert country["current"] >= country["min_count"] and country["event_ids"]
        events = read_events(caf_store, "ged", "CAF").set_index("id")
        chosen = events.loc[country["event_ids"]]
        assert set(chosen["date_start"].dt.strftime("%Y-%m")) == {"2013-07"}
        assert int(chosen["deaths_civilians"].sum()) == country["current"]
        assert snapshot["events"]["versions"] == ["23.1"]
        assert len(entries_about(session, f"alert:{monthly_alert.id}")) == 1
    clock.tick(engine, load_ladder(db_settings), NOW)
    with transaction(engine) as session:
        opened = session.query(ActionRow).filter(ActionRow.alert_id == monthly_alert.id).count()
    assert opened > 0
    engine.dispose()


def test_a_quiet_month_raises_nothing(caf_store: Path) -> None:
    month, countries, found = evaluate_monthly(caf_store, load_monthly_rules(), "2005-02")
    assert (month, countries, found) == ("2005-02", 1, [])


def _as_seen(rows: pd.DataFrame, month: str) -> pd.DataFrame:
    end = pd.Period(month, "M").end_time.normalize()
    return rows[pd.to_datetime(rows["date_end"]) <= end]


@pytest.mark.parametrize("month", ["2012-12", "2013-03", "2013-09"])
def test_the_replay_sees_only_what_was_known_at_each_month_end(
    caf_store: Path, caf_rows: pd.DataFrame, tmp_path: Path, month: str
) -> None:
    rules = load_monthly_rules()
    replayed = replay(caf_store, "CAF", month, month, rules)
    [seen] = replayed.months
    known = _as_seen(caf_rows, month)  # the events a monitor had at the month's end
    root = events_root(tmp_path)
    import_file(root, write_csv(known, tmp_path / "GEDEvent_v23_1.csv"), repair=True)
    table = monthly.counts(root, "ged", "CAF")
    events = read_events(root, "ged", "CAF")
    data = country_months(table, events, "CAF", monthly.month_code(month))
    fired = evaluate_month(rules, data, month)
    assert seen.known_events == len(known)
    assert [f["rule"] for f in seen.firings] == [f.rule for f in fired]
    assert [f["values"] for f in seen.firings] == [dict(f.values) for f in fired]
    later = monthly.series(
        monthly.counts(caf_store, "ged", "CAF"),
        "CAF",
        monthly.Span(*(monthly.month_code(month),) * 2),
    )
    assert (
        int(later.loc[later["type_of_violence"].isna(), "events"].iloc[0]) >= seen.figures["events"]
    )  # hindsight can only add events to a month


@pytest.mark.slow
def test_the_replay_command_sets_the_months_beside_the_annual_forecast(
    caf_store: Path,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from .test_import import run_cli

    monkeypatch.setenv("FOREWARN_DATA_MIRROR", str(settings.data_mirror))
    monkeypatch.setenv("FOREWARN_CACHE_DIR", str(settings.cache_dir))
    out, plot = tmp_path / "replay.json", tmp_path / "replay.png"
    code, text, err = run_cli(
        monkeypatch,
        capsys,
        caf_store.parent,
        "events",
        "replay",
        "CAF",
        "--from",
        "2012-01",
        "--to",
        "2014-12",
        "--json",
        str(out),
        "--plot",
        str(plot),
    )
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert [m["month"] for m in doc["months"]][::12] == ["2012-01", "2013-01", "2014-01"]
    assert {m["annual"]["base_year"] for m in doc["months"]} == {2011, 2012, 2013}
    assert doc["flagged"] and all(f["rules"] for f in doc["flagged"])
    assert any(m["alert"] for m in doc["months"])
    assert "released" in " ".join(doc["notes"]) and plot.stat().st_size > 10_000
    assert "the monthly monitor replayed" in text
