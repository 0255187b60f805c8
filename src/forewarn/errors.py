"""The project's error hierarchy: every expected failure is a ForewarnError.

Each class carries the exit code the CLI uses and the HTTP status the API uses, so the
shells never have to guess how to report a failure.
"""

from __future__ import annotations


class ForewarnError(Exception):
    """Base class: a failure the user can act on, reported in one line."""

    exit_code = 1
    http_status = 500


class DataError(ForewarnError):
    """A data file is missing, corrupt, or fails its hash check."""

    exit_code = 2
    http_status = 422


class SchemaError(DataError):
    """A file is readable but breaks its declared schema (names file, row, field)."""


class ConfigError(ForewarnError):
    """A configuration file or setting is invalid."""

    exit_code = 2
    http_status = 422


class NotFound(ForewarnError):
    """A named thing (country, model, case, action) does not exist."""

    exit_code = 2
    http_status = 404


class Forbidden(ForewarnError):
    """The actor may not do this."""

    exit_code = 3
    http_status = 403


class Conflict(ForewarnError):
    """The request contradicts the current state (e.g. acting on a closed action)."""

    exit_code = 2
    http_status = 409


class InvalidInput(ForewarnError):
    """A request or option outside what it allows (an unknown filter value, a missing reason).

    ``field`` names what was wrong in neutral terms (``reason``); the command line shows it
    as its option (``--reason``), the API as the body or query field."""

    exit_code = 2
    http_status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Unavailable(ForewarnError):
    """A service forewarn needs (the database) cannot be reached or cannot write."""

    exit_code = 4
    http_status = 503
