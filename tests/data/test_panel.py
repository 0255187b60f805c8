"""Panel schema validation: every defect is reported with file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.data.panel import load_panel
from forewarn.data.schema import PANEL_COLUMNS, PREDICTORS, validate_panel_file
from forewarn.errors import SchemaError

PANEL = "ewp-2025/prepared2024predictors-2025-09-03.csv"


def test_real_panel_loads_typed_and_unique(settings: Settings) -> None:
    panel = load_panel(settings)
    frame = panel.frame
    assert frame.shape == (9463, len(PANEL_COLUMNS))
    assert frame["ccode"].nunique() == 173
    assert int(frame["mk_onset"].sum()) == 122
    assert not frame.duplicated(["ccode", "year"]).any()
    assert str(frame["year"].dtype) == "int64"
    assert str(frame["mk_onset_1"].dtype) == "Int64"
    assert len(PREDICTORS) == 39 and set(PREDICTORS) <= set(frame.columns)


def _edited(mirror: Path, tmp_path: Path, edit: object) -> Path:
    lines = (mirror / PANEL).read_text().splitlines(keepends=True)
    assert callable(edit)
    out = tmp_path / "panel.csv"
    out.write_text("".join(edit(lines)))
    return out


def _replace_field(line: str, index: int, value: str) -> str:
    fields = line.rstrip("\n").split(",")
    fields[index] = value
    return ",".join(fields) + "\n"


def test_truncated_file(mirror: Path, tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    data = (mirror / PANEL).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match=r"panel\.csv, line \d+: \d+ fields where the header"):
        validate_panel_file(path)


def test_missing_column(mirror: Path, tmp_path: Path) -> None:
    def drop_discrimpop(lines: list[str]) -> list[str]:
        index = lines[0].rstrip("\n").split(",").index("discrimpop")
        return [
            ",".join(x for i, x in enumerate(ln.rstrip("\n").split(",")) if i != index) + "\n"
            for ln in lines
        ]

    path = _edited(mirror, tmp_path, drop_discrimpop)
    with pytest.raises(SchemaError, match="missing column 'discrimpop'"):
        validate_panel_file(path)


def test_duplicated_country_year(mirror: Path, tmp_path: Path) -> None:
    path = _edited(mirror, tmp_path, lambda lines: [*lines[:6], lines[5], *lines[6:]])
    with pytest.raises(
        SchemaError, match=r"line 7: duplicated country-year \(ccode 2, year 1964\)"
    ):
        validate_panel_file(path)


def test_text_in_numeric_column(mirror: Path, tmp_path: Path) -> None:
    def corrupt(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index("discrimpop")
        return [*lines[:100], _replace_field(lines[100], index, "high"), *lines[101:]]

    path = _edited(mirror, tmp_path, corrupt)
    with pytest.raises(SchemaError, match=r"line 101, column 'discrimpop': not a number: 'high'"):
        validate_panel_file(path)


def test_out_of_range_and_missing_values(mirror: Path, tmp_path: Path) -> None:
    def corrupt(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index("mk_onset")
        return [*lines[:10], _replace_field(lines[10], index, "3"), *lines[11:]]

    path = _edited(mirror, tmp_path, corrupt)
    with pytest.raises(SchemaError, match=r"line 11, column 'mk_onset': 3 outside \[0, 1\]"):
        validate_panel_file(path)

    def blank(lines: list[str]) -> list[str]:
        return [*lines[:20], _replace_field(lines[20], 1, ""), *lines[21:]]

    path = _edited(mirror, tmp_path, blank)
    with pytest.raises(SchemaError, match=r"line 21, column 'year': missing value"):
        validate_panel_file(path)


def test_empty_and_absent_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SchemaError, match="empty file"):
        validate_panel_file(empty)
    with pytest.raises(SchemaError, match="no such file"):
        validate_panel_file(tmp_path / "absent.csv")
