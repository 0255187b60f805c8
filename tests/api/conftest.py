"""Fixtures for the API: the app on both back ends, users with tokens, seeded alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.api import create_app
from forewarn.api.context import ApiContext
from forewarn.api.security import digest, new_token
from forewarn.config import Settings
from forewarn.ledger import LedgerEntry, entries_about
from forewarn.store import auth
from forewarn.store.db import transaction
from forewarn.store.tables import AlertRow, LedgerRow

SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
HASHED = CHEAP.hash(PASSWORD)
MONDAY = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)

TokenMaker = Callable[..., str]


@pytest.fixture
def api_settings(db_settings: Settings) -> Settings:
    """The test database's settings with a secret key (production rules otherwise)."""
    return db_settings.model_copy(update={"secret_key": SECRET, "env": "test"})


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An in-process client; entering it runs the app's start-up (migrations)."""
    with TestClient(app) as test_client:
        yield test_client


def context_of(app: FastAPI) -> ApiContext:
    context = app.state.forewarn
    assert isinstance(context, ApiContext)
    return context


@pytest.fixture
def engine(app: FastAPI, client: TestClient) -> Engine:
    return context_of(app).engine


def add_user(engine: Engine, name: str, role: str, *owners: str, clearance: bool = False) -> None:
    with transaction(engine) as session:
        new = auth.NewUser(name, HASHED, role, tuple(owners), clearance)
        auth.add_user(session, new, dt.datetime.now(dt.UTC))


def add_token(engine: Engine, name: str) -> str:
    token = new_token()
    with transaction(engine) as session:
        user = auth.get_user(session, name)
        auth.add_token(session, user, digest(token), dt.datetime.now(dt.UTC))
    return token


@pytest.fixture
def make_user(engine: Engine) -> TokenMaker:
    """``make_user(name, role, *ladder_roles, clearance=False)`` -> a bearer token."""

    def make(name: str, role: str, *owners: str, clearance: bool = False) -> str:
        add_user(engine, name, role, *owners, clearance=clearance)
        return add_token(engine, name)

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def insert_alert(engine: Engine, **spec: Any) -> int:
    """Insert an alert as the warning stage would; its id."""
    with transaction(engine) as session:
        iso3 = spec.get("iso3", "SYR")
        seq = 1 + len(list(session.scalars(select(AlertRow.id).where(AlertRow.iso3 == iso3))))
        row = AlertRow(
            iso3=iso3,
            seq=seq,
            ccode=None,
            country=spec.get("country", iso3.title()),
            level=spec.get("level", "warning"),
            rule=spec.get("rule", "test-rule"),
            base_year=2024,
            created_at=spec.get("created_at", MONDAY),
            snapshot={"risk_2y": 0.05},
            previous_id=spec.get("previous_id"),
        )
        session.add(row)
        session.flush()
        return row.id


def ledger_about(engine: Engine, subject: str) -> list[LedgerEntry]:
    with Session(engine) as session:
        return entries_about(session, subject)


def ledger_kinds(engine: Engine) -> list[tuple[str, str]]:
    """(kind, actor) of every ledger entry, oldest first."""
    with Session(engine) as session:
        rows = session.execute(select(LedgerRow.kind, LedgerRow.actor).order_by(LedgerRow.seq))
        return [(kind, actor) for kind, actor in rows]


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the one shape, with this status (and code)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message"}
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    assert response.headers["content-type"].startswith("application/json")
    return dict(error)
