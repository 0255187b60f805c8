"""Fixtures shared by the evaluation tests: the real panel, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.data.panel import Panel, load_panel


@pytest.fixture(scope="session")
def panel(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Panel:
    """The EWP panel from the mirror (settings isolated in a temporary folder)."""
    root = tmp_path_factory.mktemp("evaluation")
    return load_panel(Settings(data_mirror=mirror, cache_dir=root / "cache", data_dir=root))
