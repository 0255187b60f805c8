"""Tests for the packaged UN Framework of Analysis catalogue and its loader."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from forewarn.errors import ForewarnError
from forewarn.framework.catalogue import (
    CRIMES,
    Framework,
    FrameworkError,
    load_framework,
)

# Indicator counts checked against a source actually read. Both lists were checked against
# The West Papua Genocide Monitor's per-factor pages, which reproduce the UN Framework of
# Analysis for Atrocity Crimes (2014) lists in full:
#   RF8 -> thewestpapuagenocidemonitor.org/post/risk-factor-8 (8.1-8.12)
#   RF9 -> thewestpapuagenocidemonitor.org/post/risk-factor-9 (9.1-9.6)
# Every factor marked verified = true in framework.toml must appear here.
VERIFIED_COUNTS = {"RF8": 12, "RF9": 6}

SPECIFIC_CRIMES = {
    "RF9": ("genocide",),
    "RF10": ("genocide",),
    "RF11": ("crimes_against_humanity",),
    "RF12": ("crimes_against_humanity",),
    "RF13": ("war_crimes",),
    "RF14": ("war_crimes",),
}


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


# --- the packaged data -------------------------------------------------------------------


def test_exactly_fourteen_factors_in_order(framework: Framework) -> None:
    assert len(framework.factors) == 14
    assert [f.id for f in framework.factors] == [f"RF{n}" for n in range(1, 15)]
    assert [f.number for f in framework.factors] == list(range(1, 15))


def test_every_indicator_has_text(framework: Framework) -> None:
    for ind in framework.indicators:
        assert ind.text.strip(), ind.id


def test_indicator_ids_are_prefixed_and_contiguous(framework: Framework) -> None:
    for factor in framework.factors:
        expected = [f"{factor.number}.{k}" for k in range(1, len(factor.indicators) + 1)]
        assert [ind.id for ind in factor.indicators] == expected
        assert all(ind.factor_id == factor.id for ind in factor.indicators)


def test_verified_factor_counts_are_pinned(framework: Framework) -> None:
    verified = {f.id: len(f.indicators) for f in framework.factors if f.verified}
    assert verified == VERIFIED_COUNTS


def test_triggering_factors_have_twelve_indicators(framework: Framework) -> None:
    assert len(framework.factor("RF8").indicators) == 12
    assert framework.factor("RF8").indicators[-1].id == "8.12"


def test_intergroup_tensions_have_six_indicators(framework: Framework) -> None:
    assert len(framework.factor("RF9").indicators) == 6
    assert framework.factor("RF9").indicators[-1].id == "9.6"


def test_every_factor_records_its_source(framework: Framework) -> None:
    for factor in framework.factors:
        assert factor.source.strip(), factor.id
        assert factor.name.strip(), factor.id


def test_common_factors_apply_to_all_three_crimes(framework: Framework) -> None:
    common = [f for f in framework.factors if f.kind == "common"]
    assert [f.number for f in common] == list(range(1, 9))
    for factor in common:
        assert set(factor.crimes) == set(CRIMES), factor.id


@pytest.mark.parametrize(("factor_id", "crimes"), sorted(SPECIFIC_CRIMES.items()))
def test_specific_factor_crimes(framework: Framework, factor_id: str, crimes: tuple[str]) -> None:
    factor = framework.factor(factor_id)
    assert factor.kind == "specific"
    assert factor.crimes == crimes


def test_meta_describes_the_publication(framework: Framework) -> None:
    assert framework.meta.year == 2014
    assert "Atrocity Crimes" in framework.meta.title
    assert framework.meta.source_url.startswith("https://www.un.org/")


def test_explicit_path_loads_the_same_data(framework: Framework) -> None:
    packaged = resources.files("forewarn.framework") / "data" / "framework.toml"
    with resources.as_file(packaged) as path:
        assert load_framework(path) == framework


def test_records_are_immutable(framework: Framework) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        framework.factor("RF9").name = "changed"  # type: ignore[misc]


# --- lookups ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["RF9", "rf9", "Rf9", "9", " 9 ", 9])
def test_factor_lookup_spellings(framework: Framework, key: str | int) -> None:
    assert framework.factor(key).id == "RF9"


@pytest.mark.parametrize("key", ["RF15", "0", "nine", "RF", ""])
def test_unknown_factor_raises_key_error(framework: Framework, key: str) -> None:
    with pytest.raises(KeyError):
        framework.factor(key)


def test_indicator_lookup(framework: Framework) -> None:
    ind = framework.indicator("9.3")
    assert ind.id == "9.3"
    assert ind.factor_id == "RF9"
    assert ind in framework.factor("rf9").indicators


def test_unknown_indicator_raises_key_error(framework: Framework) -> None:
    with pytest.raises(KeyError):
        framework.indicator("9.7")


# --- malformed files ----------------------------------------------------------------------


def _factor(number: int) -> dict[str, Any]:
    specific = {9: "genocide", 11: "crimes_against_humanity", 13: "war_crimes"}
    crime = specific.get(number, specific.get(number - 1))
    return {
        "id": f"RF{number}",
        "number": number,
        "name": f"Factor {number}",
        "kind": "common" if number <= 8 else "specific",
        "crimes": list(CRIMES) if number <= 8 else [crime],
        "verified": True,
        "source": "test fixture",
        "indicator_count": 2,
        "indicator": [
            {"id": f"{number}.1", "text": "first"},
            {"id": f"{number}.2", "text": "second"},
        ],
    }


def _to_toml(factors: list[dict[str, Any]]) -> str:
    lines = [
        "[meta]",
        'title = "T"',
        'publisher = "P"',
        "year = 2014",
        'source_url = "https://example.org/"',
        'note = "N"',
    ]
    for factor in factors:
        lines.append("[[factor]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in factor.items() if k != "indicator"]
        for ind in factor.get("indicator", []):
            lines.append("[[factor.indicator]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in ind.items()]
    return "\n".join(lines) + "\n"


def _valid() -> list[dict[str, Any]]:
    return [_factor(n) for n in range(1, 15)]


def _write(tmp_path: Path, factors: list[dict[str, Any]]) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(_to_toml(factors), encoding="utf-8")
    return path


def test_minimal_fixture_is_valid(tmp_path: Path) -> None:
    loaded = load_framework(_write(tmp_path, _valid()))
    assert len(loaded.factors) == 14
    assert loaded.indicator("14.2").factor_id == "RF14"


def _drop_last_factor(f: list[dict[str, Any]]) -> None:
    f.pop()


def _wrong_prefix(f: list[dict[str, Any]]) -> None:
    f[8]["indicator"][1]["id"] = "8.2"


def _gap_in_numbering(f: list[dict[str, Any]]) -> None:
    f[8]["indicator"][1]["id"] = "9.3"


def _empty_text(f: list[dict[str, Any]]) -> None:
    f[8]["indicator"][0]["text"] = "   "


def _duplicate_factor(f: list[dict[str, Any]]) -> None:
    f[2] = _factor(2)


def _count_mismatch(f: list[dict[str, Any]]) -> None:
    f[8]["indicator_count"] = 3


def _unknown_crime(f: list[dict[str, Any]]) -> None:
    f[8]["crimes"] = ["ethnic_cleansing"]


def _common_missing_crime(f: list[dict[str, Any]]) -> None:
    f[0]["crimes"] = ["genocide"]


def _verified_without_indicators(f: list[dict[str, Any]]) -> None:
    f[8]["indicator"] = []
    f[8]["indicator_count"] = 0


def _bad_kind(f: list[dict[str, Any]]) -> None:
    f[8]["kind"] = "general"


MALFORMED: list[tuple[Callable[[list[dict[str, Any]]], None], str]] = [
    (_drop_last_factor, "found 13"),
    (_wrong_prefix, "indicator 9.2"),
    (_gap_in_numbering, "indicator 9.2"),
    (_empty_text, "indicator 9.1"),
    (_duplicate_factor, "factor RF2"),
    (_count_mismatch, "factor RF9"),
    (_unknown_crime, "factor RF9"),
    (_common_missing_crime, "factor RF1"),
    (_verified_without_indicators, "factor RF9"),
    (_bad_kind, "factor RF9"),
]


@pytest.mark.parametrize(("mutate", "names"), MALFORMED, ids=lambda v: getattr(v, "__name__", v))
def test_malformed_file_names_file_and_culprit(
    tmp_path: Path, mutate: Callable[[list[dict[str, Any]]], None], names: str
) -> None:
    factors = _valid()
    mutate(factors)
    path = _write(tmp_path, factors)
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    message = str(caught.value)
    assert str(path) in message
    assert names in message
    assert "\n" not in message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbled.toml"
    path.write_text("[meta\ntitle = \n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=re.escape(str(path))) as caught:
        load_framework(path)
    assert "\n" not in str(caught.value)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(FrameworkError, match=re.escape(str(path))):
        load_framework(path)


def test_framework_error_is_reported_in_one_line_with_exit_code_2() -> None:
    assert issubclass(FrameworkError, ForewarnError)
    assert FrameworkError.exit_code == 2
