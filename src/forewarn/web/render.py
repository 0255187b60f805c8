"""Rendering pages: the templates in the request's language, errors as pages, and headers.

Pages are routed through :class:`PageRoute`, so a failure becomes a page rather than the
API's JSON error: an anonymous or expired session is sent to the log-in page (and back
afterwards), any other :class:`~forewarn.errors.ForewarnError` is shown with its message
and status. Every page is sent with a Content-Security-Policy that allows only this
server's own scripts, styles and images.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from forewarn.api.deps import ContextDep, CookieDep, User, Viewer
from forewarn.api.errors import NotAuthenticated
from forewarn.errors import ForewarnError
from forewarn.web.language import LANG_COOKIE, LANG_PARAM, asked, environment, language_of

LANG_SECONDS = 365 * 24 * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Visitor:
    """The signed-in user of a page, and the CSRF token its forms must carry."""

    user: User
    csrf: str

    def holds(self, owner: str) -> bool:
        """Whether the user holds the ladder role ``owner`` (and so may decide its actions)."""
        return owner in self.user.owner_roles


def visitor(user: Viewer, context: ContextDep, cookie: CookieDep) -> Visitor:
    """The signed-in user (any role) and the session's CSRF token."""
    secret = context.cookies.unsign(cookie) if cookie else None
    return Visitor(user, context.cookies.csrf(secret) if secret else "")


VisitorDep = Annotated[Visitor, Depends(visitor)]


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": here})


def _switch(path: str, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(language, URL of this page in it) for the language switch."""
    kept = [(k, v) for k, v in query if k != LANG_PARAM]
    return [(code, path + "?" + urlencode([*kept, (LANG_PARAM, code)])) for code in ("en", "id")]


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    visitor: Visitor | None = None,
    status: int = 200,
    here: str | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    """``template`` rendered in the request's language, with the shared page context.

    ``here`` is the page's own address when the request's is not one to come back to (a
    form post re-rendering the page it came from): the language switch links to it. ``lang``
    overrides the request's language (a page for a known user, e.g. an acknowledgement link).
    """
    lang = lang or language_of(request)
    url = urlsplit(here) if here else request.url
    query = parse_qsl(url.query) if here else list(request.query_params.multi_items())
    html = (
        environment(lang)
        .get_template(template)
        .render(
            lang=lang,
            path=url.path,
            switch=_switch(url.path, query),
            visitor=visitor,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if asked(request):
        secure = request.url.scheme == "https"
        response.set_cookie(LANG_COOKIE, lang, LANG_SECONDS, samesite="lax", secure=secure)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", {"status": status, "message": message}, status=status)


def _invalid(exc: RequestValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
    ]
    return "; ".join(problems[:3]) or "invalid request"


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A route whose failures are pages: log-in redirects and error pages, never JSON."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticated:
                return RedirectResponse(login_url(request), status_code=303)
            except ForewarnError as exc:
                return error_page(request, exc.http_status, str(exc))
            except RequestValidationError as exc:
                return error_page(request, 422, _invalid(exc))

        return page_handler
