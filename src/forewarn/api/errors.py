"""One JSON shape for every error the API returns, and the handlers that produce it.

``{"error": {"status": 404, "code": "not_found", "message": "no alert #7"}}``: unknown
routes, wrong methods, validation failures, authentication and authorisation failures and
every :class:`~forewarn.errors.ForewarnError` (whose ``http_status`` gives the status) look
the same; an unexpected failure is a 500 whose message gives nothing away.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from forewarn.errors import Forbidden, ForewarnError

log = logging.getLogger("forewarn.api")


class NotAuthenticated(ForewarnError):
    """No valid API token or session came with the request."""

    http_status = 401


class CsrfFailed(Forbidden):
    """A cookie-authenticated request that changes state lacked the session's CSRF token."""


class TooManyAttempts(ForewarnError):
    """Too many failed log-ins for this user from this address."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(ForewarnError):
    """An upload over the size limit."""

    http_status = 413


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": HTTPStatus(status).phrase}
    for status in (401, 403, 404, 422)
} | {"default": {"model": ErrorBody, "description": "Any other error, in the same shape"}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    if len(message) > 2000:  # values quoted from a bad request can be long
        message = message[:2000] + "..."
    body = {"error": {"status": status, "code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _status_code(status: int) -> str:
    try:
        return _snake(HTTPStatus(status).phrase.title().replace(" ", "").replace("-", ""))
    except ValueError:
        return "error"


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(
        exc.status_code, _status_code(exc.status_code), str(exc.detail), exc.headers
    )


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
    message = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
    return error_response(422, "validation_error", message or "invalid request")


def _headers(exc: ForewarnError) -> dict[str, str]:
    if isinstance(exc, NotAuthenticated):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    return {}


async def forewarn_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ForewarnError)
    status = exc.http_status
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return error_response(status, _snake(type(exc).__name__), str(exc), _headers(exc))


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    known = _database_failure(exc)
    if known is not None:  # the database unreachable or full (503), a value it refused (422)
        log.error("%s %s failed: %s", request.method, request.url.path, known)
        status = known.http_status
        message = str(known) if status < 500 else "the database is unavailable"
        return error_response(status, _snake(type(known).__name__), message)
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


def _database_failure(exc: Exception) -> ForewarnError | None:
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from forewarn.store.db import failure_of

    return failure_of(exc)


def install(app: FastAPI) -> None:
    """Route every kind of failure to the one error shape."""
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ForewarnError, forewarn_error)
    app.add_exception_handler(Exception, internal_error)
