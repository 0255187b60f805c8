"""The ``forewarn`` command line: a thin shell over the stages.

Every expected failure is a :class:`~forewarn.errors.ForewarnError`; :func:`main` prints it
as one line on standard error and exits with its code, never with a traceback.
"""

from __future__ import annotations

import sys

import typer

from forewarn.cli.app import app
from forewarn.errors import ForewarnError


def _register(argv: list[str] | None = None) -> None:
    """Import the command modules; each adds its commands to :data:`app`.

    Given the command line, only the modules of the command it names are imported (see
    :data:`COMMANDS`), so that ``forewarn alerts list`` does not load the modelling stack;
    without a known command (``forewarn --help``, a typo) every module is imported."""
    import importlib

    named = next((a for a in (argv or [])[1:] if not a.startswith("-")), None)
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
    "events": ("events",),
}
"""The modules that define each top-level command (a test keeps this table true)."""


def main() -> None:
    """Entry point of the console script."""
    _register(sys.argv)
    try:
        app()
    except ForewarnError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
