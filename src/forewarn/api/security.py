"""Secrets and roles: password hashes, API tokens, signed session cookies, CSRF tokens.

* Passwords are hashed with argon2id (argon2-cffi); unknown users cost the same time as
  known ones, so timing does not reveal who has an account.
* API tokens and session secrets are 256-bit random strings; the database keeps only their
  SHA-256, so a copy of it authenticates nobody.
* The session cookie carries the session secret signed with ``settings.secret_key``
  (itsdangerous, with a maximum age); the session row can be revoked (log-out, disabled user).
* The CSRF token of a session is an HMAC of its secret under the secret key: nothing to
  store, and it changes with every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from forewarn.config import Settings
from forewarn.errors import ConfigError

TOKEN_PREFIX = "fwt_"
SESSION_SECONDS = 12 * 3600
MIN_SECRET_LENGTH = 32
MIN_PASSWORD_LENGTH = 12
PLACEHOLDER_SECRETS = frozenset({"changethis", "changeme", "secret", "secret_key", "development"})


class Role(StrEnum):
    """What a user may do, each role including the ones before it."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    DECISION = "decision"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        """Whether a holder of this role may do what ``other`` may."""
        return self.rank >= other.rank


# --- the secret key ---------------------------------------------------------------------------


def secret_key(settings: Settings) -> str:
    """The key that signs cookies; refuses a missing, short or placeholder key in production."""
    key = settings.secret_key
    if settings.env == "development" and not key:
        return secrets.token_urlsafe(48)
    if not key:
        raise ConfigError(
            "FOREWARN_SECRET_KEY is not set: the API will not start without it "
            "(or set FOREWARN_ENV=development on a development machine)"
        )
    if settings.env != "development" and (
        len(key) < MIN_SECRET_LENGTH or key.strip().lower() in PLACEHOLDER_SECRETS
    ):
        raise ConfigError(
            f"FOREWARN_SECRET_KEY must be a random secret of at least {MIN_SECRET_LENGTH} "
            "characters outside development"
        )
    return key


# --- passwords --------------------------------------------------------------------------------


class Passwords:
    """argon2id hashing and checking of passwords."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy(self) -> str:
        """A hash to check passwords of unknown users against (made on first need)."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ConfigError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; with no hash, spend the same time anyway."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


# --- tokens -----------------------------------------------------------------------------------


def new_token() -> str:
    """A fresh random API token or session secret (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Cookies:
    """Signs session cookies and derives CSRF tokens with the secret key."""

    key: str
    max_age: int = SESSION_SECONDS

    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.key, salt="forewarn.session")

    def sign(self, session_secret: str) -> str:
        return self._signer().dumps(session_secret)

    def unsign(self, cookie: str) -> str | None:
        """The session secret in a cookie, or None if it is forged or too old."""
        try:
            value = self._signer().loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf(self, session_secret: str) -> str:
        mac = hmac.new(self.key.encode("utf-8"), b"csrf:" + session_secret.encode(), "sha256")
        return mac.hexdigest()

    def csrf_ok(self, session_secret: str, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(self.csrf(session_secret), given)
