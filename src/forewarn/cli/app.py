"""The Typer application and the helpers every command module shares."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.text import Text

from forewarn.errors import ConfigError
from forewarn.files import write_atomically

if TYPE_CHECKING:
    from pydantic import ValidationError

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


def _show_version(value: bool) -> None:
    if value:
        from forewarn import __version__

        typer.echo(f"forewarn {__version__}")
        raise typer.Exit()


VERSION = typer.Option(
    False, "--version", help="Show the version and exit.", is_eager=True, callback=_show_version
)
"""``forewarn --version``: answered before the settings are built or any command is loaded."""


@app.callback()
def _root(ctx: typer.Context, version: bool = VERSION) -> None:
    """Build the settings once; every command reads them from the context."""
    from pydantic import ValidationError  # pydantic: loaded by commands, not by --help

    from forewarn.config import Settings

    try:
        ctx.obj = Settings()
    except ValidationError as exc:
        raise ConfigError(setting_problem(exc)) from None


def setting_problem(exc: ValidationError) -> str:
    """One line naming the first bad ``FOREWARN_*`` setting and what is wrong with it."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else ""
    name = f"FOREWARN_{field.upper()}" if field else "a setting"
    shown = "" if "password" in field or "secret" in field else f"={first.get('input')!r}"
    return f"{name}{shown}: {first.get('msg', 'invalid')}"


def fitting(wide: RenderableType, compact: Callable[[], RenderableType]) -> RenderableType:
    """``wide`` if it fits the console without cutting anything off, else ``compact()`` (a
    layout with merged or stacked columns)."""
    width = console.width
    trial = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    with trial.capture() as captured:
        trial.print(wide, crop=False)
    text = captured.get()
    return (
        wide if "…" not in text and all(len(x) <= width for x in text.splitlines()) else compact()
    )


def prose(text: str, indent: int = 0, *, markup: bool = False) -> None:
    """A sentence of results, wrapped at word boundaries to the console's width, every line
    indented by ``indent`` spaces (``markup``: Rich markup such as ``[bold]``)."""
    body = Text.from_markup(text) if markup else Text(text)
    console.print(Padding(body, (0, 0, 0, indent), expand=False), soft_wrap=False)


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
        write_atomically(path, (text + "\n").encode("utf-8"))
