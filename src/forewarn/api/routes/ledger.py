"""``/api/ledger``: verify the hash chain, export it as JSON Lines, read its head."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from forewarn import ledger
from forewarn.api.deps import ContextDep, SessionDep, Viewer
from forewarn.errors import DataError

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


@router.get("/verify")
def verify(user: Viewer, context: ContextDep) -> dict[str, Any]:
    """Walk the chain and check it against the head and the receipts (``ok`` false if not)."""
    result = ledger.verify(context.engine, ledger.read_receipts(context.receipts))
    return {
        "ok": result.ok,
        "checked": result.checked,
        "head_hash": result.head_hash,
        "receipts": result.receipts,
        "problem": result.problem,
        "bad_seq": result.bad_seq,
    }


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"}},
)
def export(user: Viewer, context: ContextDep) -> Response:
    """Every entry as one canonical JSON line, oldest first (docs/ledger.md verifies it)."""
    out = io.StringIO()
    head = ledger.export(context.engine, out)
    headers = {"X-Ledger-Id": head.ledger_id, "X-Ledger-Count": str(head.count)}
    return Response(out.getvalue(), media_type="application/x-ndjson", headers=headers)


@router.get("/head")
def head(user: Viewer, session: SessionDep) -> dict[str, Any]:
    """The ledger's id, entry count and newest hash."""
    current = ledger.read_head(session)
    if current is None:
        raise DataError("the ledger head row is missing")
    return current.as_dict()
