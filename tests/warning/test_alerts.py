"""Alerts: idempotent recording, level-change links, ledger entries, no leaked evidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from forewarn.framework.assessments import Assessment, Evidence, Judgement
from forewarn.framework.catalogue import load_framework
from forewarn.ledger import KeyFile, entries_about, sign_with
from forewarn.store.alerts import list_alerts, record_alert, record_alerts
from forewarn.store.db import make_engine, migrate, transaction
from forewarn.warning.alerts import Provenance, candidates
from forewarn.warning.rules import evaluate, load_rules

NOW = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
PROV = Provenance("panel.csv", "ab" * 32, "ewp-elasticnet", "1", "cd" * 8, "rules.toml", 2024)
NAMES = {"AAA": (1, "Alpha"), "BBB": (2, "Beta")}
SECRET = "name of the informant"


def _forecast(risk_a: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"iso3": ["AAA", "BBB"], "risk_2y": [risk_a, 0.002], "risk_2y_prev": [0.05, 0.002],
         "rank": [3, 140], "top_drivers": [[{"feature": "discrimpop", "value": 0.4}], []],
         "profile": [[{"factor": "RF9", "raising": 1.0}], []]}
    )  # fmt: skip


def _assessment() -> Assessment:
    ev = Evidence(SECRET, "interview", dt.date(2024, 5, 1), "B", 2, confidential=True)
    return Assessment(
        "AAA", dt.date(2024, 6, 1), "x", (Judgement("9.1", "present-strong", (ev,)),), id=4
    )


def _candidates(risk_a: float) -> list:
    rules, fw = load_rules(), load_framework()
    assessed = {"AAA": _assessment()}
    firings = evaluate(rules, _forecast(risk_a), assessed, fw)
    return candidates(rules, firings, _forecast(risk_a), assessed, PROV, NAMES)


def test_alerts_are_idempotent_and_linked_on_level_change(
    database_url: str, tmp_path: Path
) -> None:
    migrate(database_url)
    engine = sign_with(make_engine(database_url), KeyFile(tmp_path / "ledger-key.pem"))
    for _ in range(2):
        with transaction(engine) as session:
            record_alerts(session, _candidates(0.10), NOW, on_new=record_alert)
    with transaction(engine) as session:
        first = list_alerts(session)
        assert [(a.iso3, a.level, a.rule) for a in first] == [("AAA", "warning", "risk-4pct")]
        assert len(entries_about(session, f"alert:{first[0].id}")) == 1
    with transaction(engine) as session:  # risk falls below 4 %: rank rule alone -> watch
        new = record_alerts(session, _candidates(0.03), NOW, on_new=record_alert)
    assert [(a.level, a.previous_id, a.seq) for a in new] == [("watch", first[0].id, 2)]
    engine.dispose()


def test_snapshot_freezes_evidence_but_never_evidence_text() -> None:
    (alert,) = _candidates(0.10)
    snap = alert.snapshot
    assert snap["data"] == {"file": "panel.csv", "sha256": "ab" * 32}
    assert snap["model"]["name"] == "ewp-elasticnet" and snap["base_year"] == 2024
    assert snap["forecast"]["risk_2y"] == 0.10 and snap["forecast"]["rank"] == 3
    assert snap["forecast"]["drivers"][0]["feature"] == "discrimpop"
    assert snap["fired"][0]["values"] == {"risk_2y": 0.10, "threshold": 0.04}
    assert snap["assessment_ids"] == [4]
    assert SECRET not in json.dumps(snap)
