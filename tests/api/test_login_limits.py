"""The log-in limits: a back-off per user name and address, a cap per address (password
spraying) and a global cap that lets known users through; forwarded addresses believed only
from trusted proxies, on a real ``forewarn serve``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.api import login_limits as limits
from forewarn.api.middleware import client_behind, trusted_networks
from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.store import auth
from forewarn.store.db import transaction
from forewarn.store.tables import LoginFailureRow

from .conftest import PASSWORD, add_user, assert_error
from .serving import seed, served

HERE = "testclient"
"""The address the in-process test client connects from."""
WRONG = "not the password at all"


def _fail(engine: Engine, name: str, address: str, count: int, ago: dt.timedelta) -> None:
    """Record ``count`` failed log-ins as ``name`` from ``address``, ``ago`` before now."""
    at = dt.datetime.now(dt.UTC) - ago
    with transaction(engine) as session:
        for _ in range(count):
            auth.record_failure(session, name, address, at, at - dt.timedelta(days=2))


def _login(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/login", data={"username": name, "password": password})


def test_the_back_off_doubles_up_to_an_hour() -> None:
    waits = [limits.backoff(n).total_seconds() for n in range(4, 14)]
    assert waits == [0, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert limits.backoff(10_000) == dt.timedelta(hours=1)


def test_the_back_off_waits_after_the_last_failure(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    _fail(engine, "dana", HERE, 6, dt.timedelta(seconds=90))  # sixth failure: two minutes
    locked = _login(client, "dana")
    assert_error(locked, 429, "too_many_attempts")
    assert 20 <= int(locked.headers["retry-after"]) <= 30
    _fail(engine, "erin", HERE, 5, dt.timedelta(seconds=90))  # fifth failure: one minute, gone
    add_user(engine, "erin", "viewer")
    assert _login(client, "erin").is_success


def test_a_stranger_cannot_lock_a_named_user_out(client: TestClient, engine: Engine) -> None:
    add_user(engine, "dana", "viewer")
    # all a stranger's address can record in a window: past it, its attempts are refused
    _fail(engine, "dana", "203.0.113.9", limits.ADDRESS_LIMIT, dt.timedelta(seconds=5))
    assert _login(client, "dana").is_success
    assert_error(_login(client, "dana", WRONG), 401)  # her own mistakes still count


def test_spraying_many_names_from_one_address_stops_that_address(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine, "dana", "viewer")
    for n in range(limits.ADDRESS_LIMIT):
        assert_error(_login(client, f"user{n}", WRONG), 401)
    blocked = _login(client, "dana")  # the right password, but from the spraying address
    assert_error(blocked, 429, "too_many_attempts")
    assert "from this address" in blocked.json()["error"]["message"]
    assert 0 < int(blocked.headers["retry-after"]) <= 900


def test_a_spray_from_everywhere_lets_known_users_through(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine, "dana", "viewer")
    add_user(engine, "erin", "viewer")
    assert _login(client, "dana").is_success  # dana has logged in from here before
    with transaction(engine) as session:
        now = dt.datetime.now(dt.UTC)
        for n in range(limits.GLOBAL_LIMIT):
            old = now - dt.timedelta(days=1)
            auth.record_failure(session, f"u{n}", f"198.51.100.{n % 250}", now, old)
    assert _login(client, "dana").is_success
    refused = _login(client, "erin")  # never logged in from here: waits for the spray to end
    assert_error(refused, 429, "too_many_attempts")
    assert "address you used before" in refused.json()["error"]["message"]


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine, "dana", "viewer")
    for n in range(limits.PAIR_FREE):
        wrong = client.post(
            "/auth/login",
            data={"username": "dana", "password": WRONG},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
        assert_error(wrong, 401)
    with Session(engine) as session:
        addresses = set(session.scalars(select(LoginFailureRow.address)))
    assert addresses == {HERE}
    assert_error(_login(client, "dana"), 429)


def test_the_client_behind_trusted_proxies_is_the_nearest_untrusted_hop() -> None:
    nets = trusted_networks(Settings(trusted_proxies="127.0.0.1, 10.0.0.0/8"))
    assert client_behind("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", nets) == "198.51.100.7"
    assert client_behind("203.0.113.1", "198.51.100.7", nets) == "203.0.113.1"  # not a proxy
    assert client_behind("127.0.0.1", "", nets) == "127.0.0.1"
    assert client_behind("127.0.0.1", "garbage", nets) == "127.0.0.1"
    assert client_behind("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1"
    with pytest.raises(ConfigError, match=r"'10\.0\.0\.0/33' is not an address or network"):
        trusted_networks(Settings(trusted_proxies="10.0.0.0/33"))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_a_real_server_keys_the_limit_on_the_real_address(
    api_settings: Settings, tmp_path: Path, trusted: str
) -> None:
    settings = api_settings.model_copy(update={"trusted_proxies": trusted})
    seed(settings, tmp_path, alerts=0)
    with served(settings, tmp_path / "serve.log") as url:
        codes = []
        for n in range(limits.PAIR_FREE + 1):
            response = httpx.post(
                f"{url}/auth/login",
                data={"username": "admin", "password": WRONG},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            )
            codes.append(response.status_code)
    # untrusted: the forged header changes nothing and the sixth attempt waits; from a
    # trusted proxy, each forwarded address is a client of its own
    assert codes == [401] * limits.PAIR_FREE + ([429] if not trusted else [401])
