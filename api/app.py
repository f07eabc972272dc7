"""The medkg HTTP API (FastAPI). Thin: it is handed ready components and builds nothing itself.

Endpoints: ``GET /health``, ``GET /ready``, ``POST /v1/predict``, ``POST /v1/extract``,
``POST /v1/query`` (API key), ``GET /v1/entities/{curie}``; OpenAPI docs at ``/docs``. Every error is a JSON body
``{"error": ..., "detail": ...}`` with a 4xx/5xx status, never a stack trace (``api.errors``). The
routes (``api.routes``) get the components through a dependency (``api.components``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api import routes
from api.components import ApiLimits, Components
from api.errors import handle_errors
from kg.store import GraphStore

__all__ = ["ApiLimits", "create_app"]


def create_app(
    store: GraphStore,
    *,
    ner: Any = None,
    normalizer: Any = None,
    relations: Any = None,
    diagnoser: Any = None,
    api_key: str | None = None,
    limits: ApiLimits | None = None,
    cause_check: Any = None,
) -> FastAPI:
    """The application over these components (any may be None; /ready says which are missing;
    ``cause_check``: ``extractors.cause_check``'s, applied to /v1/extract's causes as ingestion does)."""
    limits = limits or ApiLimits()
    app = FastAPI(
        title="medkg",
        version="0.1.0",
        description="Biomedical knowledge graph: graph-augmented diagnosis, extraction, Cypher queries, entities.",
    )
    app.state.components = Components(
        store, ner, normalizer, relations, diagnoser, api_key, limits, cause_check=cause_check
    )
    handle_errors(app, limits.max_body_bytes)
    for router in (routes.service, routes.models, routes.graph):
        app.include_router(router)
    return app
