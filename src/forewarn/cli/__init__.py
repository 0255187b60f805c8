"""The ``forewarn`` command line: a thin shell over the stages.

Every expected failure is a :class:`~forewarn.errors.ForewarnError`; :func:`main` prints it
as one line on standard error and exits with its code, never with a traceback.
"""

from __future__ import annotations

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
}
"""The modules that define each top-level command (a test keeps this table true)."""


def _application(argv: list[str]) -> typer.Typer:
    """The application to run: ``app`` with the named command's modules loaded, or, for the
    command list (``forewarn``, ``forewarn --help``, an unknown command), an outline read
    from the modules' source without importing them (:mod:`forewarn.cli.outline`)."""
    named = _named(argv)
    loaded = all(f"forewarn.cli.{m}" in sys.modules for m in COMMAND_MODULES)
    listing = named not in COMMANDS and (named is not None or len(argv) <= 1 or _asks_help(argv))
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
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
