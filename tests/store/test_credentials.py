"""The per-request credential check (driver-level query) on both back ends."""

from __future__ import annotations

import datetime as dt

from forewarn.store import auth
from forewarn.store.db import make_engine, migrate, transaction

NOW = dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _hash(n: int) -> str:
    return f"{n:064x}"


def test_check_finds_live_credentials_and_refuses_every_dead_one(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url, pool_size=1)
    try:
        with transaction(engine) as session:
            owner = auth.NewUser("amara", "x", "decision", ("special_adviser", "usg_dppa"), True)
            amara = auth.add_user(session, owner, NOW)
            gone = auth.add_user(session, auth.NewUser("bo", "x", "viewer"), NOW)
            live = auth.add_token(session, amara, _hash(1), NOW)
            auth.add_token(session, amara, _hash(2), NOW, kind=auth.SESSION, expires_at=NOW + HOUR)
            revoked = auth.add_token(session, amara, _hash(3), NOW)
            auth.add_token(session, gone, _hash(4), NOW)
            session.flush()
            auth.revoke_token(session, revoked.id, NOW)
            auth.disable_user(session, "bo", NOW)
            live_id, amara_id = live.id, amara.id
        check = auth.CredentialCheck(engine)

        found = check(_hash(1), auth.API_TOKEN, NOW)
        assert found == auth.Credential(
            live_id, amara_id, "amara", "decision", ("special_adviser", "usg_dppa"), True
        )
        assert check(_hash(2), auth.SESSION, NOW + HOUR / 2) is not None  # before expiry
        assert check(_hash(2), auth.SESSION, NOW + 2 * HOUR) is None  # expired
        assert check(_hash(2), auth.API_TOKEN, NOW) is None  # a session is not an API token
        assert check(_hash(1), auth.SESSION, NOW) is None
        assert check(_hash(3), auth.API_TOKEN, NOW) is None  # revoked
        assert check(_hash(4), auth.API_TOKEN, NOW) is None  # its user is disabled
        assert check(_hash(9), auth.API_TOKEN, NOW) is None  # unknown
        # the one pooled connection is handed back after every check
        assert all(check(_hash(1), auth.API_TOKEN, NOW) for _ in range(5))
    finally:
        engine.dispose()
