"""Every operation that changes state refuses anonymous users (401) and lower roles (403).

The operations are read from the OpenAPI schema, so a route added later is checked too: it
must declare a role (``x-required-role``, written from its role dependency) or be one of the
few public ones listed here on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from forewarn.api import create_app
from forewarn.api.security import Role
from forewarn.config import Settings

from .conftest import SECRET, TokenMaker, assert_error, bearer

PUBLIC = {("post", "/auth/login")}
"""Operations anyone may call: logging in."""
ADMIN_READS = {"/api/webhooks", "/api/notifications", "/api/worker/status"}
"""Reads for operators only: subscriptions, who was sent what, the worker's backlog."""


def _schema() -> dict[str, Any]:
    unused = Path("/nonexistent/forewarn-schema-only.db")
    app = create_app(Settings(secret_key=SECRET, database_url=f"sqlite:///{unused}"))
    return app.openapi()


SCHEMA = _schema()
OPERATIONS = [
    (method, path, op.get("x-required-role"))
    for path, ops in SCHEMA["paths"].items()
    for method, op in ops.items()
]
WRITES = [op for op in OPERATIONS if op[0] != "get" and (op[0], op[1]) not in PUBLIC]
READS = [op for op in OPERATIONS if op[0] == "get"]


def _ids(ops: list[tuple[str, str, str | None]]) -> list[str]:
    return [f"{method.upper()} {path}" for method, path, _ in ops]


def _url(path: str) -> str:
    """The path with every parameter filled (the guards run before the parameters matter)."""
    return re.sub(r"\{[^}]+\}", lambda m: "ack" if m.group(0) == "{verb}" else "1", path)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    return client.request(method, _url(path), headers=headers, json={})


def test_the_schema_lists_the_writes() -> None:
    assert {"POST /api/tick", "POST /api/actions/{action_id}/{verb}"} <= set(_ids(WRITES))
    assert len(WRITES) >= 7


def test_guarded_operations_name_the_documented_security_schemes() -> None:
    schemes = SCHEMA["components"]["securitySchemes"]
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "forewarn_session")
    for method, path, role in OPERATIONS:
        security = SCHEMA["paths"][path][method].get("security")
        if role is None:
            assert security is None, f"{method.upper()} {path} is public"
        else:
            assert security == [{"bearer": []}, {"session": []}], f"{method.upper()} {path}"


@pytest.mark.parametrize(("method", "path", "role"), WRITES, ids=_ids(WRITES))
def test_write_requires_its_role(
    client: TestClient, make_user: TokenMaker, method: str, path: str, role: str | None
) -> None:
    assert role is not None, f"{method.upper()} {path} declares no role: guard it"
    assert_error(_call(client, method, path, {}), 401, "not_authenticated")
    required = Role(role)
    for lower in Role:
        token = make_user(f"user-{lower.value}", lower.value)
        response = _call(client, method, path, bearer(token))
        if lower.includes(required):
            assert response.status_code not in (401, 403), (lower, response.text)
        else:
            assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(("method", "path", "role"), READS, ids=_ids(READS))
def test_read_requires_authentication(
    client: TestClient, make_user: TokenMaker, method: str, path: str, role: str | None
) -> None:
    assert_error(client.get(_url(path)), 401, "not_authenticated")
    viewer = client.get(_url(path), headers=bearer(make_user("vic", "viewer")))
    if path in ADMIN_READS:
        assert role == "admin", f"GET {path} is for admins"
        assert_error(viewer, 403, "forbidden")
        response = client.get(_url(path), headers=bearer(make_user("ada", "admin")))
        assert response.status_code not in (401, 403), response.text
        return
    assert role == "viewer", f"GET {path} should be open to every signed-in user"
    assert viewer.status_code not in (401, 403), viewer.text
