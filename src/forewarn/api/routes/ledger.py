"""``/api/ledger``: verify the chain, export it as JSON Lines, read its head and keys.

Verification is incremental (only what was appended since the last check; a full check runs
in the background when the last one is old); a full check on request (``?full=true``) is for
administrators. Full checks and exports read the whole ledger, so each user may start only
``api_costly_per_minute`` of them a minute and one runs at a time (429 with ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from forewarn import ledger
from forewarn.api.context import ApiContext
from forewarn.api.deps import ContextDep, SessionDep, Viewer
from forewarn.api.errors import ErrorBody
from forewarn.api.ledger_watch import watch
from forewarn.api.limits import Costly
from forewarn.api.security import Role
from forewarn.errors import DataError, Forbidden

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Too many costly requests; see Retry-After"}
}


def costly(context: ApiContext) -> Costly:
    """The app's limits on full verifications and exports."""
    per_minute = context.settings.api_costly_per_minute
    return context.cached("ledger.costly", lambda: Costly(per_minute))


@router.get("/verify", responses=LIMITED)
def verify(
    user: Viewer,
    context: ContextDep,
    full: Annotated[
        bool, Query(description="Re-check every entry now (administrators; rate-limited).")
    ] = False,
) -> dict[str, Any]:
    """Check the chain, signatures, head and receipts (``ok`` false names the first problem):
    the entries appended since the last check, or every entry with ``full``."""
    checks = watch(context)
    if not full:
        return checks.status(checks.verify())
    if not user.role.includes(Role.ADMIN):
        raise Forbidden(f"a full verification needs the admin role; {user.name} is {user.role}")
    limits = costly(context)
    limits.admit(user.name, "full ledger verification")
    try:
        return checks.status(checks.verify_full())
    finally:
        limits.release()


def _lines(
    context: ApiContext, limits: Costly, after: int
) -> Generator[tuple[ledger.Head, Iterator[str]]]:
    """The head and the export's text, read from one snapshot; the slot is held throughout."""
    try:
        with ledger.snapshot(context.engine) as session:
            head = ledger.read_head(session)
            if head is None:
                raise DataError("the ledger head row is missing")
            yield head, ledger.export_lines(session, head, after)
    finally:
        limits.release()


def _stream(
    opened: Generator[tuple[ledger.Head, Iterator[str]]], lines: Iterator[str]
) -> Iterator[str]:
    try:
        yield from lines
    finally:
        opened.close()


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"},
        **LIMITED,
    },
)
def export(
    user: Viewer,
    context: ContextDep,
    after: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Only the entries after this one.")
    ] = 0,
) -> StreamingResponse:
    """Every entry (after entry ``after``) as one canonical JSON line, oldest first
    (docs/ledger.md verifies it); rate-limited per user, one export at a time."""
    limits = costly(context)
    limits.admit(user.name, "ledger export")
    opened = _lines(context, limits, after)
    try:
        head, lines = next(opened)
    except BaseException:
        opened.close()
        raise
    headers = {"X-Ledger-Id": head.ledger_id, "X-Ledger-Count": str(head.count)}
    return StreamingResponse(
        _stream(opened, lines), media_type="application/x-ndjson", headers=headers
    )


@router.get("/head")
def head(user: Viewer, session: SessionDep) -> dict[str, Any]:
    """The ledger's id, entry count and newest hash."""
    current = ledger.read_head(session)
    if current is None:
        raise DataError("the ledger head row is missing")
    return current.as_dict()


def _key(found: ledger.RegisteredKey, trusted: dict[str, str]) -> dict[str, Any]:
    return {
        **found.__dict__,
        "trusted": found.public_key in trusted,
        "why": trusted.get(found.public_key),
    }


@router.get("/keys")
def keys(user: Viewer, context: ContextDep, session: SessionDep) -> list[dict[str, Any]]:
    """The signing keys registered in the ledger, and whether this installation trusts each."""
    settings = context.settings
    files = () if settings.ledger_trusted_keys is None else (settings.ledger_trusted_keys,)
    trusted = ledger.trust_roots(settings.data_dir, files)
    return [_key(k, trusted) for k in ledger.registered_keys(session)]
