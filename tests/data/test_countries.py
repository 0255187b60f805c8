"""Country identity for every country of the panel."""

from __future__ import annotations

import pytest

from forewarn.config import Settings
from forewarn.data.countries import EXPLICIT, find_country, iso3_of
from forewarn.data.panel import load_panel
from forewarn.errors import NotFound


def test_every_panel_country_has_iso3_and_name_unique_per_year(settings: Settings) -> None:
    panel = load_panel(settings)
    table = panel.countries
    assert len(table) == 173
    assert all(len(c.iso3) == 3 and c.name for c in table.values())
    frame = panel.frame.assign(iso3=panel.frame["ccode"].map(lambda c: table[c].iso3))
    assert not frame.duplicated(["iso3", "year"]).any()


@pytest.mark.parametrize(
    ("ccode", "iso3"),
    [
        (2, "USA"),
        (517, "RWA"),
        (775, "MMR"),
        (652, "SYR"),
        (620, "LBY"),
        (346, "BIH"),
        (265, "DDR"),
    ],
)
def test_known_codes(settings: Settings, ccode: int, iso3: str) -> None:
    assert load_panel(settings).countries[ccode].iso3 == iso3


def test_explicit_mappings_are_the_ones_the_crosswalk_misses() -> None:
    assert set(EXPLICIT) == {265, 315, 678, 680, 703, 816, 817}


def test_lookup_by_code_name_and_errors(settings: Settings) -> None:
    table = load_panel(settings).countries
    assert find_country("mmr", table).ccode == 775
    assert find_country(517, table).iso3 == "RWA"
    assert iso3_of("Burma") == "MMR"
    with pytest.raises(NotFound, match="unknown country 'Narnia'"):
        iso3_of("Narnia")
    with pytest.raises(NotFound):
        find_country("XYZ", table)
