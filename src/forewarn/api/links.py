"""What the generated OpenAPI schema adds to FastAPI's: links and the true base-year range.

* **Links** (OpenAPI ``links``) from a list to its items and from an item to what can be
  done with it, so that a client, and Schemathesis' stateful phase, can follow real ids
  instead of guessing them.
* **Base years**: the ``base_year`` query parameter's ``minimum`` and ``maximum`` are the
  years the panel can forecast from (five years of history first), so the documented range
  is the real one and its edges, where the early-year crash hid, are what generated tests
  try first. Where the panel cannot be read the static range (1945-2100) stays.
"""

from __future__ import annotations

from typing import Any

from forewarn.config import Settings
from forewarn.errors import ForewarnError


def _ref(path: str, method: str) -> str:
    return f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"


def _first_item(field: str) -> str:
    return f"$response.body#/items/0/{field}"


LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/api/alerts", "get", "200"): {
        "GetAlert": {
            "operationRef": _ref("/api/alerts/{alert_id}", "get"),
            "parameters": {"alert_id": _first_item("id")},
        },
    },
    ("/api/actions", "get", "200"): {
        "GetAction": {
            "operationRef": _ref("/api/actions/{action_id}", "get"),
            "parameters": {"action_id": _first_item("id")},
        },
        "DecideAction": {
            "operationRef": _ref("/api/actions/{action_id}/{verb}", "post"),
            "parameters": {"action_id": _first_item("id")},
        },
    },
    ("/api/actions/{action_id}", "get", "200"): {
        "DecideThisAction": {
            "operationRef": _ref("/api/actions/{action_id}/{verb}", "post"),
            "parameters": {"action_id": "$response.body#/id"},
        },
    },
    ("/api/countries", "get", "200"): {
        "GetCountry": {
            "operationRef": _ref("/api/countries/{iso3}", "get"),
            "parameters": {"iso3": _first_item("iso3"), "base_year": "$response.body#/base_year"},
        },
    },
    ("/api/assessments", "post", "201"): {
        "ListCountryAssessments": {
            "operationRef": _ref("/api/assessments", "get"),
            "parameters": {"country": _first_item("country")},
        },
    },
}


def add_links(schema: dict[str, Any]) -> None:
    """Write :data:`LINKS` into the operations of ``schema`` that exist."""
    paths = schema.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is not None:
            response.setdefault("links", {}).update(links)


def base_years(settings: Settings) -> tuple[int, int] | None:
    """The base years a forecast can be made from, or None when the panel is unavailable."""
    from forewarn.data.panel import load_panel
    from forewarn.models.forecast import MIN_HISTORY

    try:
        years = load_panel(settings).frame["year"]
    except ForewarnError:
        return None
    return int(years.min()) + MIN_HISTORY, int(years.max())


def bound_base_years(schema: dict[str, Any], bounds: tuple[int, int] | None) -> None:
    """Set the ``base_year`` parameters' range in ``schema`` to ``bounds``."""
    if bounds is None:
        return
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "base_year":
                    for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                        if option.get("type") == "integer":
                            option["minimum"], option["maximum"] = bounds
