"""The command table that lets ``forewarn <command>`` import only that command's module."""

from __future__ import annotations

import subprocess
import sys

import typer

from forewarn import cli
from forewarn.cli import outline


def _modules_of(group: typer.Typer) -> set[str]:
    """The modules whose functions make up ``group``'s commands, sub-groups included."""
    found = {c.callback.__module__ for c in group.registered_commands if c.callback}
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found |= _modules_of(sub.typer_instance)
    return {name.rsplit(".", 1)[-1] for name in found}


def test_the_table_names_every_command_and_the_modules_that_define_it() -> None:
    cli._register()  # every module
    top = {c.name: {c.callback.__module__.rsplit(".", 1)[-1]} for c in cli.app.registered_commands
           if c.name and c.callback}  # fmt: skip
    for group in cli.app.registered_groups:
        assert group.name and group.typer_instance is not None
        top[group.name] = _modules_of(group.typer_instance)
    assert {name: set(modules) for name, modules in cli.COMMANDS.items()} == top
    assert set(cli.COMMAND_MODULES) == set().union(*top.values())


def test_a_command_loads_its_own_modules_only() -> None:
    probe = (
        "import sys; from forewarn import cli; cli._register(['forewarn', 'alerts', 'list']); "
        "print(sorted(m for m in sys.modules if m.startswith('forewarn.cli.') and "
        "m.rsplit('.', 1)[1] in cli.COMMAND_MODULES), 'sklearn' in sys.modules, "
        "'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['forewarn.cli.warning'] False False"


def test_help_without_a_command_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-c", "from forewarn.cli import main; main()", "--help"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0
    for name in cli.COMMANDS:
        assert name in out.stdout, name


def test_the_command_list_is_read_without_importing_the_command_modules() -> None:
    probe = (
        "import sys; from forewarn import cli; cli._application(['forewarn', '--help']); "
        "print(sorted(m for m in sys.modules if m.startswith('forewarn.cli.')), "
        "'pandas' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['forewarn.cli.app', 'forewarn.cli.outline'] False False"


def test_the_outline_help_is_the_help_of_the_real_commands() -> None:
    full = "import sys; from forewarn import cli; cli._register(); cli.app()"
    real = subprocess.run([sys.executable, "-c", full, "--help"], capture_output=True, text=True)
    fast = subprocess.run([sys.executable, "-c", "from forewarn.cli import main; main()", "--help"],
                          capture_output=True, text=True)  # fmt: skip
    assert real.returncode == fast.returncode == 0
    assert fast.stdout == real.stdout
    assert "forecast" in fast.stdout and "Alerts raised by the warning rules." in fast.stdout


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    out = subprocess.run([sys.executable, "-c", "from forewarn.cli import main; main()", "warm"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 2
    assert "No such command 'warm'" in out.stderr and "'warn'" in out.stderr


def test_the_outline_reads_every_way_a_command_is_named() -> None:
    source = (
        "import typer\nfrom forewarn.cli.app import app\n"
        'extra = typer.Typer(help="Extra things.")\napp.add_typer(extra, name="extra")\n\n'
        '@app.command("one")\ndef first() -> None:\n    """The first."""\n\n'
        '@app.command(name="two")\ndef second() -> None:\n    """The second."""\n\n'
        '@app.command()\ndef third_thing() -> None:\n    """The third."""\n\n'
        '@extra.command("inner")\ndef inner() -> None:\n    """Not top level."""\n'
    )
    found = list(outline.parse(source))
    assert found == [outline.Entry("extra", "Extra things.", True),
                     outline.Entry("one", "The first.", False),
                     outline.Entry("two", "The second.", False),
                     outline.Entry("third-thing", "The third.", False)]  # fmt: skip
