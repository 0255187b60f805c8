"""The ``forewarn`` command line: a thin shell over the stages.

Every expected failure is a :class:`~forewarn.errors.ForewarnError`; :func:`main` prints it
as one line on standard error and exits with its code, never with a traceback.
"""

from __future__ import annotations

import errno
import sys

import typer

from forewarn.cli.app import app
from forewarn.errors import ForewarnError


def _named(argv: list[str]) -> str | None:
    return next((a for a in argv[1:] if not a.startswith("-")), None)


def _register(argv: list[str] | None = None) -> None:
    """Import the command modules; each adds its commands to :data:`app`.

    Given the command line, only the modules of the command it names are imported (see
    :data:`COMMANDS`), so that ``forewarn alerts list`` does not load the modelling stack;
    without a known command (``forewarn --help``, a typo) every module is imported."""
    import importlib

    named = _named(argv or [])
    for name in COMMANDS.get(named or "", COMMAND_MODULES):
        importlib.import_module(f"forewarn.cli.{name}")


COMMAND_MODULES: tuple[str, ...] = (
    "data",
    "forecasting",
    "framework",
    "warning",
    "cases",
    "report",
    "response",
    "unsc",
    "serve",
    "notify",
    "events",
)


COMMANDS: dict[str, tuple[str, ...]] = {
    "data": ("data",),
    **dict.fromkeys(("models", "backtest", "forecast", "demo"), ("forecasting",)),
    **dict.fromkeys(("framework", "assess"), ("framework",)),
    **dict.fromkeys(("warn", "alerts"), ("warning",)),
    "plot": ("warning", "cases"),
    "replay": ("cases",),
    "report": ("report",),
    **dict.fromkeys(("actions", "ledger", "tick", "gap"), ("response",)),
    **dict.fromkeys(("unsc", "mandate"), ("unsc",)),
    **dict.fromkeys(("serve", "users", "tokens"), ("serve",)),
    **dict.fromkeys(("worker", "notifications", "webhooks"), ("notify",)),
    "events": ("events",),
}
"""The modules that define each top-level command (a test keeps this table true)."""


MAX_MESSAGE = 2000
"""Longest error line printed (values quoted from a bad file can be long)."""


def _fail(exc: ForewarnError) -> None:
    message = " ".join(str(exc).splitlines())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    field = getattr(exc, "field", None)  # InvalidInput: name the option it came from
    if isinstance(field, str) and field:
        message += f" (--{field.replace('_', '-')})"
    typer.echo(f"error: {message}", err=True)
    sys.exit(exc.exit_code)


def failure_of(exc: Exception) -> ForewarnError | None:
    """The one-line error for a failure of the machine rather than of forewarn: the
    database unreachable or full, a file that cannot be written (None for anything else,
    which is a bug and keeps its traceback)."""
    if isinstance(exc, OSError):
        from forewarn.errors import Unavailable

        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return Unavailable(f"no space left to write{where}: {exc.strerror}")
        return ForewarnError(f"{exc.strerror or exc}{where}")
    if type(exc).__module__.startswith("sqlalchemy"):
        from forewarn.store.db import failure_of as database_failure

        return database_failure(exc)
    return None


def _application(argv: list[str]) -> typer.Typer:
    """The application to run: ``app`` with the named command's modules loaded, or, for the
    command list (``forewarn``, ``forewarn --help``, an unknown command), an outline read
    from the modules' source without importing them (:mod:`forewarn.cli.outline`)."""
    named = _named(argv)
    loaded = all(f"forewarn.cli.{m}" in sys.modules for m in COMMAND_MODULES)
    listing = named not in COMMANDS and (
        named is not None or len(argv) <= 1 or _asks_help(argv) or "--version" in argv[1:]
    )
    if listing and not loaded:
        from forewarn.cli.outline import outline_app

        return outline_app(COMMAND_MODULES, app)
    _register(argv)
    return app


def _asks_help(argv: list[str]) -> bool:
    return any(a in ("--help", "-h") for a in argv[1:])


def main() -> None:
    """Entry point of the console script."""
    application = _application(sys.argv)
    try:
        application()
    except ForewarnError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        known = failure_of(exc)
        if known is None:
            raise
        _fail(known)
