"""``/api/forecasts`` and ``/api/countries``: the forecasting stage's output as JSON."""

from __future__ import annotations

import math

import pytest

from forewarn.api.routes.forecasts import plain

from .conftest import Desk


def test_forecasts_are_ranked_with_missing_numbers_as_null(desk: Desk) -> None:
    body = desk.client.get("/api/forecasts", headers=desk.bearer("vic")).json()
    assert body["base_year"] == 2024 and body["model"] is None
    items = body["items"]
    assert body["total"] == len(items) == 168
    assert [i["rank"] for i in items] == sorted(i["rank"] for i in items)
    first = items[0]
    assert first["iso3"] == "MMR" and first["country"] == "Myanmar"
    assert set(first) == {"ccode", "iso3", "country", "risk_1y", "risk_2y", "rank", "change",
                          "low", "high"}  # fmt: skip
    assert first["low"] < first["risk_2y"] < first["high"]
    assert isinstance(first["ccode"], int) and isinstance(first["rank"], int)


def test_forecasts_with_details_carry_drivers_and_profile(desk: Desk) -> None:
    response = desk.client.get("/api/forecasts?details=true", headers=desk.bearer("vic"))
    first = response.json()["items"][0]
    assert {"feature", "label", "value"} <= set(first["drivers"][0])
    assert {"factor", "raising", "net"} <= set(first["profile"][0])


def test_countries_list_by_name(desk: Desk) -> None:
    items = desk.client.get("/api/countries", headers=desk.bearer("vic")).json()["items"]
    names = [i["country"] for i in items]
    assert names == sorted(names, key=str.lower)
    assert set(items[0]) == {"iso3", "ccode", "country", "rank", "risk_2y"}


@pytest.mark.parametrize("query", ["MMR", "mmr", "Myanmar", "Burma"])
def test_a_country_by_code_or_name_with_history(desk: Desk, query: str) -> None:
    body = desk.client.get(f"/api/countries/{query}", headers=desk.bearer("vic")).json()
    assert body["iso3"] == "MMR" and body["rank"] == 1
    assert body["drivers"] and body["profile"]
    years = [h["year"] for h in body["history"]]
    assert years == sorted(years) and years[-1] == 2024
    assert [h["year"] for h in body["history"] if h["onset"]] == [2016, 2021]
    assert set(body["history"][0]) == {"year", "risk_2y", "low", "high", "onset"}


def test_an_unknown_country_is_a_404_in_the_error_shape(desk: Desk) -> None:
    response = desk.client.get("/api/countries/XYZ", headers=desk.bearer("vic"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_requests_are_refused(desk: Desk) -> None:
    for path in ("/api/forecasts", "/api/countries", "/api/countries/MMR"):
        assert desk.client.get(path).status_code == 401


def test_a_base_year_the_stage_does_not_have_is_a_404(desk: Desk) -> None:
    response = desk.client.get("/api/forecasts?base_year=2030", headers=desk.bearer("vic"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    early = desk.client.get("/api/forecasts?base_year=1900", headers=desk.bearer("vic"))
    assert early.status_code == 422


def test_plain_turns_numpy_and_nan_into_json_values() -> None:
    import numpy as np

    value = {"a": np.int64(3), "b": np.float64("nan"), "c": [np.bool_(True), None], "d": "x"}
    assert plain(value) == {"a": 3, "b": None, "c": [True, None], "d": "x"}
    assert plain(np.array([1.5, math.nan])) == [1.5, None]
