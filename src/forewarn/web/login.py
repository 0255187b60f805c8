"""Logging in and out of the dashboard, through the API's own log-in and log-out.

The log-in form posts here and this handler calls the API's ``POST /auth/login`` handler
(the same password check, rate limit and session cookies), then sends the browser on to the
page it came for. The form itself is protected against log-in CSRF by a double-submit token:
a random value in a short-lived cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from forewarn.api.deps import ContextDep, Viewer
from forewarn.api.routes import auth as api_auth
from forewarn.errors import ForewarnError
from forewarn.web.render import PageRoute, page, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOGIN_COOKIE = "forewarn_login"
LOGIN_SECONDS = 3600


def _form(
    request: Request, target: str, error: str | None = None, status: int = 200, name: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    context = {"next": target, "token": token, "error": error, "username": name}
    response = page(request, "login.html", context, status=status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        LOGIN_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> Any:
    """The log-in form."""
    return _form(request, safe_next(next))


def _fresh(request: Request, token: str) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, token)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    context: ContextDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Any:
    """Check the password with the API's log-in; on success go on to ``next``."""
    target = safe_next(next)
    if not _fresh(request, token):
        message = "the log-in form has expired or was not sent from this site: try again"
        return _form(request, target, message, 403, username)
    if not username.strip():
        return _form(request, target, "enter your user name", 422, username)
    cookies = Response()
    try:
        api_auth.login(request, cookies, context, username, password)
    except ForewarnError as exc:
        return _form(request, target, str(exc), exc.http_status, username)
    response = RedirectResponse(target, status_code=303)
    for value in cookies.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(user: Viewer, context: ContextDep) -> Any:
    """End the session (the form carries the CSRF token) and return to the log-in page."""
    ended = api_auth.logout(user, context)
    response = RedirectResponse("/login", status_code=303)
    for value in ended.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return response
