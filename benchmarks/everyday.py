"""Everyday commands timed as a user runs them, each figure against its target.

Every command runs as ``forewarn ...`` in a fresh process with its output piped (as in a
script), in a scratch results cache and database: "cold" means an empty results cache,
"warm" means the cache that the earlier commands of the sequence filled. The sequence is
a working day: start-up, the first forecast, the warning run that reads it, a risk chart,
a case replay, then all of them again. A second empty cache times a cold ``warn`` alone.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
LONG = 5.0  # seconds after which a silent command looks hung


@dataclass(frozen=True)
class Step:
    """One timed command: label, arguments, target seconds (None: reported only)."""

    label: str
    args: tuple[str, ...]
    target: float | None = None
    repeat: int = 1


@dataclass(frozen=True)
class Timing:
    step: Step
    seconds: float
    cpu: float
    progress_lines: int
    code: int


def run_step(step: Step, env: dict[str, str], cwd: Path) -> Timing:
    """Best of ``step.repeat`` runs (wall seconds; cpu of that run's process tree)."""
    runs = [_once(step, env, cwd) for _ in range(step.repeat)]
    return min(runs, key=lambda t: t.seconds)


def _once(step: Step, env: dict[str, str], cwd: Path) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "forewarn"), *step.args], env=env, cwd=cwd,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        print(f"  {step.label}: exit {done.returncode}: {done.stderr.strip()[-300:]}",
              file=sys.stderr)  # fmt: skip
    lines = sum(1 for line in done.stderr.splitlines() if line.strip())
    return Timing(step, seconds, cpu, lines, done.returncode)


DAY: tuple[Step, ...] = (
    Step("start-up: forewarn --help", ("--help",), 0.5, repeat=3),
    Step("start-up: alerts list", ("alerts", "list"), 0.5, repeat=3),
    Step("cold forecast (with band)", ("forecast",), 15.0),
    Step("warm forecast", ("forecast",), 3.0),
    Step("warn after forecast", ("warn",), 3.0),
    Step("first plot risk SDN", ("plot", "risk", "SDN", "--out", "risk.png"), None),
    Step("warm plot risk SDN", ("plot", "risk", "SDN", "--out", "risk.png"), 3.0),
    Step("first replay rwanda-1994", ("replay", "rwanda-1994"), None),
    Step("first replay myanmar-2017", ("replay", "myanmar-2017"), None),
    Step("warm replay rwanda-1994", ("replay", "rwanda-1994"), 3.0),
    Step("warm plot factors SDN", ("plot", "factors", "SDN", "--out", "f.png"), 3.0),
    Step("warm warn", ("warn",), 3.0),
)
COLD_WARN = Step("cold warn (empty cache)", ("warn",), 20.0)


def environment(root: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "FOREWARN_CACHE_DIR": str(root / name / "cache"),
        "FOREWARN_DATA_DIR": str(root / name / "data"),
        "COLUMNS": "100",
    })  # fmt: skip
    env.pop("FOREWARN_DATABASE_URL", None)
    return env


def measure_day(steps: Sequence[Step] = DAY) -> list[Timing]:
    """Run the working day, then a cold ``warn`` in a second empty cache."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        day = environment(root, "day")
        out = [_say(run_step(s, day, root)) for s in steps]
        out.append(_say(run_step(COLD_WARN, environment(root, "cold"), root)))
    return out


def _say(t: Timing) -> Timing:
    print(f"  {t.step.label}: {t.seconds:.2f} s", file=sys.stderr, flush=True)
    return t


def report(timings: Sequence[Timing]) -> None:
    head = ("command (output piped)", "wall s", "cpu s", "target", "", "progress")
    print("{:<32}{:>8}{:>8}{:>9}{:>6}  {}".format(*head))
    for t in timings:
        target = "" if t.step.target is None else f"<= {t.step.target:g}"
        verdict = "" if t.step.target is None else ("ok" if t.seconds <= t.step.target else "MISS")
        if t.code != 0:
            verdict = "FAIL"
        shown = _progress(t)
        print(f"{t.step.label:<32}{t.seconds:8.2f}{t.cpu:8.1f}{target:>9}{verdict:>6}  {shown}")
    met = sum(1 for t in timings if t.step.target is not None and t.seconds <= t.step.target)
    total = sum(1 for t in timings if t.step.target is not None)
    print(f"targets met: {met}/{total}; 'progress': lines written to standard error while "
          f"piped (a command running {LONG:g} s or more without any is a MISS)")  # fmt: skip


def _progress(t: Timing) -> str:
    if t.progress_lines:
        return f"{t.progress_lines} lines"
    return "none (MISS)" if t.seconds >= LONG else ""


if __name__ == "__main__":
    report(measure_day())
