"""Dashboard fixtures: the forecasting stand-in, a database seeded through the real stages,
and users with sessions.

Alerts are made as the warning stage makes them (rules evaluated on the forecast, alert
candidates, ``record_alerts`` with its ledger hook) and their actions by the clock
(``forewarn.response.clock.tick``), when they are raised and twice more in the three weeks
since, so that the queue holds overdue and escalated actions.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import forewarn
from forewarn import ledger
from forewarn.api import create_app
from forewarn.api.security import digest, new_token
from forewarn.config import Settings
from forewarn.framework.assessments import Assessment, Evidence, Judgement
from forewarn.framework.catalogue import load_framework
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.alerts import record_alert, record_alerts
from forewarn.store.assessments import save_assessments
from forewarn.store.db import open_database, transaction
from forewarn.warning.alerts import Provenance, candidates
from forewarn.warning.rules import evaluate, load_rules

from . import standin

SECRET_KEY = "web-test-secret-key-" + "x" * 32
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
NOW = dt.datetime.now(dt.UTC)
RAISED = NOW - dt.timedelta(days=21)
TICKS = (0, 7, 14)
"""The clock ran when the alerts were raised and a week and two weeks later; not since,
so the actions it opened at the last tick are past their deadlines, not yet marked."""
ALERTED = 5
"""The five highest-risk countries of the stand-in forecast get alerts."""
OWNER_ROLES = (
    "analyst", "head_of_unit", "special_adviser", "political_affairs", "secretary_general"
)  # fmt: skip
PUBLIC_EVIDENCE = "Curfew orders targeting one minority, published in the official gazette"
SECRET_EVIDENCE = "Name and village of the informant who saw the arms cache"
PROVENANCE = Provenance(
    "ewp-2025 published", "ab" * 32, "stand-in", "1", "cd" * 8, "rules.toml", 2024
)


@pytest.fixture
def outlook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forecasting stage replaced by the published-numbers stand-in (in ``sys.modules``
    and as the package's attribute, which ``from forewarn import outlook`` reads first once
    the real stage has been imported in the process)."""
    stand_in = standin.module()
    monkeypatch.setitem(sys.modules, "forewarn.outlook", stand_in)
    monkeypatch.setattr(forewarn, "outlook", stand_in, raising=False)


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SECRET_KEY, "env": "test"})


def _assessment() -> Assessment:
    public = Evidence(
        PUBLIC_EVIDENCE, "official gazette", dt.date(2025, 2, 10), "A", 1, confidential=False
    )
    secret = Evidence(SECRET_EVIDENCE, "interview", dt.date(2025, 2, 12), "B", 2, confidential=True)
    return Assessment(
        "MMR",
        dt.date(2025, 2, 20),
        "analyst-a",
        (Judgement("9.1", "present-strong", (public, secret)), Judgement("8.1", "present-weak")),
    )


def seed(settings: Settings) -> None:
    """An assessment of Myanmar, alerts for the highest-risk countries, the clock run twice."""
    forecast = standin.forecast_of(settings).sort_values("rank").head(ALERTED)
    forecast["risk_2y_prev"] = forecast["risk_2y"] - forecast["change"]
    rules, framework = load_rules(), load_framework()
    engine = open_database(settings)
    try:
        with transaction(engine) as session:
            save_assessments(session, [_assessment()])
        names = {r.iso3: (int(r.ccode), str(r.country)) for r in forecast.itertuples()}
        firings = evaluate(rules, forecast, {}, framework)
        found = candidates(rules, firings, forecast, {}, PROVENANCE, names)
        with ledger.write_transaction(engine) as session:
            record_alerts(session, found, RAISED, on_new=record_alert)
        ladder = load_ladder(settings)
        for days in TICKS:
            clock.tick(engine, ladder, RAISED + dt.timedelta(days=days))
        receipts = ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
        ledger.record_receipt(engine, receipts)
    finally:
        engine.dispose()


def add_user(engine: Engine, name: str, role: str, *owners: str, clearance: bool = False) -> None:
    with transaction(engine) as session:
        new = auth.NewUser(name, CHEAP.hash(PASSWORD), role, tuple(owners), clearance)
        auth.add_user(session, new, dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Desk:
    """An app on a seeded database, its in-process client and its engine."""

    app: FastAPI
    client: TestClient
    engine: Engine
    settings: Settings

    def bearer(self, name: str) -> dict[str, str]:
        """The header of a new API token of user ``name``."""
        token = new_token()
        with transaction(self.engine) as session:
            user = auth.get_user(session, name)
            auth.add_token(session, user, digest(token), dt.datetime.now(dt.UTC))
        return {"Authorization": f"Bearer {token}"}

    def login(self, name: str, password: str = PASSWORD, lang: str | None = None) -> str:
        """Log in through the dashboard's form; the session's CSRF token."""
        form = self.client.get("/login" + (f"?lang={lang}" if lang else ""))
        assert form.status_code == 200, form.text
        token = self.client.cookies["forewarn_login"]
        data = {"username": name, "password": password, "token": token, "next": "/"}
        response = self.client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        return str(self.client.cookies["forewarn_csrf"])


@pytest.fixture
def desk(outlook: None, web_settings: Settings) -> Iterator[Desk]:
    """The dashboard on a seeded SQLite database, with users dana (decision, ladder roles),
    clara (analyst with clearance), vic (viewer) and pat (analyst without ladder roles)."""
    open_database(web_settings).dispose()
    seed(web_settings)
    app = create_app(web_settings)
    with TestClient(app) as client:
        engine = app.state.forewarn.engine
        add_user(engine, "dana", "decision", *OWNER_ROLES)
        add_user(engine, "clara", "analyst", "analyst", clearance=True)
        add_user(engine, "vic", "viewer")
        add_user(engine, "pat", "analyst")
        yield Desk(app, client, engine, web_settings)


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
