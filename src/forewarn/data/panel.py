"""The EWP panel as a value: the typed frame plus where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.countries import Country, countries_of
from forewarn.data.panel_cache import validated
from forewarn.data.schema import validate_panel_file


@dataclass(frozen=True)
class Panel:
    """A validated country-year panel and its provenance (path and SHA-256)."""

    frame: pd.DataFrame
    path: Path
    sha256: str

    @property
    def countries(self) -> dict[int, Country]:
        return countries_of(self.frame)

    @property
    def last_year(self) -> int:
        return int(self.frame["year"].max())


def load_panel(settings: Settings, path: Path | None = None) -> Panel:
    """Load the registry's panel, or the file at ``path`` validated the same way (a file
    validated before is read back from the cache folder: :mod:`.panel_cache`)."""
    source = path if path is not None else registry.fetch("ewp-panel", settings)
    if not source.is_file():
        validate_panel_file(source)  # the usual one-line error
    sha256 = registry.sha256_of(source)
    frame = validated(settings.cache_dir, source, sha256, validate_panel_file)
    return Panel(frame, source, sha256)
