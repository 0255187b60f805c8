"""Costly requests: incremental ledger checks, limited full checks and exports, and
forecasts computed off the request path (202, then served from memory; 429 when too many)."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

import forewarn
from forewarn import ledger
from forewarn.api import create_app
from forewarn.api.ledger_watch import watch
from forewarn.api.limits import Costly, TooManyRequests
from forewarn.config import Settings
from forewarn.errors import NotFound
from forewarn.store.tables import LedgerRow

from .conftest import TokenMaker, assert_error, bearer, context_of, insert_alert


def raw_sql(url: str, *statements: str) -> None:
    """Run SQL behind the app's back, as someone with database access would."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _append_unsigned(engine: Engine, database_url: str) -> int:
    """A well-formed unsigned entry appended at the end with the head moved to match, as
    someone with database access alone could; its seq."""
    with Session(engine) as session:
        last = session.scalars(select(LedgerRow).order_by(LedgerRow.seq.desc())).first()
    assert last is not None
    doc = {"seq": last.seq + 1, "kind": "action.done", "subject": "action:1",
           "payload": {"outcome": "risk not confirmed"}, "actor": "x",
           "at": last.recorded_at, "prev": last.hash}  # fmt: skip
    digest = ledger.entry_hash(doc)
    values = [
        str(doc["seq"]),
        "'action.done'",
        "'action:1'",
        _quote(ledger.canonical(doc["payload"])),
    ]
    values += ["'x'", _quote(last.recorded_at), _quote(last.hash), _quote(digest)]
    columns = "seq, kind, subject, payload, actor, recorded_at, prev_hash, hash"
    raw_sql(
        database_url,
        f"INSERT INTO ledger ({columns}) VALUES ({', '.join(values)})",
        f"UPDATE ledger_head SET count = {doc['seq']}, last_hash = {_quote(digest)}",
    )
    return int(doc["seq"])


def test_verify_checks_only_what_is_new_and_catches_a_forged_tail(
    client: TestClient, app: FastAPI, engine: Engine, make_user: TokenMaker, database_url: str
) -> None:
    insert_alert(engine)
    headers = bearer(make_user("dana", "decision"))
    assert client.post("/api/tick", headers=headers).json()["recorded"] is True
    watch(context_of(app)).coalesce = 0
    first = client.get("/api/ledger/verify", headers=headers).json()
    assert first["ok"] and first["mode"] == "full" and first["unsigned"] == 0, first
    assert len(first["keys"]) == 1 and first["full_check"]["ok"] is True
    again = client.get("/api/ledger/verify", headers=headers).json()
    assert again["ok"] and again["mode"] == "incremental" and again["new"] == 0
    keys = client.get("/api/ledger/keys", headers=headers).json()
    assert [(k["public_key"], k["trusted"], k["why"]) for k in keys] == [
        (first["keys"][0], True, "this installation")
    ]
    seq = _append_unsigned(engine, database_url)
    caught = client.get("/api/ledger/verify", headers=headers).json()
    assert caught["ok"] is False and caught["bad_seq"] == seq
    assert "is not signed" in caught["problem"]


def test_a_full_check_is_for_administrators_and_limited(
    client: TestClient, app: FastAPI, make_user: TokenMaker
) -> None:
    viewer = bearer(make_user("vic", "viewer"))
    assert_error(client.get("/api/ledger/verify?full=true", headers=viewer), 403, "forbidden")
    admin = bearer(make_user("ada", "admin"))
    per_minute = context_of(app).settings.api_costly_per_minute
    for _ in range(per_minute):
        full = client.get("/api/ledger/verify?full=true", headers=admin)
        assert full.status_code == 200 and full.json()["mode"] == "full"
    refused = client.get("/api/ledger/verify?full=true", headers=admin)
    assert_error(refused, 429, "too_many_requests")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # the limit is per user: another administrator may still check
    other = bearer(make_user("ben", "admin"))
    assert client.get("/api/ledger/verify?full=true", headers=other).status_code == 200


