"""One validated Settings object, built once at start-up and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache() -> Path:
    return Path(platformdirs.user_cache_dir("forewarn"))


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("forewarn"))


class Settings(BaseSettings):
    """Settings read from ``FOREWARN_*`` environment variables.

    Every field is documented in ``docs/configuration.md``; a test keeps the two in step.
    """

    model_config = SettingsConfigDict(env_prefix="FOREWARN_", extra="ignore")

    data_mirror: Path | None = Field(
        default=None,
        description="Folder holding a local mirror of the registry's files (read before any "
        "download; files are still hash-checked).",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache,
        description="Where downloaded data files and cached model artefacts are kept.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the default SQLite database lives.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default: SQLite file forewarn.db in data_dir.",
    )
    rules_file: Path | None = Field(
        default=None, description="Warning rules TOML overriding the packaged default."
    )
    ladder_file: Path | None = Field(
        default=None, description="Escalation ladder TOML overriding the packaged default."
    )
    seed: int = Field(default=20250903, description="Seed for every random choice.")
    roles_file: Path | None = Field(
        default=None,
        description="Roles TOML naming the ladder roles of the command line's --by users "
        "(the API takes them from its users table instead).",
    )
    env: str = Field(
        default="production",
        description="Deployment: 'development' lets the API start without a secret key.",
    )
    secret_key: str | None = Field(
        default=None,
        repr=False,
        description="Secret signing the API's session cookies and CSRF tokens; required "
        "(32+ characters) unless env is 'development'.",
    )

    ledger_trusted_keys: Path | None = Field(
        default=None,
        description="File of trusted ledger signing keys (one public key per line, with a "
        "label); this installation's own key is always trusted.",
    )
    ledger_full_verify_hours: float = Field(
        default=24.0,
        gt=0,
        description="Ledger verification checks only new entries while the last full "
        "verification is younger than this; then it re-checks every entry.",
    )
    api_compute_workers: int = Field(
        default=1,
        ge=1,
        le=8,
        description="Forecasts not yet computed are computed in the background by at most "
        "this many API threads at once.",
    )
    api_compute_queue: int = Field(
        default=8,
        ge=1,
        description="At most this many forecast computations wait for a worker; more are "
        "refused with 429.",
    )
    api_compute_wait: float = Field(
        default=2.0,
        ge=0,
        description="Seconds a request waits for a forecast being computed before it is "
        "answered 202 (try again later).",
    )
    api_costly_per_minute: int = Field(
        default=6,
        ge=1,
        description="Full ledger verifications and exports each user may start per minute.",
    )
    # --- notifications (docs/notifications.md) ----------------------------------------------
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends e-mail; localhost when e-mail is used and this is "
        "unset (docs/notifications.md).",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="SMTP port; default 25 (tls none), 587 (starttls) or 465 (tls).",
    )
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="starttls", description="SMTP encryption: none, starttls or tls."
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the certificate authorities to trust for the SMTP server's "
        "certificate (a private CA), instead of the system's.",
    )
    smtp_user: str | None = Field(default=None, description="SMTP user name, if any.")
    smtp_password: str | None = Field(
        default=None, repr=False, description="SMTP password (never printed)."
    )
    mail_from: str | None = Field(
        default=None, description="Sender of notification e-mail, e.g. forewarn <fw@example.org>."
    )
    public_url: str | None = Field(
        default=None,
        description="Address of the dashboard, e.g. https://forewarn.example.org "
        "(acknowledgement links in e-mail point there).",
    )
    ack_link_days: float = Field(
        default=7, gt=0, description="Days an acknowledgement link in an e-mail stays valid."
    )
    worker_interval: float = Field(
        default=60, gt=0, description="Seconds between two ticks of the clock by the worker."
    )
    worker_poll: float = Field(
        default=2, gt=0, description="Seconds between two looks at the outbox by the worker."
    )
    digest_hour: int = Field(
        default=7, ge=0, le=23, description="Local hour after which daily digests are sent."
    )
    digest_timezone: str = Field(
        default="UTC", description="IANA time zone of the digest hour, e.g. Asia/Jakarta."
    )
    notify_max_attempts: int = Field(
        default=10, ge=1, description="Delivery attempts before a notification is dead-lettered."
    )
    notify_backoff: float = Field(
        default=60, gt=0, description="Seconds before the first retry (doubled each time)."
    )
    notify_backoff_max: float = Field(
        default=21600, gt=0, description="Longest wait between two retries, in seconds."
    )
    notify_lease: float = Field(
        default=300,
        gt=0,
        description="Seconds a worker holds the notifications it is sending before another "
        "worker may take them over.",
    )
    notify_timeout: float = Field(
        default=30, gt=0, description="Seconds to wait for an SMTP server or webhook receiver."
    )
    api_max_json_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest JSON or form request body the API reads (bytes); larger is 413.",
    )
    api_max_upload_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest file upload the API reads (bytes); larger is 413.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers the API believes; default: none.",
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="Dask cluster for event aggregation and model fits: unset (one process), "
        "'local' (a LocalCluster sized to the machine) or a scheduler address.",
    )
    monthly_rules_file: Path | None = Field(
        default=None,
        description="Monthly event-data warning rules TOML overriding the packaged default.",
    )

    @field_validator("smtp_ca_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """``FOREWARN_SMTP_CA_FILE=`` (left blank in an environment file) means unset."""
        return None if isinstance(value, str) and not value.strip() else value

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'forewarn.db'}"
