"""One validated Settings object, built once at start-up and passed down."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
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

    dask_scheduler: str | None = Field(
        default=None,
        description="Dask cluster for event aggregation and model fits: unset (one process), "
        "'local' (a LocalCluster sized to the machine) or a scheduler address.",
    )
    monthly_rules_file: Path | None = Field(
        default=None,
        description="Monthly event-data warning rules TOML overriding the packaged default.",
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'forewarn.db'}"
