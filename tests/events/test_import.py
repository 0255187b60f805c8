"""Importing event files: the real CAF file, idempotence, versions, and every kind of bad file
refused in one line with exit code 2 and nothing stored."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from forewarn import cli
from forewarn.errors import DataError
from forewarn.events.storage import events_root, load_manifest, read_events

from .conftest import import_file, write_csv


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str
) -> tuple[int, str, str]:
    """``forewarn ARGS`` in this process, through the console script's entry point."""
    monkeypatch.setenv("FOREWARN_DATA_DIR", str(data_dir))
    monkeypatch.setattr(sys, "argv", ["forewarn", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != ".lock")


def test_the_real_caf_file_imports_once(caf_geojson: Path, tmp_path: Path) -> None:
    root = events_root(tmp_path)
    first = import_file(root, caf_geojson, repair=True)
    assert (first.record.events, first.record.version, first.record.countries) == (
        1848,
        "23.1",
        ("CAF",),
    )
    stored = read_events(root, "ged", "CAF")
    assert len(stored) == 1848 and stored["id"].is_unique
    assert stored["type_of_violence"].value_counts().to_dict() == {3: 1076, 1: 401, 2: 371}
    before = _files(root)
    again = import_file(root, caf_geojson, repair=True)
    assert again.unchanged and _files(root) == before


def test_estimates_that_disagree_are_refused_unless_repaired(
    caf_geojson: Path, tmp_path: Path
) -> None:
    root = events_root(tmp_path)
    with pytest.raises(DataError, match=r"row \d+, field 'best': .* outside low-high"):
        import_file(root, caf_geojson)
    assert not (root / "CURRENT").exists()
    report = import_file(root, caf_geojson, repair=True)
    ids = (root / "snapshots" / "000001" / "repairs").glob("*.csv")
    listed = pd.read_csv(next(ids), dtype=str)["id"]
    assert report.record.repaired == len(listed) > 0
    stored = read_events(root, "ged", "CAF").set_index("id").loc[listed]
    assert ((stored["low"] <= stored["best"]) & (stored["best"] <= stored["high"])).all()


def test_the_csv_and_the_geojson_store_the_same_events(
    caf_geojson: Path, caf_csv: Path, tmp_path: Path
) -> None:
    a, b = events_root(tmp_path / "a"), events_root(tmp_path / "b")
    import_file(a, caf_geojson, repair=True)
    import_file(b, caf_csv, repair=True)
    one, two = (read_events(r, "ged").sort_values("id").reset_index(drop=True) for r in (a, b))
    pd.testing.assert_frame_equal(one, two)


def test_a_newer_version_replaces_what_it_covers_and_an_older_one_is_refused(
    caf_rows: pd.DataFrame, tmp_path: Path
) -> None:
    root = events_root(tmp_path / "data")
    old = write_csv(caf_rows, tmp_path / "GEDEvent_v23_1.csv")
    import_file(root, old, repair=True)
    years = caf_rows["date_start"].str[:4].astype(int)
    newer = caf_rows[years >= 2013].copy()
    newer = newer[newer["date_start"].str[:4] != "2015"]  # a year the new release empties
    newer.loc[:, "best"] = newer["high"]
    path = write_csv(newer, tmp_path / "GEDEvent_v24_1.csv")
    report = import_file(root, path, repair=True)
    stored = read_events(root, "ged", "CAF")
    assert set(stored.loc[stored["year"] < 2013, "version"]) == {"23.1"}
    assert set(stored.loc[stored["year"] >= 2013, "version"]) == {"24.1"}
    assert not (stored["year"] == 2015).any()
    assert len(stored) == (years < 2013).sum() + len(newer)
    assert report.record.replaced == 2022 - 2013 + 1
    snapshot = load_manifest(root).snapshot
    older = write_csv(caf_rows[years >= 2014], tmp_path / "GEDEvent_v22_1.csv")
    with pytest.raises(DataError, match=r"older than the ged 24\.1 events"):
        import_file(root, older, repair=True)
    assert import_file(root, old, repair=True).unchanged  # already imported: nothing to do
    assert load_manifest(root).snapshot == snapshot


def test_acled_exports_map_onto_the_types_of_violence(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "event_id_cnty": ["CAF1", "CAF2", "CAF3", "CAF4", "CAF5"],
            "event_date": [
                "2023-01-05",
                "12 January 2023",
                "2023-02-01",
                "2023-02-03",
                "2023-02-09",
            ],
            "event_type": [
                "Battles",
                "Violence against civilians",
                "Battles",
                "Protests",
                "Explosions/Remote violence",
            ],
            "inter1": ["1", "2", "2", "6", "3"],
            "inter2": ["2", "7", "3", "0", "7"],
            "fatalities": ["4", "9", "2", "0", "3"],
            "latitude": ["4.36", "6.0", "7.1", "4.4", "5.0"],
            "longitude": ["18.55", "20.6", "21.0", "18.5", "19.0"],
            "country": ["Central African Republic"] * 5,
            "iso": ["140"] * 5,
            "admin1": ["Bangui", "Ouaka", "Vakaga", "Bangui", "Ouaka"],
            "admin2": [""] * 5,
            "actor1": ["Military Forces of CAR", "UPC", "FPRC", "Protesters", "Unidentified"],
            "actor2": ["FPRC", "Civilians", "RPRC", "", "Civilians"],
            "civilian_targeting": ["", "Civilian targeting", "", "", "Civilian targeting"],
            "timestamp": ["1700000000", "1700000001", "1700000002", "1700000003", "1700000004"],
        }
    )
    root = events_root(tmp_path / "data")
    report = import_file(root, write_csv(rows, tmp_path / "acled.csv"))
    assert (report.record.events, report.record.skipped, report.record.version) == (
        4,
        1,
        "1700000004",
    )
    stored = read_events(root, "acled").set_index("id")
    assert stored["type_of_violence"].to_dict() == {"CAF1": 1, "CAF2": 3, "CAF3": 2, "CAF5": 3}
    assert stored["deaths_civilians"].to_dict() == {"CAF1": 0, "CAF2": 9, "CAF3": 0, "CAF5": 3}
    assert stored.loc["CAF1", "perpetrator_state"] and not stored.loc["CAF2", "perpetrator_state"]


