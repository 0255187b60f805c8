"""Assessments through the API: create, import all-or-nothing, confidential evidence shown
only with clearance, and each write in the ledger under the authenticated user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from .conftest import TokenMaker, assert_error, bearer, ledger_kinds

SECRET_TEXT = "informant says the militia lists were drawn up in March"


def _assessment(**extra: Any) -> dict[str, Any]:
    return {
        "country": "Myanmar",
        "date": "2024-05-01",
        "judgements": [
            {
                "indicator": "7.1",
                "judgement": "present-strong",
                "evidence": [
                    {
                        "text": "public statements dehumanising the group",
                        "source": "UN fact-finding mission",
                        "date": "2024-04-02",
                        "reliability": "A",
                        "credibility": 2,
                        "confidential": False,
                    },
                    {
                        "text": SECRET_TEXT,
                        "source": "field interview",
                        "date": "2024-04-20",
                        "reliability": "C",
                        "credibility": 3,
                        "confidential": True,
                    },
                ],
            },
            {"indicator": "7.2", "judgement": "unknown"},
        ],
        **extra,
    }


CSV = (
    "country,date,analyst,indicator,judgement,evidence_text,evidence_source,evidence_date,"
    "reliability,credibility,confidential\n"
    "SYR,2024-02-01,amara,7.1,present-weak,report,OHCHR,2024-01-10,B,2,false\n"
    "SYR,2024-02-01,amara,7.2,absent,,,,,,\n"
    "SDN,2024-02-03,bao,7.3,present-strong,secret note,contact,2024-01-30,C,3,true\n"
)


def test_analyst_creates_an_assessment_in_their_own_name(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    token = make_user("amara", "analyst", clearance=True)
    response = client.post("/api/assessments", headers=bearer(token), json=_assessment())
    assert response.status_code == 201, response.text
    (stored,) = response.json()["items"]
    assert (stored["country"], stored["analyst"]) == ("MMR", "amara")
    assert len(stored["judgements"][0]["evidence"]) == 2
    assert ("assessment.recorded", "amara") in ledger_kinds(engine)


def test_confidential_evidence_needs_clearance(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    cleared = make_user("amara", "analyst", clearance=True)
    client.post("/api/assessments", headers=bearer(cleared), json=_assessment())
    viewer = make_user("vic", "viewer")
    hidden = client.get("/api/assessments?country=MMR", headers=bearer(viewer))
    assert hidden.json()["confidential_shown"] is False
    assert SECRET_TEXT not in hidden.text
    assert len(hidden.json()["items"][0]["judgements"][0]["evidence"]) == 1
    shown = client.get("/api/assessments?country=MMR", headers=bearer(cleared))
    assert SECRET_TEXT in shown.text
    uncleared_author = make_user("bao", "analyst")
    created = client.post(
        "/api/assessments", headers=bearer(uncleared_author), json=_assessment(date="2024-06-01")
    )
    assert SECRET_TEXT not in created.text
    export = client.get("/api/ledger/export", headers=bearer(viewer))
    assert SECRET_TEXT not in export.text


def test_the_body_cannot_name_another_analyst_or_unknown_fields(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    token = make_user("amara", "analyst")
    other = client.post("/api/assessments", headers=bearer(token), json=_assessment(analyst="bao"))
    assert "amara" in assert_error(other, 422, "schema_error")["message"]
    extra = client.post("/api/assessments", headers=bearer(token), json=_assessment(by="bao"))
    assert_error(extra, 422, "validation_error")
    mine = client.post("/api/assessments", headers=bearer(token), json=_assessment(analyst="amara"))
    assert mine.status_code == 201
    again = client.post("/api/assessments", headers=bearer(token), json=_assessment())
    assert_error(again, 409, "conflict")


def test_bad_judgements_are_refused_with_the_field_named(
    client: TestClient, make_user: TokenMaker
) -> None:
    token = make_user("amara", "analyst")
    body = _assessment()
    body["judgements"][1]["indicator"] = "99.9"
    error = assert_error(client.post("/api/assessments", headers=bearer(token), json=body), 422)
    assert "the request body" in error["message"] and "99.9" in error["message"]
    assert "/tmp" not in error["message"]


def test_csv_import_is_all_or_nothing(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    token = make_user("amara", "analyst", clearance=True)
    bad = CSV + "SYR,2024-02-09,amara,7.1,maybe,,,,,,\n"
    files = {"file": ("desk.csv", bad.encode(), "text/csv")}
    refused = client.post("/api/assessments/import", headers=bearer(token), files=files)
    error = assert_error(refused, 422, "schema_error")
    assert error["message"].startswith("desk.csv, row 5")
    assert client.get("/api/assessments", headers=bearer(token)).json()["total"] == 0
    files = {"file": ("desk.csv", CSV.encode(), "text/csv")}
    imported = client.post("/api/assessments/import", headers=bearer(token), files=files)
    assert imported.status_code == 201, imported.text
    assert len(imported.json()["ids"]) == 2
    kinds = ledger_kinds(engine)
    assert kinds.count(("assessment.recorded", "amara")) == 2
    again = client.post("/api/assessments/import", headers=bearer(token), files=files)
    assert_error(again, 409, "conflict")
    assert client.get("/api/assessments", headers=bearer(token)).json()["total"] == 2


def test_json_import_and_wrong_file_types(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("amara", "analyst")
    document = json.dumps([_assessment(analyst="someone else")]).encode()
    files = {"file": ("batch.json", document, "application/json")}
    imported = client.post("/api/assessments/import", headers=bearer(token), files=files)
    assert imported.status_code == 201, imported.text
    assert imported.json()["items"][0]["analyst"] == "someone else"
    files = {"file": ("notes.txt", b"hello", "text/plain")}
    wrong = client.post("/api/assessments/import", headers=bearer(token), files=files)
    assert_error(wrong, 422, "schema_error")


def test_viewers_cannot_write_assessments(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("vic", "viewer")
    assert_error(client.post("/api/assessments", headers=bearer(token), json=_assessment()), 403)


def _informant_csv(header: str, cell: str | None) -> bytes:
    row = f"MMR,2024-06-01,amara,9.1,present-strong,{SECRET_TEXT},interview,2024-05-20,C,3"
    return (header + "\n" + row + ("" if cell is None else f",{cell}") + "\n").encode()


COLUMNS = CSV.splitlines()[0]


def _json_with(stated: str) -> bytes:
    """The JSON import of :func:`_assessment` with its ``"confidential": true`` replaced."""
    return json.dumps([_assessment()]).replace('"confidential": true', stated).encode()


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("a.csv", _informant_csv(COLUMNS.removesuffix(",confidential"), None), "confidential"),
        ("a.csv", _informant_csv(COLUMNS.replace("confidential", "confidental"), "true"),
         "confidental"),
        ("a.csv", _informant_csv(COLUMNS, ""), "confidential"),
        ("a.json", _json_with('"confidental": true'), "confidental"),
        ("a.json", _json_with('"confidential": null'), "confidential"),
    ],
)  # fmt: skip
def test_import_refuses_unstated_confidentiality(
    client: TestClient, make_user: TokenMaker, name: str, data: bytes, field: str
) -> None:
    token = make_user("amara", "analyst", clearance=True)
    files = {"file": (name, data, "text/csv")}
    refused = client.post("/api/assessments/import", headers=bearer(token), files=files)
    error = assert_error(refused, 422, "schema_error")
    assert error["message"].startswith(f"{name}, ") and f"field '{field}'" in error["message"]
    assert client.get("/api/assessments", headers=bearer(token)).json()["total"] == 0


def test_create_and_import_agree_on_unstated_confidentiality(
    client: TestClient, make_user: TokenMaker
) -> None:
    token = make_user("amara", "analyst")
    for evidence in ({"confidental": True}, {}, {"confidential": None}, {"confidential": "yes"}):
        body = _assessment()
        del body["judgements"][0]["evidence"][1]["confidential"]
        body["judgements"][0]["evidence"][1].update(evidence)
        created = client.post("/api/assessments", headers=bearer(token), json=body)
        assert_error(created, 422)
        files = {"file": ("b.json", json.dumps([body]).encode(), "application/json")}
        imported = client.post("/api/assessments/import", headers=bearer(token), files=files)
        assert_error(imported, 422, "schema_error")
    assert client.get("/api/assessments", headers=bearer(token)).json()["total"] == 0
