"""Log-in, sessions and CSRF, tokens and their revocation, disabled users, the rate limit,
and the secret key the app refuses to start without."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.api import create_app
from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.store import auth
from forewarn.store.db import transaction
from forewarn.store.tables import TokenRow, UserRow

from .conftest import PASSWORD, SECRET, TokenMaker, add_user, assert_error, bearer


def _login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    response = client.post("/auth/login", data={"username": name, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def test_login_sets_a_session_that_authenticates(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "decision", "special_adviser")
    response = client.post("/auth/login", data={"username": "dana", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "name": "dana",
        "role": "decision",
        "owner_roles": ["special_adviser"],
        "clearance": False,
        "authenticated_by": "session",
    }
    cookie = response.headers.get_list("set-cookie")
    assert any(c.startswith("forewarn_session=") and "HttpOnly" in c for c in cookie)
    assert client.cookies["forewarn_csrf"] == body["csrf_token"]
    assert client.get("/auth/me").json()["name"] == "dana"
    with Session(engine) as session:
        stored = session.scalars(select(TokenRow.token_hash)).all()
    assert client.cookies["forewarn_session"] not in stored


def test_login_rehashes_a_weak_password_hash(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    _login(client, "dana")
    with Session(engine) as session:
        stored = session.scalar(select(UserRow.password_hash).where(UserRow.name == "dana"))
    assert stored is not None and "m=65536" in stored


def test_wrong_password_is_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    response = client.post("/auth/login", data={"username": "dana", "password": "wrong one!"})
    assert_error(response, 401, "not_authenticated")
    assert "forewarn_session" not in client.cookies
    empty = client.post("/auth/login", data={"username": "dana", "password": ""})
    assert_error(empty, 422, "validation_error")


def test_unknown_and_disabled_users_cannot_log_in(client: TestClient, engine: Engine) -> None:
    unknown = client.post("/auth/login", data={"username": "nobody", "password": PASSWORD})
    assert_error(unknown, 401)
    add_user(engine, "dana", "viewer")
    with transaction(engine) as session:
        auth.disable_user(session, "dana", dt.datetime.now(dt.UTC))
    disabled = client.post("/auth/login", data={"username": "dana", "password": PASSWORD})
    assert_error(disabled, 401)


def test_cookie_post_without_csrf_token_is_403(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "decision")
    csrf = _login(client, "dana")
    assert_error(client.post("/api/tick"), 403, "csrf_failed")
    assert_error(client.post("/api/tick", headers={"X-CSRF-Token": "0" * 64}), 403, "csrf_failed")
    assert client.post("/api/tick", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/alerts").status_code == 200


def test_csrf_token_in_a_form_field_is_accepted(client: TestClient, engine: Engine) -> None:
    add_user(engine, "ana", "analyst")
    csrf = _login(client, "ana")
    files = {"file": ("a.json", b"[]", "application/json")}
    without = client.post("/api/assessments/import", files=files)
    assert_error(without, 403, "csrf_failed")
    with_field = client.post("/api/assessments/import", files=files, data={"csrf_token": csrf})
    assert_error(with_field, 422, "schema_error")


def test_bearer_requests_need_no_csrf_token(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("dana", "decision")
    assert client.post("/api/tick", headers=bearer(token)).status_code == 200


def test_logout_ends_the_session_for_good(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    csrf = _login(client, "dana")
    cookie = client.cookies["forewarn_session"]
    assert_error(client.post("/auth/logout"), 403, "csrf_failed")
    assert client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("forewarn_session", cookie)
    assert_error(client.get("/auth/me"), 401, "not_authenticated")


def test_forged_or_foreign_session_cookies_are_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    _login(client, "dana")
    cookie = client.cookies["forewarn_session"]
    _replace_cookie(client, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert_error(client.get("/auth/me"), 401)
    _replace_cookie(client, "fwt_plainsecret")
    assert_error(client.get("/auth/me"), 401)


def _replace_cookie(client: TestClient, value: str) -> None:
    """Send ``value`` as the only session cookie (the jar keeps cookies per domain, so the
    server's own would otherwise still be sent beside a new one)."""
    client.cookies.delete("forewarn_session")
    client.cookies.set("forewarn_session", value)


def test_revoked_token_stops_working(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("ana", "analyst")
    assert client.get("/auth/me", headers=bearer(token)).json()["authenticated_by"] == "token"
    engine = client.app.state.forewarn.engine  # type: ignore[attr-defined]
    with transaction(engine) as session:
        (row, _), *_ = auth.list_tokens(session, "ana")
        auth.revoke_token(session, row.id, dt.datetime.now(dt.UTC))
    assert_error(client.get("/auth/me", headers=bearer(token)), 401, "not_authenticated")


def test_disabling_a_user_revokes_their_tokens(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("ana", "analyst")
    engine = client.app.state.forewarn.engine  # type: ignore[attr-defined]
    with transaction(engine) as session:
        auth.disable_user(session, "ana", dt.datetime.now(dt.UTC))
    assert_error(client.get("/auth/me", headers=bearer(token)), 401)


def test_five_failures_lock_the_user_and_address_out(
    client: TestClient, engine: Engine, api_settings: Settings
) -> None:
    add_user(engine, "dana", "viewer")
    add_user(engine, "erin", "viewer")
    for _ in range(5):
        wrong = client.post("/auth/login", data={"username": "dana", "password": "not it at all"})
        assert_error(wrong, 401)
    locked = client.post("/auth/login", data={"username": "dana", "password": PASSWORD})
    assert_error(locked, 429, "too_many_attempts")
    assert 0 < int(locked.headers["retry-after"]) <= 60  # the first back-off: one minute
    assert client.post("/auth/login", data={"username": "erin", "password": PASSWORD}).is_success
    with TestClient(create_app(api_settings)) as other_worker:
        again = other_worker.post("/auth/login", data={"username": "dana", "password": PASSWORD})
        assert_error(again, 429)


def test_failures_older_than_the_window_do_not_count(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    with transaction(engine) as session:
        for _ in range(5):
            auth.record_failure(session, "dana", "testclient", old, old - dt.timedelta(days=1))
    assert client.post("/auth/login", data={"username": "dana", "password": PASSWORD}).is_success


def test_a_success_clears_earlier_failures(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    for _ in range(3):
        client.post("/auth/login", data={"username": "dana", "password": "not it at all"})
    _login(client, "dana")
    for _ in range(3):
        client.post("/auth/login", data={"username": "dana", "password": "not it at all"})
    _login(client, "dana")


@pytest.mark.parametrize("key", [None, "changethis", "short"])
def test_the_app_refuses_to_start_without_a_real_secret(
    settings: Settings, key: str | None
) -> None:
    with pytest.raises(ConfigError, match="FOREWARN_SECRET_KEY"):
        create_app(settings.model_copy(update={"secret_key": key}))


def test_development_may_start_without_a_secret(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"env": "development"}))
    assert isinstance(app, FastAPI)


def test_the_secret_key_signs_sessions(
    client: TestClient, engine: Engine, api_settings: Settings
) -> None:
    add_user(engine, "dana", "viewer")
    _login(client, "dana")
    cookie = client.cookies["forewarn_session"]
    rotated = api_settings.model_copy(update={"secret_key": SECRET + "-rotated"})
    with TestClient(create_app(rotated)) as other:
        other.cookies.set("forewarn_session", cookie)
        assert_error(other.get("/auth/me"), 401)
