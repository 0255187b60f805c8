"""Progress of long commands: a bar on a terminal, dated lines on standard error otherwise.

When output goes to a file or a pipe (a script, a scheduler, ``| tee``), a bar cannot be
drawn, and a silent command that runs for a minute looks hung; so each step is written as
a line: when it starts, at most every few seconds while it runs, and when it finishes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from forewarn import progress
from forewarn.cli.app import err_console

Update = Callable[[str, int, int], None]
EVERY = 5.0  # seconds between lines for one step while it runs


@contextmanager
def shown(every: float = EVERY) -> Iterator[Update]:
    """Show the progress reported inside the block (see :mod:`forewarn.progress`)."""
    with _display(every) as update, progress.listening(update):
        yield update


@contextmanager
def _display(every: float) -> Iterator[Update]:
    if err_console.is_terminal:
        with _bar() as update:
            yield update
    else:
        yield Lines(sys.stderr, every)


@contextmanager
def _bar() -> Iterator[Update]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


class Lines:
    """``update(label, done, total)`` written as lines such as
    ``[   12s] fitting forewarn-ensemble: 3/13``: when a step starts, at most every
    ``every`` seconds while it runs, and when it is done."""

    def __init__(self, stream: TextIO, every: float = EVERY) -> None:
        self.stream = stream
        self.every = every
        self.start = time.monotonic()
        self.last: dict[str, float] = {}
        self.finished: set[str] = set()

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        first = label not in self.last
        finished = done >= total
        if label in self.finished:
            return
        if first or finished or now - self.last[label] >= self.every:
            self.last[label] = now
            if finished:
                self.finished.add(label)
            state = "done" if finished else ("started" if done == 0 else f"{done}/{total}")
            self.stream.write(f"[{now - self.start:5.0f}s] {label}: {state}\n")
            self.stream.flush()