# --- bad files ---------------------------------------------------------------------------------

Maker = Callable[[pd.DataFrame, Path], tuple[Path, str]]


def _mutated(column: str, value: str, row: int = 7) -> Maker:
    def make(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
        bad = rows.copy()
        bad.loc[row, column] = value
        return write_csv(bad, folder / "GEDEvent_v23_1.csv"), rf"row {row + 1}, field '{column}'"

    return make


def _truncated(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    text = rows.to_csv(index=False)
    cut = text.index("\n", len(text) // 2) + 40  # forty characters into a row
    path = folder / "GEDEvent_v23_1.csv"
    path.write_text(text[:cut], encoding="utf-8")
    complete = len(pd.read_csv(io.StringIO(text[: text.rindex("\n", 0, cut)]), dtype=str))
    return path, rf"row {complete + 1}, field '\w+': the row has \d+ fields"


def _missing_column(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    path = write_csv(rows.drop(columns=["best"]), folder / "GEDEvent_v23_1.csv")
    return path, r"header row, field 'best': missing column"


def _duplicate(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    bad = rows.copy()
    bad.loc[40, "id"] = bad.loc[3, "id"]
    return write_csv(
        bad, folder / "GEDEvent_v23_1.csv"
    ), r"row 41, field 'id': duplicate id .* row 4"


def _end_before_start(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    bad = rows.copy()
    start = pd.Timestamp(bad.loc[12, "date_start"])
    bad.loc[12, "date_end"] = str(start - pd.Timedelta(days=3))
    return write_csv(bad, folder / "GEDEvent_v23_1.csv"), r"row 13, field 'date_end': .* before"


def _raw(content: bytes, pattern: str) -> Maker:
    def make(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
        path = folder / "GEDEvent_v23_1.csv"
        path.write_bytes(content)
        return path, pattern

    return make


def _header_only(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    path = write_csv(rows.head(0), folder / "GEDEvent_v23_1.csv")
    return path, "no events"


def _truncated_geojson(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    path = folder / "GEDEvent_v23_1.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "prop', encoding="utf-8"
    )
    return path, "not valid JSON"


def _gzip_binary(rows: pd.DataFrame, folder: Path) -> tuple[Path, str]:
    path = folder / "GEDEvent_v23_1.csv.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * 50))
    return path, "not a text file"


BAD: dict[str, Maker] = {
    "truncated": _truncated,
    "missing column": _missing_column,
    "duplicate id": _duplicate,
    "negative deaths": _mutated("deaths_civilians", "-4"),
    "best outside low-high": _mutated("best", "500"),
    "unknown violence type": _mutated("type_of_violence", "4"),
    "bad date": _mutated("date_start", "2013-13-45"),
    "end before start": _end_before_start,
    "latitude out of range": _mutated("latitude", "95.5"),
    "longitude out of range": _mutated("longitude", "-181"),
    "unknown country": _mutated("country", "Atlantis"),
    "empty": _raw(b"", "the file is empty"),
    "header only": _header_only,
    "binary": _raw(bytes(range(256)) * 40, "not a text file"),
    "binary inside gzip": _gzip_binary,
    "truncated geojson": _truncated_geojson,
}


@pytest.fixture(scope="module")
def good_store(caf_geojson: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("good")
    import_file(events_root(data), caf_geojson, repair=True)
    return data


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_stored(
    case: str,
    caf_rows: pd.DataFrame,
    good_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if case == "unknown country":
        caf_rows = caf_rows.assign(country_id="999")
    path, pattern = BAD[case](caf_rows, tmp_path)
    root = events_root(good_store)
    before = _files(root)
    repair = [] if case == "best outside low-high" else ["--repair-estimates"]
    code, out, err = run_cli(
        monkeypatch, capsys, good_store, "events", "import", str(path), *repair
    )
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert str(path) in lines[0]
    assert pd.Series([lines[0]]).str.contains(pattern).all(), (pattern, lines[0])
    assert _files(root) == before


def test_the_registry_dataset_imports_by_name(
    mirror: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FOREWARN_DATA_MIRROR", str(mirror))
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, "events", "import", "ucdp-ged-caf")
    assert code == 0, err
    assert "1,848 ged 23.1 events" in out and "death estimates widened" in out
    code, out, _ = run_cli(monkeypatch, capsys, tmp_path, "events", "import", "ucdp-ged-caf")
    assert code == 0 and "nothing changed" in out
