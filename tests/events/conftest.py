"""Event fixtures: the real CAF file from the mirror, the same events as a GED CSV, stores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.data import registry
from forewarn.events.storage import events_root, import_events
from forewarn.events.synthetic import ged_template

CAF = "ged/GEDEvent_v23_1_CAF.geojson"


@pytest.fixture(scope="session")
def caf_geojson(mirror: Path) -> Path:
    """The pinned UCDP GED 23.1 CAF subset (GeoJSON), from the mirror."""
    return mirror / registry.dataset("ucdp-ged-caf").relpath


@pytest.fixture(scope="session")
def caf_rows(caf_geojson: Path) -> pd.DataFrame:
    """The CAF events as the rows of a GED CSV (strings, as a CSV holds them)."""
    return ged_template(caf_geojson).astype(str)


def write_csv(rows: pd.DataFrame, path: Path) -> Path:
    rows.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def caf_csv(caf_rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CAF events as a GED CSV file named like UCDP's (version 23.1)."""
    return write_csv(caf_rows, tmp_path_factory.mktemp("ged") / "GEDEvent_v23_1.csv")


def import_file(root: Path, path: Path, **options: object) -> object:
    return import_events(root, path, sha256=registry.sha256_of(path), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def caf_store(caf_geojson: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An event store holding the real CAF file (read-only for the tests that share it)."""
    root = events_root(tmp_path_factory.mktemp("store"))
    import_file(root, caf_geojson, repair=True)
    return root