def test_exports_are_limited_per_user_and_can_start_after_an_entry(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    insert_alert(engine)
    headers = bearer(make_user("dana", "decision"))
    client.post("/api/tick", headers=headers)
    whole = client.get("/api/ledger/export", headers=headers)
    lines = [json.loads(line) for line in whole.text.splitlines()]
    assert len(lines) == int(whole.headers["x-ledger-count"]) > 3
    assert all(entry["sig"] and entry["key"] for entry in lines)
    tail = client.get("/api/ledger/export?after=3", headers=headers)
    assert [e["seq"] for e in map(json.loads, tail.text.splitlines())] == [
        e["seq"] for e in lines[3:]
    ]
    for _ in range(4):
        assert client.get("/api/ledger/export", headers=headers).status_code == 200
    assert_error(client.get("/api/ledger/export", headers=headers), 429, "too_many_requests")


def test_one_costly_request_runs_at_a_time() -> None:
    limits = Costly(per_minute=10)
    limits.admit("a", "export")
    with pytest.raises(TooManyRequests, match="another one is running") as refused:
        limits.admit("b", "export")
    assert refused.value.retry_after == 5
    limits.release()
    limits.admit("b", "export")
    limits.release()


# --- forecasts off the request path -----------------------------------------------------------


class SlowStage:
    """The forecasting stage replaced by one whose computations wait for ``go`` (so that a
    test controls how long they take) and count how often they run."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.runs: list[Any] = []

    def module(self) -> types.ModuleType:
        stage = types.ModuleType("forewarn.outlook")

        def current_forecast(
            settings: Settings, base_year: int | None = None, model: str | None = None
        ) -> pd.DataFrame:
            self.runs.append(base_year)
            assert self.go.wait(30)
            if base_year == 1950:
                raise NotFound("base year 1950 is not in the panel")
            row = {"ccode": 1, "iso3": "MMR", "country": "Myanmar", "risk_1y": 0.1,
                   "risk_2y": 0.2, "rank": 1, "change": 0.0, "low": 0.1, "high": 0.3,
                   "drivers": [], "profile": [], "base_year": base_year or 2024}  # fmt: skip
            return pd.DataFrame([row])

        stage.current_forecast = current_forecast  # type: ignore[attr-defined]
        return stage


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> SlowStage:
    stage = SlowStage()
    module = stage.module()
    monkeypatch.setitem(sys.modules, "forewarn.outlook", module)
    monkeypatch.setattr(forewarn, "outlook", module, raising=False)
    return stage


@pytest.fixture
def quick_client(api_settings: Settings, slow: SlowStage) -> Iterator[TestClient]:
    """The app answering 202 at once for anything not computed yet, one worker, one waiting."""
    tuned = api_settings.model_copy(
        update={"api_compute_wait": 0.0, "api_compute_workers": 1, "api_compute_queue": 1}
    )
    with TestClient(create_app(tuned)) as client:
        yield client


def _until_done(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.get(path, headers=headers)
        if answer.status_code != 202:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{path} still computing")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_uncomputed_forecasts_are_computed_in_the_background(
    quick_client: TestClient, slow: SlowStage, make_user: TokenMaker
) -> None:
    headers = bearer(make_user("vic", "viewer"))
    first = quick_client.get("/api/forecasts?base_year=2000", headers=headers)
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "computing" and int(first.headers["retry-after"]) >= 1
    # asking again while it runs does not start it again; one more waits; then 429
    assert quick_client.get("/api/forecasts?base_year=2000", headers=headers).status_code == 202
    assert quick_client.get("/api/countries?base_year=2001", headers=headers).status_code == 202
    refused = quick_client.get("/api/forecasts?base_year=2002", headers=headers)
    assert_error(refused, 429, "too_many_requests")
    assert "retry-after" in refused.headers
    # meanwhile a forecast already computed is served at once
    slow.go.set()
    done = _until_done(quick_client, "/api/forecasts?base_year=2000", headers)
    assert done.status_code == 200 and done.json()["base_year"] == 2000
    assert slow.runs.count(2000) == 1
    assert quick_client.get("/api/forecasts?base_year=2000", headers=headers).status_code == 200
    listed = _until_done(quick_client, "/api/countries?base_year=2001", headers)
    assert listed.json()["items"][0]["iso3"] == "MMR"
    # a computation that fails clearly answers its error, and is not run again
    assert quick_client.get("/api/forecasts?base_year=1950", headers=headers).status_code in (
        202,
        404,
    )
    failed = _until_done(quick_client, "/api/forecasts?base_year=1950", headers)
    assert_error(failed, 404)
    assert_error(quick_client.get("/api/forecasts?base_year=1950", headers=headers), 404)
    assert slow.runs.count(1950) == 1
