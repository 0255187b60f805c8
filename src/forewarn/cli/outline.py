"""The list of top-level commands, read from the command modules' source without importing them.

``forewarn --help`` (or a mistyped command) needs each command's name and one-line help,
not its code. Importing every command module to get them loads pandas, SQLAlchemy and the
web stack (seconds); reading the same facts from the modules' source takes milliseconds.
The outline registers stand-ins with the same names and help on a fresh application, in the
order the real modules would register them, so the help text is the same (a test compares).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

import typer

from forewarn.cli.app import VERSION


@dataclass(frozen=True)
class Entry:
    """A top-level command (``group=False``) or command group, with its help text."""

    name: str
    help: str
    group: bool


def entries(module: str) -> Iterator[Entry]:
    """The top-level commands and groups that ``forewarn.cli.<module>`` adds to ``app``,
    in source order."""
    yield from parse((resources.files("forewarn.cli") / f"{module}.py").read_text("utf-8"))


def parse(source: str) -> Iterator[Entry]:
    """The top-level commands and groups a command module's ``source`` adds to ``app``."""
    tree = ast.parse(source)
    helps = dict(_typer_helps(tree))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                name = _app_call(decorator, "command", node.name)
                if name is not None:
                    yield Entry(name, ast.get_docstring(node) or "", False)
        elif isinstance(node, ast.Expr):
            added = _add_typer(node.value)
            if added is not None:
                variable, name = added
                yield Entry(name, helps.get(variable, ""), True)


def outline_app(modules: tuple[str, ...], template: typer.Typer) -> typer.Typer:
    """A fresh application like ``template`` whose commands are stand-ins from ``modules``."""
    info = template.info
    stand_in = typer.Typer(name=info.name, help=info.help, no_args_is_help=True,
                           add_completion=False, pretty_exceptions_enable=False,
                           rich_markup_mode=None)  # fmt: skip
    stand_in.callback()(_root)
    for module in modules:
        for entry in entries(module):
            if entry.group:
                stand_in.add_typer(typer.Typer(help=entry.help), name=entry.name)
            else:
                stand_in.command(entry.name, help=entry.help)(_nothing)
    return stand_in


def _root(version: bool = VERSION) -> None:
    """A stand-in for the real callback, with the same options (``--version`` answered)."""


def _nothing() -> None:
    """A stand-in; never run (a named command loads its real module)."""


def _typer_helps(tree: ast.Module) -> Iterator[tuple[str, str]]:
    """``X = typer.Typer(help="...")`` assignments: (X, help)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if _dotted(call.func) != "typer.Typer":
                continue
            text = next((_text(k.value) for k in call.keywords if k.arg == "help"), "")
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, text


def _add_typer(call: ast.expr) -> tuple[str, str] | None:
    """``app.add_typer(X, name="n")``: (X, n)."""
    if not isinstance(call, ast.Call) or _dotted(call.func) != "app.add_typer" or not call.args:
        return None
    variable = call.args[0]
    name = next((_text(k.value) for k in call.keywords if k.arg == "name"), "")
    return (variable.id, name) if isinstance(variable, ast.Name) and name else None


def _app_call(decorator: ast.expr, method: str, function: str) -> str | None:
    """The command name of ``@app.<method>("name")`` or ``(name="name")``; without one,
    Typer's: the function's name with hyphens."""
    if not isinstance(decorator, ast.Call) or _dotted(decorator.func) != f"app.{method}":
        return None
    if decorator.args:
        return _text(decorator.args[0]) or None
    named = next((_text(k.value) for k in decorator.keywords if k.arg == "name"), "")
    return named or function.replace("_", "-")


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _text(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
