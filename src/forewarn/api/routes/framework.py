"""``/api/framework``: the risk factors and indicators of the Framework of Analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from forewarn.api.deps import ContextDep, Viewer
from forewarn.errors import NotFound
from forewarn.framework.catalogue import load_framework

router = APIRouter(prefix="/api/framework", tags=["framework"])


@router.get("/factors", response_model=list[dict[str, Any]])
async def list_factors(user: Viewer, context: ContextDep) -> Response:
    """The 14 risk factors with their indicators (as ``forewarn framework show --json``)."""

    def build() -> list[dict[str, Any]]:
        return [f.as_dict() for f in context.cached("framework", load_framework).factors]

    return await context.json_response("framework.factors", build)


@router.get("/factors/{factor}")
def get_factor(factor: str, user: Viewer, context: ContextDep) -> dict[str, Any]:
    """One risk factor, by ``RF10`` or ``10``."""
    try:
        return context.cached("framework", load_framework).factor(factor).as_dict()
    except (KeyError, ValueError):
        raise NotFound(f"no risk factor {factor!r} (use RF1..RF14)") from None
