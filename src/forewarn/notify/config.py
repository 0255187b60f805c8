"""The delivery settings, taken from :class:`~forewarn.config.Settings` and checked at once.

:func:`delivery` turns the ``FOREWARN_SMTP_*``, ``FOREWARN_MAIL_FROM`` and related settings
into frozen values and refuses, in one line, anything that would only fail later: no sender,
credentials over an unencrypted connection to another machine, a time zone that does not
exist, no secret key to sign acknowledgement links with, no public address for them.

The e-mail settings (server, sender, public address, secret key) are needed only when
e-mail is used: when the operator set up e-mail (``FOREWARN_SMTP_HOST``,
``FOREWARN_SMTP_USER``, ``FOREWARN_SMTP_CA_FILE`` or ``FOREWARN_MAIL_FROM``), or when an
active user has an e-mail address and so would be told by e-mail. A deployment that tells
people through webhooks only needs none of them (webhook bodies carry no links).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forewarn.config import Settings
from forewarn.errors import ConfigError

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
MIN_KEY_LENGTH = 32


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class MailServer:
    """Where and how e-mail is sent."""

    host: str
    port: int
    tls: str
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    timeout: float
    ca_file: Path | None = None

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context the server's certificate is verified with (host name included):
        the system's certificate authorities, or those of ``ca_file`` instead."""
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


@dataclass(frozen=True)
class Retry:
    """Exponential back-off with jitter, up to ``max_attempts`` attempts in all."""

    max_attempts: int
    base: float
    cap: float

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: ``base * 2**(n-1)``,
        at most ``cap``, of which a random half is taken off (so retries spread out)."""
        ceiling = min(self.cap, self.base * 2.0 ** max(attempts - 1, 0))
        return float(ceiling * (0.5 + 0.5 * (rng or random).random()))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


@dataclass(frozen=True)
class Delivery:
    """Everything the dispatcher and the worker need to know, checked.

    ``mail``, ``public_url`` and ``link_key`` are None when e-mail is not used (webhooks
    only); e-mail notifications are then left waiting in the outbox."""

    mail: MailServer | None
    retry: Retry
    lease: float
    timeout: float
    public_url: str | None
    link_key: str | None = field(repr=False)
    link_days: float
    digest_hour: int
    digest_zone: ZoneInfo
    interval: float
    poll: float

    @property
    def link_lifetime(self) -> dt.timedelta:
        return dt.timedelta(days=self.link_days)


def _sender(settings: Settings) -> str:
    value = (settings.mail_from or "").strip()
    if not value:
        raise ConfigError("FOREWARN_MAIL_FROM is not set: e-mail needs a sender address")
    _, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ConfigError(f"FOREWARN_MAIL_FROM {value!r} is not an e-mail address")
    return value


def mail_server(settings: Settings) -> MailServer:
    """The SMTP settings, checked."""
    host = (settings.smtp_host or "").strip() or "localhost"
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        raise ConfigError("FOREWARN_SMTP_USER and FOREWARN_SMTP_PASSWORD go together")
    if settings.smtp_user and settings.smtp_tls == "none" and not is_loopback(host):
        raise ConfigError(
            "FOREWARN_SMTP_TLS=none would send the SMTP password in clear to "
            f"{host}: use starttls or tls"
        )
    port = settings.smtp_port or DEFAULT_PORTS[settings.smtp_tls]
    return MailServer(
        host, port, settings.smtp_tls, settings.smtp_user, settings.smtp_password,
        _sender(settings), settings.notify_timeout, _ca_file(settings),
    )  # fmt: skip


def _ca_file(settings: Settings) -> Path | None:
    """``FOREWARN_SMTP_CA_FILE``, checked (loaded now, at start-up, not at the first send):
    a readable PEM file of certificates, used by TLS."""
    path = settings.smtp_ca_file
    if path is None:
        return None
    if settings.smtp_tls == "none":
        raise ConfigError(
            "FOREWARN_SMTP_CA_FILE is set but FOREWARN_SMTP_TLS=none: use starttls or tls"
        )
    try:
        ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"FOREWARN_SMTP_CA_FILE {str(path)!r} cannot be used: {reason} (a PEM file of "
            "CA certificates is expected)"
        ) from None
    return path


def public_url(settings: Settings) -> str:
    """The dashboard's address that acknowledgement links start with."""
    value = (settings.public_url or "").strip().rstrip("/")
    if not value:
        raise ConfigError(
            "FOREWARN_PUBLIC_URL is not set: acknowledgement links in e-mail need the "
            "dashboard's address, e.g. https://forewarn.example.org"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"FOREWARN_PUBLIC_URL {value!r} is not an http(s) address")
    return value


def link_key(settings: Settings) -> str:
    """The key that signs acknowledgement links: the API's ``FOREWARN_SECRET_KEY``."""
    key = settings.secret_key or ""
    if len(key) < MIN_KEY_LENGTH and settings.env != "development":
        raise ConfigError(
            "FOREWARN_SECRET_KEY is not set (or shorter than 32 characters): acknowledgement "
            "links are signed with it; use the same key as the API"
        )
    if not key:
        raise ConfigError("FOREWARN_SECRET_KEY is not set: acknowledgement links need it")
    return key


def zone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.digest_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"FOREWARN_DIGEST_TIMEZONE {settings.digest_timezone!r} is not an IANA time zone "
            "(e.g. Asia/Jakarta)"
        ) from None


def retry(settings: Settings) -> Retry:
    return Retry(settings.notify_max_attempts, settings.notify_backoff, settings.notify_backoff_max)


def mail_configured(settings: Settings) -> bool:
    """Whether the operator set e-mail up: ``FOREWARN_SMTP_HOST``, ``FOREWARN_SMTP_USER``,
    ``FOREWARN_SMTP_CA_FILE`` or ``FOREWARN_MAIL_FROM`` is set."""
    given = (settings.smtp_host, settings.smtp_user, settings.mail_from)
    return any((value or "").strip() for value in given) or settings.smtp_ca_file is not None


def _because(mail_users: Sequence[str]) -> str:
    """Why e-mail is used although no e-mail setting is set, in a few words."""
    named = ", ".join(mail_users[:3]) + (", ..." if len(mail_users) > 3 else "")
    return (
        f"e-mail is used because {len(mail_users)} active user(s) have an address ({named}); "
        "for webhooks only, remove the addresses (forewarn users set NAME --email '')"
    )


def delivery(settings: Settings, mail_users: Sequence[str] = ()) -> Delivery:
    """All delivery settings, checked; a ConfigError (exit 2) names the first bad one.

    ``mail_users`` are the active users with an e-mail address: when there are any, or when
    :func:`mail_configured`, the e-mail settings are needed and checked; otherwise e-mail is
    off and they are not."""
    mail, url, key = None, None, None
    if mail_configured(settings) or mail_users:
        try:
            mail, url, key = mail_server(settings), public_url(settings), link_key(settings)
        except ConfigError as exc:
            if mail_configured(settings):
                raise
            raise ConfigError(f"{exc} ({_because(mail_users)})") from None
    return Delivery(
        mail=mail,
        retry=retry(settings),
        lease=settings.notify_lease,
        timeout=settings.notify_timeout,
        public_url=url,
        link_key=key,
        link_days=settings.ack_link_days,
        digest_hour=settings.digest_hour,
        digest_zone=zone(settings),
        interval=settings.worker_interval,
        poll=settings.worker_poll,
    )
