"""The Typer application and the helpers every command module shares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
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
    from forewarn.config import Settings  # pydantic: loaded by commands, not by --help

    ctx.obj = Settings()


def settings_of(ctx: typer.Context) -> Settings:
    """The settings built at start-up."""
    from forewarn.config import Settings

    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def write_json(data: Any, path: Path | None) -> None:
    """Write ``data`` as JSON to ``path``, or to standard output when ``path`` is None."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if path is None:
        typer.echo(text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
