"""The API's routers, one module per noun: ``api/routes/<noun>.py`` defining ``router``.

Adding a resource is adding one file: :func:`routers` imports every module of this package
and the app factory includes its ``router``. Guard each route with a role dependency
(``Viewer``, ``Analyst``, ``Decider``, ``Admin`` from :mod:`forewarn.api.deps`); the
permission tests read the roles from the OpenAPI schema, so a state-changing route without
one fails them.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The ``router`` of every module in this package, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module.__name__} defines no APIRouter named 'router'")
        found.append(router)
    return found
