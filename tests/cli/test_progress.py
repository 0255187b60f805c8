"""Progress of long commands when standard error is not a terminal: lines, not silence."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from forewarn import progress
from forewarn.cli.progress import Lines
from forewarn.config import Settings


def test_lines_mark_the_start_throttled_updates_and_the_end_of_each_step() -> None:
    out = io.StringIO()
    lines = Lines(out, every=3600.0)
    with progress.listening(lines):
        done = progress.counter("fitting", 3)
        done(1, 3)  # within the interval: not written
        done(3, 3)
        done(3, 3)  # a step is finished once
        progress.report("band", 0, 20)
    text = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert text == ["fitting: started", "fitting: done", "band: started"]


def test_nobody_listening_costs_nothing() -> None:
    progress.report("fitting", 1, 2)  # no listener: no error, no output


def test_a_piped_backtest_writes_progress_lines_to_standard_error(
    settings: Settings, tmp_path: Path
) -> None:
    env = {"FOREWARN_DATA_MIRROR": str(settings.data_mirror),
           "FOREWARN_CACHE_DIR": str(tmp_path / "cache"), "PATH": ""}  # fmt: skip
    cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", "backtest",
           "--model", "ewp-elasticnet", "--no-cache"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "fitting ewp-elasticnet: started" in done.stderr
    assert "fitting ewp-elasticnet: done" in done.stderr
    assert "ewp-elasticnet" in done.stdout
