"""The synthetic event generator of the scale benchmark, on small data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forewarn.events.storage import events_root, read_events
from forewarn.events.synthetic import GED_CSV_COLUMNS, ged_template, write_synthetic

from .conftest import import_file


def test_synthetic_events_have_the_ged_schema_and_import(caf_geojson: Path, tmp_path: Path) -> None:
    template = ged_template(caf_geojson)
    path = write_synthetic(
        tmp_path / "GEDEvent_v23_1_s.csv",
        template,
        5_000,
        countries=7,
        provinces=4,
        seed=3,
        chunk=2_000,
        text=False,
    )
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(rows.columns) == GED_CSV_COLUMNS and len(rows) == 5_000
    assert rows["id"].is_unique and rows["country"].nunique() == 7
    assert set(rows["adm_1"]) == {f"Province {k:02d}" for k in range(1, 5)}
    assert (rows["source_article"] == "").all()
    again = write_synthetic(
        tmp_path / "GEDEvent_v23_1_t.csv",
        template,
        5_000,
        countries=7,
        provinces=4,
        seed=3,
        chunk=2_000,
        text=False,
    )
    assert again.read_bytes() == path.read_bytes()  # the same seed, the same events
    root = events_root(tmp_path)
    report = import_file(root, path, repair=True)
    assert report.record.events == 5_000 and len(report.record.countries) == 7
    stored = read_events(root, "ged")
    assert stored["year"].between(1989, 2022).all()
    real = set(template["best"].astype(int))
    assert set(stored["best"]) <= real  # resampled, not invented
