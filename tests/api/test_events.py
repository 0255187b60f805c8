"""``GET /api/events/{country}/monthly`` on the real CAF events (UCDP GED 23.1): the
figures against a count made here from the raw file, the admin-1 series against the
country's, zero series, and every refusal in the one error shape."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.events.storage import events_root, import_events

from .conftest import TokenMaker, assert_error, bearer


@pytest.fixture
def viewer(
    api_settings: Settings, client: TestClient, make_user: TokenMaker, mirror: Path
) -> dict[str, str]:
    """A viewer's headers, on a data folder holding the CAF events."""
    path = mirror / registry.dataset("ucdp-ged-caf").relpath
    import_events(
        events_root(api_settings.data_dir), path, sha256=registry.sha256_of(path), repair=True
    )
    return bearer(make_user("vera", "viewer"))


def _raw(mirror: Path) -> list[dict[str, Any]]:
    path = mirror / registry.dataset("ucdp-ged-caf").relpath
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def test_the_country_series_counts_what_the_raw_file_holds(
    client: TestClient, viewer: dict[str, str], mirror: Path
) -> None:
    answer = client.get("/api/events/CAF/monthly?from=2013-01&to=2013-12", headers=viewer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["iso3"], body["source"], body["from"], body["to"]) == (
        "CAF", "ged", "2013-01", "2013-12",
    )  # fmt: skip
    totals = [r for r in body["series"] if r["type_of_violence"] is None]
    assert [r["month"] for r in totals] == [f"2013-{m:02d}" for m in range(1, 13)]
    assert all(r["admin1"] is None and r["iso3"] == "CAF" for r in body["series"])
    events, deaths, civilians = Counter[str](), Counter[str](), Counter[str]()
    for e in _raw(mirror):
        month = e["date_start"][:7]  # an event counts in the month it started
        events[month] += 1
        deaths[month] += int(e["best"])
        civilians[month] += int(e["deaths_civilians"])
    for row in totals:
        month = row["month"]
        assert (row["events"], row["deaths_best"], row["deaths_civilians"]) == (
            events[month], deaths[month], civilians[month],
        ), month  # fmt: skip
    assert sum(r["deaths_civilians"] for r in totals) > 0  # 2013 was not quiet
    by_type = [r for r in body["series"] if r["type_of_violence"] is not None]
    assert {r["type_of_violence"] for r in by_type} == {1, 2, 3}
    for row in totals:
        parts = [r for r in by_type if r["month"] == row["month"]]
        assert sum(r["deaths_best"] for r in parts) == row["deaths_best"]


def test_the_admin1_series_adds_up_to_the_country_where_events_have_an_area(
    client: TestClient, viewer: dict[str, str], mirror: Path
) -> None:
    answer = client.get(
        "/api/events/Central African Republic/monthly?admin1=true&from=2013-07&to=2013-07",
        headers=viewer,
    )
    assert answer.status_code == 200, answer.text
    rows = [r for r in answer.json()["series"] if r["type_of_violence"] is None]
    assert rows and all(r["admin1"] for r in rows)
    located = Counter[str]()
    for e in _raw(mirror):
        if e["date_start"].startswith("2013-07") and e["adm_1"]:
            located[e["adm_1"].removesuffix(" prefecture")] += int(e["best"])
    assert sum(r["deaths_best"] for r in rows) == sum(located.values())


def test_a_country_without_events_has_a_zero_series_only_when_the_months_are_given(
    client: TestClient, viewer: dict[str, str]
) -> None:
    answer = client.get("/api/events/NGA/monthly?from=2020-01&to=2020-03", headers=viewer)
    assert answer.status_code == 200, answer.text
    series = answer.json()["series"]
    assert {r["month"] for r in series} == {"2020-01", "2020-02", "2020-03"}
    assert all(r["events"] == 0 and r["deaths_best"] == 0 for r in series)
    error = assert_error(client.get("/api/events/NGA/monthly", headers=viewer), 404)
    assert "no ged events stored for NGA" in error["message"]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("/api/events/Narnia/monthly", 404, "Narnia"),
        ("/api/events/CAF/monthly?from=2013-13", 422, "from"),
        ("/api/events/CAF/monthly?from=2013-1", 422, "from"),
        ("/api/events/CAF/monthly?from=2014-01&to=2013-12", 422, "before"),
        ("/api/events/CAF/monthly?from=1000-01&to=9999-12", 422, "at most 1200 months"),
        ("/api/events/CAF/monthly?source=acled", 404, "acled"),
        ("/api/events/CAF/monthly?source=cnn", 422, "source"),
    ],
)
def test_refusals(
    client: TestClient, viewer: dict[str, str], query: str, status: int, words: str
) -> None:
    error = assert_error(client.get(query, headers=viewer), status)
    assert words in error["message"]
    assert "--" not in error["message"]  # the API's words, not the command line's


def test_only_signed_in_users_read_it(client: TestClient, viewer: dict[str, str]) -> None:
    assert_error(client.get("/api/events/CAF/monthly"), 401)
