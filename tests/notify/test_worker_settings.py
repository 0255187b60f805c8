"""Settings that would only fail later stop the worker at start-up, in one line, exit 2."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from forewarn import ledger
from forewarn.store.webhooks import add_webhook

from .conftest import CliResult, notifications, notify_env


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"FOREWARN_SMTP_PORT": "70000"}, "FOREWARN_SMTP_PORT='70000'"),
        ({"FOREWARN_SMTP_PORT": "smtp"}, "FOREWARN_SMTP_PORT='smtp'"),
        ({"FOREWARN_SMTP_TLS": "ssl"}, "FOREWARN_SMTP_TLS='ssl'"),
        ({"FOREWARN_MAIL_FROM": ""}, "FOREWARN_MAIL_FROM is not set"),
        ({"FOREWARN_DIGEST_TIMEZONE": "Mars/Olympus"}, "FOREWARN_DIGEST_TIMEZONE"),
        ({"FOREWARN_PUBLIC_URL": ""}, "FOREWARN_PUBLIC_URL is not set"),
        ({"webhook": "http://hooks.example.org/x"}, "webhook 1: webhook URL"),
    ],
    ids=["port-range", "port-text", "tls", "sender", "zone", "public-url", "webhook-http"],
)
def test_bad_settings_stop_the_worker_at_start_up(
    cli: Callable[..., CliResult], engine: Engine, change: dict[str, str], expected: str
) -> None:
    url = change.pop("webhook", None)
    if url is not None:  # stored before the rule, or by hand: the worker still refuses it
        now = dt.datetime.now(dt.UTC)
        ledger.retrying(engine, lambda s: add_webhook(s, url, ["*"], "whsec_x", "t", now))
    out = cli("worker", "--once", **notify_env(1025, **change))
    assert out.exit_code == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in out.stderr
    assert notifications(engine) == []
    assert re.search("password", out.stderr) is None
