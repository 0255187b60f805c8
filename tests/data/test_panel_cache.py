"""Validated panels read back from the cache folder: the same frame, for the same bytes only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.panel import load_panel
from forewarn.data.panel_cache import validated
from forewarn.data.schema import validate_panel_file
from forewarn.errors import SchemaError


def _refuse(path: Path) -> pd.DataFrame:
    raise AssertionError(f"validated {path} again")


@pytest.fixture
def panel_file(settings: Settings) -> Path:
    return registry.fetch("ewp-panel", settings)


def test_a_cached_panel_is_exactly_the_validated_one(panel_file: Path, tmp_path: Path) -> None:
    sha = registry.sha256_of(panel_file)
    fresh = validated(tmp_path, panel_file, sha, validate_panel_file)
    again = validated(tmp_path, panel_file, sha, _refuse)  # read back, not validated
    pd.testing.assert_frame_equal(again, fresh, check_exact=True)
    assert list(again.dtypes) == list(validate_panel_file(panel_file).dtypes)
    assert again is not fresh


def test_other_bytes_are_validated_afresh(panel_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "panel.csv"
    copy.write_bytes(panel_file.read_bytes())
    validated(tmp_path, copy, registry.sha256_of(copy), validate_panel_file)
    text = copy.read_text(encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    first[header.index("gdppcgrowth")] = "abc"
    copy.write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="line 2, column 'gdppcgrowth'"):
        validated(tmp_path, copy, registry.sha256_of(copy), validate_panel_file)


def test_a_damaged_cache_file_is_replaced(panel_file: Path, tmp_path: Path) -> None:
    sha = registry.sha256_of(panel_file)
    validated(tmp_path, panel_file, sha, validate_panel_file)
    (stored,) = (tmp_path / "panels").iterdir()
    stored.write_bytes(b"not a pickle")
    frame = validated(tmp_path, panel_file, sha, validate_panel_file)
    assert len(frame) == len(validate_panel_file(panel_file))


def test_load_panel_reports_a_missing_file_in_one_line(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no such file"):
        load_panel(settings, tmp_path / "missing.csv")
