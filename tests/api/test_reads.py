"""The read side: alerts, the framework, the ledger, the gap, the Council and mandates."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from forewarn import ledger

from .conftest import TokenMaker, assert_error, bearer, insert_alert


def test_alerts_are_listed_newest_first_with_filters_and_pages(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    ids = [
        insert_alert(engine, iso3="SYR", level="watch"),
        insert_alert(engine, iso3="SYR", level="warning"),
        insert_alert(engine, iso3="MMR", country="Myanmar", level="warning"),
    ]
    headers = bearer(make_user("vic", "viewer"))
    listed = client.get("/api/alerts", headers=headers).json()
    assert listed["total"] == 3
    assert [a["id"] for a in listed["items"]] == sorted(ids, reverse=True)
    warnings = client.get("/api/alerts?level=warning", headers=headers).json()
    assert {a["iso3"] for a in warnings["items"]} == {"SYR", "MMR"}
    by_name = client.get("/api/alerts?country=Myanmar", headers=headers).json()
    assert [a["id"] for a in by_name["items"]] == [ids[2]]
    paged = client.get("/api/alerts?limit=1&offset=1", headers=headers).json()
    assert (paged["total"], [a["id"] for a in paged["items"]]) == (3, [ids[1]])
    one = client.get(f"/api/alerts/{ids[1]}", headers=headers).json()
    assert (one["level"], one["previous_id"]) == ("warning", None)


def test_framework_factors(client: TestClient, make_user: TokenMaker) -> None:
    headers = bearer(make_user("vic", "viewer"))
    factors = client.get("/api/framework/factors", headers=headers).json()
    assert [f["id"] for f in factors] == [f"RF{n}" for n in range(1, 15)]
    assert client.get("/api/framework/factors/7", headers=headers).json()["id"] == "RF7"


def test_ledger_verify_export_and_head_agree(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    insert_alert(engine)
    headers = bearer(make_user("dana", "decision"))
    client.post("/api/tick", headers=headers)
    verified = client.get("/api/ledger/verify", headers=headers).json()
    assert verified["ok"] is True and verified["receipts"] >= 1
    export = client.get("/api/ledger/export", headers=headers)
    assert export.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert len(lines) == verified["checked"] == int(export.headers["x-ledger-count"])
    prev = ledger.GENESIS
    for entry in lines:
        document = {k: v for k, v in entry.items() if k not in ("hash", "sig")}
        assert entry["prev"] == prev and ledger.entry_hash(document) == entry["hash"]
        prev = entry["hash"]
    head = client.get("/api/ledger/head", headers=headers).json()
    assert head["hash"] == prev == verified["head_hash"]


def test_gap_report(client: TestClient, engine: Engine, make_user: TokenMaker) -> None:
    insert_alert(engine, iso3="SYR")
    insert_alert(engine, iso3="MMR", country="Myanmar")
    headers = bearer(make_user("vic", "viewer"))
    totals = client.get("/api/gap", headers=headers).json()["totals"]
    assert totals["alerts"] == 2
    # nobody answered either alert, raised long ago: counted, not left out of the figures
    windows = [(w["working_days"], w["judged"], w["answered"]) for w in totals["answered_within"]]
    assert windows == [(1, 2, 0), (5, 2, 0), (10, 2, 0)]
    assert [w["share"] for w in totals["answered_within"]] == [0.0, 0.0, 0.0]
    first = totals["first_response"]
    assert (first["cases"], first["answered"], first["waiting"]) == (2, 0, 2)
    assert first["answered_only"] is None and first["all_cases"] is None
    assert first["longest_wait"] > 600 and totals["median_days_to_ack"] is None
    one = client.get("/api/gap?country=myanmar", headers=headers).json()
    assert [a["iso3"] for a in one["alerts"]] == ["MMR"]


def test_unsc_decide_applies_article_27(client: TestClient, make_user: TokenMaker) -> None:
    headers = bearer(make_user("amara", "analyst"))
    votes = {name: "Y" for name in ("UK", "USA", "France", "Egypt", "Ethiopia", "Italy")}
    votes |= {"Japan": "Y", "Senegal": "Y", "Sweden": "Y", "Ukraine": "Y", "Uruguay": "Y"}
    votes |= {"Russia": "N", "China": "N", "Bolivia": "N", "Kazakhstan": "A"}
    body = {"date": "2017-02-28", "matter": "substantive", "votes": votes}
    decided = client.post("/api/unsc/decide", headers=headers, json=body).json()
    assert decided["adopted"] is False
    assert sorted(decided["vetoed_by"]) == ["CHN", "RUS"]
    unknown = client.post(
        "/api/unsc/decide", headers=headers, json={**body, "votes": {"Atlantis": "Y"}}
    )
    assert_error(unknown, 422, "unsc_error")
    bad_vote = client.post("/api/unsc/decide", headers=headers, json={**body, "votes": {"UK": "X"}})
    assert_error(bad_vote, 422, "validation_error")


def test_vetoes_and_restraint(client: TestClient, make_user: TokenMaker) -> None:
    headers = bearer(make_user("vic", "viewer"))
    syria = client.get(
        "/api/unsc/vetoes?topic=syria&since=2011-01-01&limit=5", headers=headers
    ).json()
    assert syria["total"] >= 16 and len(syria["items"]) == 5
    assert set(syria["counts"]["by_member"]) >= {"RUS", "CHN"}
    assert syria["defects"]
    china = client.get("/api/unsc/vetoes?member=China&topic=syria", headers=headers).json()
    assert all("CHN" in v["vetoed_by"] for v in china["items"])
    full = client.get("/api/unsc/restraint?scenario=full", headers=headers).json()
    assert [s["id"] for s in full["scenarios"]] == ["full"]
    assert full["treatment"]


def test_mandates_list_and_check(client: TestClient, make_user: TokenMaker) -> None:
    headers = bearer(make_user("amara", "analyst"))
    listed = client.get("/api/mandates", headers=headers).json()
    assert any(m["mission"] == "unamir" for m in listed)
    unamir = client.get("/api/mandates/check?mission=unamir", headers=headers).json()
    assert {m["mission"] for m in unamir} == {"unamir"}
    assert_error(client.get("/api/mandates/check?mission=nowhere", headers=headers), 404)
    record = {
        "id": "test-1",
        "date": "2024-01-01",
        "troops_requested": 10000,
        "troops_authorised": 2000,
        "chapter_vii": False,
        "poc_authority": True,
    }
    (checked,) = client.post("/api/mandates/check", headers=headers, json=record).json()
    assert checked["resourcing_ratio"] == 0.2
    codes = {f["code"] for f in checked["flags"]}
    assert {"severe-under-resourcing", "no-chapter-vii-with-protection-task"} <= codes
    extra = client.post("/api/mandates/check", headers=headers, json={**record, "by": "x"})
    assert_error(extra, 422, "validation_error")


def computed(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    """The answer to ``path`` once it is no longer 202 (being computed), asking again after
    the ``Retry-After`` it gives."""
    answer = client.get(path, headers=headers)
    deadline = time.monotonic() + 900
    while answer.status_code == 202 and time.monotonic() < deadline:
        time.sleep(min(float(answer.headers["retry-after"]), 2.0))
        answer = client.get(path, headers=headers)
    return answer


@pytest.mark.slow
def test_early_base_years_forecast_or_refuse_cleanly(
    client: TestClient, make_user: TokenMaker
) -> None:
    """1960-1972 used to answer 500 (KeyError 'year'); now a forecast, or 404 with a reason."""
    headers = bearer(make_user("vic", "viewer"))
    early = computed(client, "/api/forecasts?base_year=1965&limit=3", headers)
    assert early.status_code == 200, early.text
    assert early.json()["base_year"] == 1965
    country = computed(client, "/api/countries/IDN?base_year=1971", headers)
    assert country.status_code == 200, country.text
    refused = assert_error(computed(client, "/api/forecasts?base_year=1960", headers), 404)
    assert "base years 1965-" in refused["message"]
