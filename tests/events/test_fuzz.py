"""Fuzzing each event reader: whatever the file holds, an import ends in success or in a
one-line ForewarnError, never another exception, and a failed import writes nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.errors import ForewarnError
from forewarn.events.storage import import_events

BUDGET = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ACLED = (
    "event_id_cnty,event_date,event_type,inter1,inter2,fatalities,latitude,longitude,country,"
    "iso,admin1,admin2,actor1,actor2\n"
    "CAF1,2023-01-05,Battles,1,2,4,4.36,18.55,Central African Republic,140,Bangui,,Army,FPRC\n"
    "CAF2,12 January 2023,Violence against civilians,2,7,9,6.0,20.6,Central African Republic,"
    "140,Ouaka,,UPC,Civilians\n"
)


@pytest.fixture(scope="module")
def ged_text(caf_rows: pd.DataFrame) -> str:
    return caf_rows.head(6).to_csv(index=False)


@pytest.fixture(scope="module")
def geojson_text(caf_geojson: Path) -> str:
    doc = json.loads(caf_geojson.read_text(encoding="utf-8"))
    return json.dumps({**doc, "features": doc["features"][:5]})


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with a few random edits (cut, replace, insert, delete), or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=600))
    data = text
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["cut", "replace", "insert", "delete"]))
        piece = draw(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
            | st.sampled_from(
                ["-1", "", ",", "\n", '"', "99999", "1e9", "NaN", "2013-02-30", "{", "]", "null"]
            )
        )
        if edit == "cut":
            data = data[:at]
        elif edit == "replace":
            data = data[:at] + piece + data[at + len(piece) :]
        elif edit == "insert":
            data = data[:at] + piece + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
    return data.encode("utf-8", errors="surrogatepass")


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != ".lock")


def _check(content: bytes, name: str, fmt: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, root = Path(folder) / name, Path(folder) / "events"
        path.write_bytes(content)
        try:
            import_events(root, path, fmt, sha256="0" * 64, version="1.0", repair=True)
        except ForewarnError as exc:
            message = str(exc)
            assert message and "\n" not in message, message
            assert _files(root) == [] if root.exists() else True, _files(root)
            assert not any(root.glob(".staging-*")) if root.exists() else True


@pytest.mark.parametrize("fmt", ["ged-csv", None])
def test_ged_csv_reader(ged_text: str, fmt: str | None) -> None:
    @BUDGET
    @given(mutated(ged_text))
    def run(content: bytes) -> None:
        _check(content, "events.csv", fmt)  # None: the format is guessed

    run()


def test_ged_geojson_reader(geojson_text: str) -> None:
    @BUDGET
    @given(mutated(geojson_text))
    def run(content: bytes) -> None:
        _check(content, "events.geojson", "ged-geojson")

    run()


def test_acled_csv_reader() -> None:
    @BUDGET
    @given(mutated(ACLED))
    def run(content: bytes) -> None:
        _check(content, "acled.csv", "acled-csv")

    run()
