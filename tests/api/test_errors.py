"""One JSON error shape for every error: unknown routes, wrong methods, validation, stages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import TokenMaker, assert_error, bearer


def test_unknown_route_is_404_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert_error(client.get("/nowhere/at/all"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(client: TestClient) -> None:
    response = client.delete("/api/alerts")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_validation_failures_are_422_in_the_error_shape(
    client: TestClient, make_user: TokenMaker
) -> None:
    headers = bearer(make_user("ana", "analyst"))
    error = assert_error(
        client.get("/api/alerts?limit=0", headers=headers), 422, "validation_error"
    )
    assert "limit" in error["message"]
    assert_error(client.get("/api/alerts/abc", headers=headers), 422, "validation_error")
    huge = client.post(f"/api/actions/{2**70}/ack", headers=headers)
    assert_error(huge, 422, "validation_error")
    broken = client.post(
        "/api/unsc/decide",
        headers={**headers, "content-type": "application/json"},
        content=b"{not json",
    )
    assert_error(broken, 422, "validation_error")


def test_stage_errors_keep_their_status(client: TestClient, make_user: TokenMaker) -> None:
    headers = bearer(make_user("vic", "viewer"))
    error = assert_error(client.get("/api/alerts/999", headers=headers), 404, "not_found")
    assert error["message"] == "no alert #999"
    assert_error(client.get("/api/alerts?country=Atlantis", headers=headers), 404, "not_found")
    assert_error(client.get("/api/framework/factors/RF99", headers=headers), 404, "not_found")
    unsc = client.get("/api/unsc/restraint?scenario=nobody", headers=headers)
    assert_error(unsc, 404, "not_found")


def test_auth_failures_are_in_the_error_shape(client: TestClient, make_user: TokenMaker) -> None:
    anonymous = client.get("/api/alerts")
    assert_error(anonymous, 401, "not_authenticated")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert_error(client.get("/api/alerts", headers=bearer("fwt_forged")), 401)
    viewer = bearer(make_user("vic", "viewer"))
    assert_error(client.post("/api/tick", headers=viewer), 403, "forbidden")


def test_openapi_schema_is_served_with_roles_and_the_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    tick = schema["paths"]["/api/tick"]["post"]
    assert tick["x-required-role"] == "decision"
    assert tick["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody"
    )
    assert "HTTPValidationError" not in str(schema["paths"])
