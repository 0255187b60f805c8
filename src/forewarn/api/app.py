"""The application factory: ``create_app(settings)`` builds the whole API.

Nothing is created at import time. The factory checks the secret key, loads the ladder,
makes the engine (the database is migrated when the app starts), includes every router of
:mod:`forewarn.api.routes`, routes every error to the one error shape, and writes each
route's required role into the OpenAPI schema (``x-required-role``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import make_url

import forewarn
from forewarn import ledger
from forewarn.api import computing, errors, links, middleware
from forewarn.api import docs as api_docs
from forewarn.api.context import ApiContext
from forewarn.api.deps import SECURITY_SCHEMES, RoleGuard
from forewarn.api.middleware import trusted_networks
from forewarn.api.routes import routers
from forewarn.api.security import Cookies, Passwords, secret_key
from forewarn.config import Settings
from forewarn.response.ladder import load_ladder
from forewarn.store.auth import CredentialCheck
from forewarn.store.db import make_engine, migrate, sign_as_installation
from forewarn.web import install as install_dashboard

DESCRIPTION = (
    "Atrocity-crimes early warning that forces a response. Authenticate with an API token "
    "(`Authorization: Bearer ...`, made with `forewarn tokens create`) or a browser session "
    'from `POST /auth/login`. Every error is `{"error": {"status", "code", "message"}}`.'
)


def _guards(dependant: Dependant) -> Iterator[RoleGuard]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleGuard):
            yield sub.call
        yield from _guards(sub)


def _annotate(route: APIRoute) -> None:
    """Write the route's required role and the error shape into its OpenAPI operation."""
    roles = sorted({g.role for g in _guards(route.dependant)}, key=lambda r: r.rank)
    extra: dict[str, Any] = dict(route.openapi_extra or {})
    if roles:
        extra["x-required-role"] = roles[-1].value
        extra["security"] = [{name: []} for name in SECURITY_SCHEMES]
    route.openapi_extra = extra
    route.responses = {**errors.ERROR_RESPONSES, **route.responses}


def _context(settings: Settings) -> ApiContext:
    key = secret_key(settings)
    url = settings.resolved_database_url()
    engine = sign_as_installation(make_engine(url), settings)
    memory = make_url(url).database in (None, "", ":memory:")
    return ApiContext(
        settings=settings,
        engine=engine,
        credentials=CredentialCheck(engine if memory else make_engine(url, pool_size=1)),
        ladder=load_ladder(settings),
        cookies=Cookies(key),
        passwords=Passwords(),
    )


def create_app(settings: Settings) -> FastAPI:
    """The forewarn API for ``settings``; ConfigError without a usable secret key."""
    context = _context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(settings.resolved_database_url())
        ledger.start_receipts(context.engine, context.receipts)
        yield
        computing.stop(context)
        context.engine.dispose()
        context.credentials.engine.dispose()

    app = FastAPI(
        title="forewarn",
        version=forewarn.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.forewarn = context
    errors.install(app)
    _guard(app, settings)
    api_docs.install(app)
    for router in routers():
        for route in router.routes:
            if isinstance(route, APIRoute):
                _annotate(route)
        app.include_router(router)
    install_dashboard(app)
    _document_security(app, settings)
    return app


def _guard(app: FastAPI, settings: Settings) -> None:
    """Body limits, strict JSON, trusted proxies and security headers on every request
    (the last added runs first)."""
    json_limit, upload_limit = settings.api_max_json_bytes, settings.api_max_upload_bytes
    app.add_middleware(middleware.RequestGuard, json_limit=json_limit, upload_limit=upload_limit)
    app.add_middleware(middleware.SecurityHeaders)
    app.add_middleware(middleware.TrustedProxies, networks=trusted_networks(settings))


def _document_security(app: FastAPI, settings: Settings) -> None:
    """Add the security schemes the guarded operations name, the links between operations
    and the real base-year range to the generated schema (:mod:`forewarn.api.links`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()  # made once, then kept by FastAPI
        if fresh:
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes.update(SECURITY_SCHEMES)
            links.add_links(schema)
            links.bound_base_years(schema, links.base_years(settings))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The app for settings read from the environment (``uvicorn --factory``, workers)."""
    return create_app(Settings())
