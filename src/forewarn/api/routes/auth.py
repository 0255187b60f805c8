"""``/auth``: browser log-in and log-out (a signed session cookie), and who am I.

Log-in is a form post (``username``, ``password``). Failed log-ins are limited per user
name and address (with a back-off), per address and overall (429 with ``Retry-After``; see
:mod:`forewarn.api.login_limits`), counted in the database so that every worker sees them.
A successful log-in sets the HttpOnly session
cookie and a readable CSRF cookie; the CSRF token is also in the response body. API clients
do not log in: they send a token made with ``forewarn tokens create``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from forewarn.api import login_limits as limits
from forewarn.api.context import ApiContext, utc_now
from forewarn.api.deps import CSRF_COOKIE, SESSION_COOKIE, ContextDep, User, Viewer, user_of
from forewarn.api.errors import ErrorBody, NotAuthenticated, TooManyAttempts
from forewarn.api.security import SESSION_SECONDS, digest, new_token
from forewarn.store import auth
from forewarn.store.db import transaction
from forewarn.store.tables import UserRow

router = APIRouter(prefix="/auth", tags=["auth"])


def _address(request: Request) -> str:
    """The client's address: the connection's, or a trusted proxy's X-Forwarded-For (set
    by :class:`forewarn.api.middleware.TrustedProxies`)."""
    return request.client.host if request.client else "unknown"


def _check_limit(context: ApiContext, name: str, address: str, now: dt.datetime) -> None:
    with Session(context.engine) as session:
        wait = limits.wait_for(session, name, address, now)
    if wait is not None:
        raise TooManyAttempts(wait.reason, wait.seconds)


def _find(context: ApiContext, name: str) -> UserRow | None:
    with Session(context.engine) as session:
        row = auth.find_user(session, name)
    return row if row is not None and row.active else None


def _fail(context: ApiContext, name: str, address: str, now: dt.datetime) -> NotAuthenticated:
    with transaction(context.engine) as session:
        auth.record_failure(session, name, address, now, now - limits.PAIR_MEMORY)
    return NotAuthenticated("wrong user name or password")


def _open_session(
    context: ApiContext, row: UserRow, password: str, address: str, now: dt.datetime
) -> tuple[User, str]:
    secret = new_token()
    expires = now + dt.timedelta(seconds=SESSION_SECONDS)
    with transaction(context.engine) as session:
        auth.clear_failures(session, row.name, address)
        auth.record_success(session, row.name, address, now)
        auth.purge_sessions(session, row.id, now)
        token = auth.add_token(
            session, row, digest(secret), now, kind=auth.SESSION, expires_at=expires
        )
        if context.passwords.needs_rehash(row.password_hash):
            auth.set_password_hash(session, row.id, context.passwords.hash(password))
        return user_of(auth.Credential.of(token, row), "session"), secret


def _set_cookies(response: Response, request: Request, cookie: str, csrf: str) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, cookie, SESSION_SECONDS, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(CSRF_COOKIE, csrf, SESSION_SECONDS, samesite="strict", secure=secure)


@router.post(
    "/login",
    responses={429: {"model": ErrorBody, "description": "Too many failed log-ins"}},
)
def login(
    request: Request,
    response: Response,
    context: ContextDep,
    username: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
) -> dict[str, Any]:
    """Check the password and start a browser session (cookie) for 12 hours."""
    now, address = utc_now(), _address(request)
    _check_limit(context, username, address, now)
    row = _find(context, username)
    if not context.passwords.verify(row.password_hash if row else None, password) or not row:
        raise _fail(context, username, address, now)
    user, secret = _open_session(context, row, password, address, now)
    csrf = context.cookies.csrf(secret)
    _set_cookies(response, request, context.cookies.sign(secret), csrf)
    return {"user": user.record(), "csrf_token": csrf, "expires_in": SESSION_SECONDS}


@router.post("/logout", status_code=204, response_class=Response)
def logout(user: Viewer, context: ContextDep) -> Response:
    """End the browser session (an API token is revoked with ``forewarn tokens revoke``)."""
    if user.via == "session":
        with transaction(context.engine) as session:
            auth.revoke_token(session, user.credential_id, utc_now())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/me")
def me(user: Viewer) -> dict[str, Any]:
    """The authenticated user: name, role, ladder roles, clearance."""
    return user.record()
