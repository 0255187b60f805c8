"""What the API refuses before any route runs, and what it says about itself in headers.

Bodies over the configured cap are 413 before they are parsed; JSON bodies are read as
strictly as files (duplicate keys, NaN, nesting, NUL characters); unknown values of
enumerated filters are 422, never an empty list; errors speak of fields, not command-line
options; every response carries the security headers, and the interactive docs load their
scripts from this server only.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from forewarn.api import create_app
from forewarn.config import Settings

from .conftest import TokenMaker, assert_error, bearer, context_of, insert_alert


@pytest.fixture
def analyst(make_user: TokenMaker) -> dict[str, str]:
    return bearer(make_user("ana", "analyst", "analyst", "secretary_general"))


def _post_json(client: TestClient, path: str, text: str, headers: dict[str, str]) -> object:
    return client.post(path, content=text.encode("utf-8"),
                       headers={**headers, "Content-Type": "application/json"})  # fmt: skip


def test_a_json_body_over_the_cap_is_413_before_it_is_read(
    api_settings: Settings, analyst: dict[str, str], client: TestClient
) -> None:
    small = api_settings.model_copy(update={"api_max_json_bytes": 4096})
    with TestClient(create_app(small)) as capped:
        big = json.dumps({"country": "SYR", "date": "2024-01-01", "judgements": [],
                          "padding": "x" * 5000})  # fmt: skip
        response = _post_json(capped, "/api/assessments", big, analyst)
        assert_error(response, 413, "payload_too_large")
        assert "4 KiB" in response.json()["error"]["message"]

        def chunks():  # no Content-Length: counted as it arrives
            yield b'{"country": "SYR", "padding": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = capped.post("/api/assessments", content=chunks(),
                               headers={**analyst, "Content-Type": "application/json"})  # fmt: skip
        assert_error(streamed, 413)


def test_an_upload_over_the_cap_is_413(api_settings: Settings, analyst: dict[str, str],
                                        client: TestClient) -> None:  # fmt: skip
    small = api_settings.model_copy(update={"api_max_upload_bytes": 2048})
    with TestClient(create_app(small)) as capped:
        files = {"file": ("a.csv", b"x" * 10_000, "text/csv")}
        assert_error(capped.post("/api/assessments/import", files=files, headers=analyst), 413)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"country": "SYR", "country": "MMR", "date": "2024-01-01", "judgements": []}',
            "key 'country' appears twice",
        ),
        ('{"country": "SYR", "date": "2024-01-01", "judgements": [], "x": NaN}', "NaN"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 64 levels"),
        ('{"country": "SY\\u0000R", "date": "2024-01-01", "judgements": []}', "NUL"),
    ],
    ids=["duplicate key", "NaN", "deep", "NUL"],
)
def test_json_bodies_are_read_strictly(
    client: TestClient, analyst: dict[str, str], body: str, message: str
) -> None:
    for path in ("/api/assessments", "/api/unsc/decide", "/api/actions/1/refuse"):
        response = _post_json(client, path, body, analyst)
        error = assert_error(response, 422, "validation_error")
        assert message in error["message"], path


def test_a_nul_in_the_url_is_422(client: TestClient, analyst: dict[str, str]) -> None:
    for path in ("/api/alerts?country=SY%00R", "/api/actions?owner=a%00b", "/api/gap?country=%00"):
        assert_error(client.get(path, headers=analyst), 422, "validation_error")


def test_unknown_filter_values_are_422_not_an_empty_list(
    client: TestClient, analyst: dict[str, str], app: FastAPI
) -> None:
    insert_alert(context_of(app).engine, level="warning")
    assert client.get("/api/alerts?level=warning", headers=analyst).json()["total"] == 1
    for path, field in [
        ("/api/alerts?level=warnings", "unknown level 'warnings'"),
        ("/api/alerts?level=", "unknown level ''"),
        ("/api/actions?owner=secretary-general", "unknown owner role 'secretary-general'"),
    ]:
        error = assert_error(client.get(path, headers=analyst), 422)
        assert field in error["message"], path
    assert_error(client.get("/api/gap?country=Narnia", headers=analyst), 404)
    assert_error(client.get("/api/unsc/vetoes?member=Narnia", headers=analyst), 422)


def test_errors_speak_of_fields_not_command_line_options(
    client: TestClient, analyst: dict[str, str], app: FastAPI
) -> None:
    engine = context_of(app).engine
    insert_alert(engine, level="emergency")
    client.post("/api/tick", headers=bearer_of_decider(app))
    items = client.get("/api/actions?owner=secretary_general", headers=analyst).json()["items"]
    letter = items[0]["id"]
    for verb, body in [("refuse", {}), ("block", {}), ("done", {}), ("ack", {"veto": True})]:
        response = client.post(f"/api/actions/{letter}/{verb}", json=body, headers=analyst)
        message = assert_error(response, 422)["message"]
        assert not re.search(r"--[a-z]", message), message


def bearer_of_decider(app: FastAPI) -> dict[str, str]:
    from .conftest import add_token, add_user

    engine = context_of(app).engine
    add_user(engine, "dee", "decision")
    return bearer(add_token(engine, "dee"))


def test_every_response_carries_the_security_headers(
    client: TestClient, analyst: dict[str, str]
) -> None:
    for path, headers in [("/api/alerts", analyst), ("/api/alerts", {}), ("/openapi.json", {}),
                          ("/nowhere", {}), ("/static/css/forewarn.css", {})]:  # fmt: skip
        response = client.get(path, headers=headers)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path


def test_the_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    for path, script in [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]:
        response = client.get(path)
        assert response.status_code == 200
        html = response.text
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html), path
        assert f'src="/static/vendor/{script}"' in html
        assert "<script>" not in html  # no inline script: the CSP allows only files
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "cdn" not in policy
