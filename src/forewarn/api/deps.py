"""Typed dependencies: the context, a database session, the authenticated user and roles.

Dependencies are ``async``. The credential check is one indexed query on a connection of
its own (``ApiContext.credentials``), run on the event loop: a hop into the thread
pool would cost more than the query, and read-only routes served from memory (forecasts,
countries, the framework) then never leave the loop. Routes that work with the database
run in the thread pool with a session from the shared pool.

A request is authenticated by an ``Authorization: Bearer <token>`` header (API clients) or
by the signed session cookie set at ``POST /auth/login`` (browsers). A cookie-authenticated
request that changes state must also carry the session's CSRF token, in the
``X-CSRF-Token`` header or a ``csrf_token`` form field; bearer requests are exempt, since a
browser never adds that header on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyCookie
from sqlalchemy.orm import Session

from forewarn.api.context import ApiContext, utc_now
from forewarn.api.errors import CsrfFailed, NotAuthenticated
from forewarn.api.security import Role, digest
from forewarn.errors import Forbidden
from forewarn.response.ladder import Roles
from forewarn.store import auth

SESSION_COOKIE = "forewarn_session"
CSRF_COOKIE = "forewarn_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


async def get_context(request: Request) -> ApiContext:
    context = request.app.state.forewarn
    assert isinstance(context, ApiContext)
    return context


ContextDep = Annotated[ApiContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[Session]:
    """A read session for one request (it connects lazily, in the route's thread)."""
    with Session(context.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# --- who is asking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """The authenticated user of a request, and how they authenticated."""

    id: int
    name: str
    role: Role
    owner_roles: frozenset[str]
    clearance: bool
    via: str
    credential_id: int

    def roles(self) -> Roles:
        """The ladder roles this user holds, as the action state machine checks them."""
        return Roles("the users table", {self.name: self.owner_roles})

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "owner_roles": sorted(self.owner_roles),
            "clearance": self.clearance,
            "authenticated_by": self.via,
        }


def user_of(found: auth.Credential, via: str) -> User:
    return User(
        found.user_id,
        found.name,
        Role(found.role),
        frozenset(found.owner_roles),
        found.clearance,
        via,
        found.token_id,
    )


SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (forewarn tokens create)",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session cookie set by /auth/login",
    },
}
"""How a guarded operation is authenticated, as the app factory writes it into the schema
(the guards read the header and the cookie themselves)."""
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The session cookie set by /auth/login"
)
CookieDep = Annotated[str | None, Depends(cookie_scheme)]


def _by_token(context: ApiContext, token: str) -> User:
    found = context.credentials(digest(token), auth.API_TOKEN, utc_now())
    if found is None:
        raise NotAuthenticated("the API token is unknown, revoked, or its user is disabled")
    return user_of(found, "token")


async def csrf_given(request: Request) -> str | None:
    """The CSRF token sent with a request: the header, else the form field of a form post."""
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if (
        given is None
        and request.method not in SAFE_METHODS
        and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given


def _by_cookie(context: ApiContext, cookie: str) -> tuple[User, str]:
    secret = context.cookies.unsign(cookie)
    found = None
    if secret is not None:
        found = context.credentials(digest(secret), auth.SESSION, utc_now())
    if secret is None or found is None:
        raise NotAuthenticated("the session has expired or ended: log in again")
    return user_of(found, "session"), secret


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(request: Request) -> User:
    """The authenticated user; 401 without valid credentials, 403 without a CSRF token.

    Checked on every request against the database, so a revoked token, an ended session
    or a disabled user is refused from the next request on (nothing is cached)."""
    context = await get_context(request)
    token = bearer_token(request)
    if token is not None:
        return _by_token(context, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise NotAuthenticated("log in, or send an API token as 'Authorization: Bearer ...'")
    user, secret = _by_cookie(context, cookie)
    if request.method not in SAFE_METHODS:
        csrf = await csrf_given(request)
        if not context.cookies.csrf_ok(secret, csrf):
            raise CsrfFailed(f"missing or wrong CSRF token (send the {CSRF_HEADER} header)")
    return user


@dataclass(frozen=True)
class RoleGuard:
    """A dependency admitting users whose role includes ``role`` (403 otherwise).

    The app factory finds these guards on every route and writes the required role into
    the OpenAPI schema (``x-required-role``), where the tests read it.
    """

    role: Role

    async def __call__(self, request: Request) -> User:
        # reads the credentials itself rather than through FastAPI's security
        # dependencies: solving those cost more than the credential check
        user = await authenticate(request)
        if not user.role.includes(self.role):
            raise Forbidden(f"this needs the {self.role} role; {user.name} is {user.role}")
        return user


Viewer = Annotated[User, Depends(RoleGuard(Role.VIEWER))]
Analyst = Annotated[User, Depends(RoleGuard(Role.ANALYST))]
Decider = Annotated[User, Depends(RoleGuard(Role.DECISION))]
Admin = Annotated[User, Depends(RoleGuard(Role.ADMIN))]


MAX_ID = 2**31 - 1
"""The largest id a row can have (a 32-bit INTEGER column on every back end)."""
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="The row's id.")]


# --- pagination -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """``limit`` and ``offset`` query parameters and the envelope of a paged list."""

    limit: int
    offset: int

    def of(
        self, items: Sequence[T], render: Callable[[T], Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The envelope: total, limit, offset, ``extra`` and this page's items, rendered."""
        chosen = items[self.offset : self.offset + self.limit]
        return {
            "total": len(items),
            "limit": self.limit,
            "offset": self.offset,
            **extra,
            "items": [render(i) for i in chosen] if render else list(chosen),
        }


async def page_params(
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many items.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Skip this many items first.")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]
