"""The Typer application and the helpers every command module shares."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from forewarn.config import Settings

app = typer.Typer(
    name="forewarn",
    help="Atrocity-crimes early warning that forces a response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Build the settings once; every command reads them from the context."""
    ctx.obj = Settings()


def settings_of(ctx: typer.Context) -> Settings:
    """The settings built at start-up."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def write_json(data: Any, path: Path | None) -> None:
    """Write ``data`` as JSON to ``path``, or to standard output when ``path`` is None."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if path is None:
        typer.echo(text)
    else:
        write_atomically(path, (text + "\n").encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, then a rename (a
    full disk leaves the old file, or none, never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
