"""Acknowledging an action from the link in an e-mail: a confirmation page, then a form post.

Opening the link (GET) shows what would be acknowledged, as whom, and changes nothing (mail
scanners follow links). The page's form carries a double-submit token (a random value in a
short-lived, same-site cookie that the form repeats), so another site cannot post it; the
post acknowledges the action as the link's user through the action state machine, in the
ledger, and uses the link up. A used, expired, altered or foreign link gets a page saying
so, and changes nothing. No log-in is needed: the signed link is the credential.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from forewarn.api.context import ApiContext, utc_now
from forewarn.api.deps import ContextDep, SessionDep
from forewarn.errors import Conflict, ForewarnError, NotFound
from forewarn.notify import links
from forewarn.response.actions import get
from forewarn.store.tables import AlertRow, UserRow
from forewarn.web.language import asked
from forewarn.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACK_COOKIE = "forewarn_ack"
ACK_SECONDS = 3600


class FormExpired(links.LinkRefused):
    """The confirmation form's token is missing or wrong (CSRF)."""

    http_status = 403


PROBLEMS = {
    FormExpired: "form",
    links.LinkTampered: "tampered",
    links.LinkExpired: "expired",
    links.LinkUsed: "used",
    links.NotYourAction: "not_yours",
    Conflict: "closed",
    NotFound: "not_found",
}


def _problem(exc: ForewarnError) -> str:
    return next((code for kind, code in PROBLEMS.items() if isinstance(exc, kind)), "other")


def _refused(request: Request, exc: ForewarnError, lang: str | None = None) -> HTMLResponse:
    context = {"problem": _problem(exc), "detail": str(exc), "target": None, "done": None}
    return page(request, "ack.html", context, status=exc.http_status, lang=lang)


def _target(context: ApiContext, session: Session, token: str) -> links.Target:
    claim = links.read_token(context.cookies.key, token, utc_now())
    return links.check(session, claim)


def _facts(session: Session, target: links.Target) -> dict[str, Any]:
    alert = session.get(AlertRow, target.action.alert_id)
    return {"target": target, "alert": alert, "problem": None, "done": None}


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request, context: ContextDep, session: SessionDep) -> Any:
    """What the link would acknowledge, as whom; nothing changes."""
    try:
        target = _target(context, session, token)
    except ForewarnError as exc:
        return _refused(request, exc)
    nonce = secrets.token_urlsafe(32)
    lang = None if asked(request) else target.user.language
    response = page(request, "ack.html", _facts(session, target) | {"csrf": nonce}, lang=lang)
    response.set_cookie(
        ACK_COOKIE, nonce, ACK_SECONDS, path="/ack", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def _fresh(request: Request, given: str) -> bool:
    cookie = request.cookies.get(ACK_COOKIE, "")
    return bool(cookie) and bool(given) and hmac.compare_digest(cookie, given)


@router.post("/ack/{token}", response_class=HTMLResponse)
def acknowledge(
    token: str,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Any:
    """Acknowledge the action as the link's user (a ledger entry with that user as actor)."""
    if not _fresh(request, csrf_token):
        return _refused(request, FormExpired("the form has expired or was not sent from here"))
    now = utc_now()
    try:
        claim = links.read_token(context.cookies.key, token, now)
        row = context.write(lambda s: links.use(s, context.ladder, claim, now))
        target = _target_after(context, session, claim)
    except ForewarnError as exc:
        return _refused(request, exc)
    lang = None if asked(request) else target.user.language
    facts = _facts(session, target) | {"done": row.acknowledged_at}
    response = page(request, "ack.html", facts, lang=lang)
    response.delete_cookie(ACK_COOKIE, path="/ack")
    return response


def _target_after(context: ApiContext, session: Session, claim: links.Claim) -> links.Target:
    """The link's user and action once used (for the page that confirms it)."""
    session.expire_all()
    user = session.get(UserRow, claim.user_id)
    assert user is not None
    return links.Target(claim, user, get(session, claim.action_id))
