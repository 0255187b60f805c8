"""docs/api.md lists every operation of the OpenAPI schema with the role it needs."""

from __future__ import annotations

import re
from pathlib import Path

from .test_permissions import OPERATIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<op>[A-Z]+ [^`]+)` \| (?P<role>[a-z]+)", re.MULTILINE)


def test_every_operation_is_documented_with_its_role() -> None:
    documented = {m["op"]: m["role"] for m in ROW.finditer(DOC.read_text(encoding="utf-8"))}
    expected = {f"{m.upper()} {path}": role or "anyone" for m, path, role in OPERATIONS}
    missing = sorted(set(expected) - set(documented))
    assert missing == [], f"document these operations in docs/api.md: {missing}"
    wrong = {op: (documented[op], role) for op, role in expected.items() if documented[op] != role}
    assert wrong == {}, "docs/api.md gives these operations the wrong role (doc, code)"
