"""``forecast`` fills the results cache that ``warn`` and the charts read: computed once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MODEL = ("--model", "ewp-elasticnet")  # the fast model; the cache does not depend on it


def _run(mirror: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOREWARN_DATA_MIRROR": str(mirror),
           "FOREWARN_CACHE_DIR": str(tmp_path / "cache"),
           "FOREWARN_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    env.pop("FOREWARN_DATABASE_URL", None)
    cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)


@pytest.mark.slow
def test_warn_after_forecast_reads_the_forecast_instead_of_computing_it(
    mirror: Path, tmp_path: Path
) -> None:
    first = _run(mirror, tmp_path, "forecast", *MODEL, "--top", "3")
    assert first.returncode == 0, first.stderr
    assert "forecast 2024: fitting ewp-elasticnet: started" in first.stderr  # computed, shown
    assert "uncertainty band: done" in first.stderr
    warned = _run(mirror, tmp_path, "warn", *MODEL)
    assert warned.returncode == 0, warned.stderr
    assert "fitting" not in warned.stderr  # read from the cache the forecast filled
    assert "model ewp-elasticnet" in warned.stdout
    again = _run(mirror, tmp_path, "forecast", *MODEL, "--top", "3", "--no-cache")
    assert "fitting ewp-elasticnet" in again.stderr  # --no-cache recomputes
    assert again.stdout == first.stdout
