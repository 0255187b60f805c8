"""The ``forewarn`` command line: a thin shell over the stages.

Every expected failure is a :class:`~forewarn.errors.ForewarnError`; :func:`main` prints it
as one line on standard error and exits with its code, never with a traceback.
"""

from __future__ import annotations

import sys

import typer

from forewarn.cli.app import app
from forewarn.errors import ForewarnError


def _register() -> None:
    """Import the command modules; each adds its commands to :data:`app`."""
    import importlib

    for name in COMMAND_MODULES:
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


def main() -> None:
    """Entry point of the console script."""
    _register()
    try:
        app()
    except ForewarnError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
