"""The REST API: ``create_app(settings)`` returns the FastAPI application."""

from __future__ import annotations

from forewarn.api.app import create_app

__all__ = ["create_app"]
