"""The medkg HTTP API (FastAPI). Thin: it is handed ready components and builds nothing itself.

Endpoints: ``GET /health``, ``GET /ready``, ``POST /v1/predict``, ``POST /v1/extract``,
``POST /v1/query`` (API key), ``GET /v1/entities/{curie}``; OpenAPI docs at ``/docs``. Every error is a JSON body
``{"error": ..., "detail": ...}`` with a 4xx/5xx status, never a stack trace.
"""

from __future__ import annotations

import hmac
import logging
import threading
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import (
    EntityAnswer,
    ErrorBody,
    Extraction,
    ExtractRequest,
    Health,
    Prediction,
    PredictRequest,
    QueryRequest,
    QueryResult,
    Ready,
)
from extractors.models import card_version
from kg.curies import canonical_curie
from kg.errors import InputError, MedkgError, QueryRefused, QueryTimeout, StoreError
from kg.store import GraphStore
from kg.types import Document
from ontologies.treatment import separate_treatments

log = logging.getLogger(__name__)


@dataclass
class ApiLimits:
    max_body_bytes: int = 1_000_000
    max_text_chars: int = 100_000
    max_rows: int = 1_000


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


class _BodyTooLarge(StarletteHTTPException):
    """Raised while a request body streams in, once it passes the limit (an HTTP exception, so
    that FastAPI's body parsing lets it through instead of calling the body unparsable)."""

    def __init__(self) -> None:
        super().__init__(413, "request body too large")


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"error": "payload_too_large", "detail": f"request body over {limit} bytes"}, status_code=413)


class _BodyLimit:
    """Refuse request bodies over ``max_bytes`` as they stream in: at once when Content-Length
    says so, and after ``max_bytes`` for a chunked body (never read whole first)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = dict(scope.get("headers") or []).get(b"content-length", b"")
        if size.isdigit() and int(size) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        await self.app(scope, counted, send)


_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="MEDKG_API_KEY of the server (POST /v1/query only).")


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: always 500, and the given 4xx, with medkg's body."""
    return {status: {"model": ErrorBody} for status in (*statuses, 500)}


def create_app(
    store: GraphStore,
    *,
    ner: Any = None,
    normalizer: Any = None,
    relations: Any = None,
    diagnoser: Any = None,
    api_key: str | None = None,
    limits: ApiLimits | None = None,
) -> FastAPI:
    """The application over these components (any may be None; /ready says which are missing)."""
    limits = limits or ApiLimits()
    # The models are used by one request at a time; the store is not locked (each request thread
    # reads on its own connection), so a slow query holds up no other request.
    lock = threading.Lock()
    app = FastAPI(title="medkg", version="0.1.0", description="Biomedical knowledge graph: graph-augmented diagnosis, extraction, Cypher queries, entities.")

    app.add_middleware(_BodyLimit, max_bytes=limits.max_body_bytes)

    @app.exception_handler(_BodyTooLarge)
    async def body_too_large(_: Request, exc: _BodyTooLarge) -> JSONResponse:
        return _too_large(limits.max_body_bytes)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.error, "detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": "bad_request", "detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": "http_error", "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"error": "internal_error", "detail": "the server failed; see its log"}, status_code=500)

    def require_key(x_api_key: str | None = Security(_API_KEY)) -> None:
        if not api_key:
            raise ApiError(403, "disabled", "the query endpoint needs MEDKG_API_KEY to be set on the server")
        if not x_api_key:
            raise ApiError(401, "unauthorized", "send the API key in the X-API-Key header")
        # as bytes: compare_digest refuses str with non-ASCII characters (a header may hold any)
        if not hmac.compare_digest(x_api_key.encode("utf-8", "surrogateescape"), api_key.encode("utf-8")):
            raise ApiError(403, "forbidden", "wrong API key")

    def text_of(body: ExtractRequest | PredictRequest) -> str:
        try:
            body.text.encode("utf-8")
        except UnicodeEncodeError as exc:  # JSON may spell a lone surrogate (\ud800), no text holds one
            raise ApiError(400, "bad_text", f"text is not valid Unicode ({exc.reason} at character {exc.start})") from None
        text = body.text.strip()
        if not text:
            raise ApiError(400, "empty_text", "text is empty")
        if len(body.text) > limits.max_text_chars:
            raise ApiError(413, "text_too_long", f"text over {limits.max_text_chars} characters")
        return body.text

    def version(model: Any) -> dict[str, Any] | None:
        """Which model serves: its task, best dev F1 and epoch, and the hash of its training data
        (for several models, ``extractors.ensemble``: the first one's, and the others' under ``more``)."""
        parts = getattr(model, "models", None)
        if isinstance(parts, list) and parts:
            first = version(parts[0])
            more = [v for v in (version(p) for p in parts[1:]) if v]
            return {**first, "more": more} if first and more else first
        card = getattr(model, "card", None)
        if model is None or not isinstance(card, dict):
            return None
        return card_version(card)

    @app.get("/health", response_model=Health, response_model_exclude_unset=True, responses=_errors())
    def health() -> dict[str, Any]:
        """Alive, and which model versions serve."""
        return {"status": "ok", "models": {"ner": version(ner), "relations": version(relations)}}

    @app.get("/ready", response_model=Ready, responses={**_errors(), 503: {"model": Ready, "description": "A component is missing."}})
    def ready() -> JSONResponse:
        checks = {"ner": ner is not None, "normalizer": normalizer is not None, "relations": relations is not None,
                  "diagnosis": diagnoser is not None}
        try:
            store.query("MATCH (e:Entity) RETURN count(e) AS n")
            checks["store"] = True
        except MedkgError:
            checks["store"] = False
        ok = checks["store"] and checks["ner"] and checks["normalizer"] and checks["diagnosis"]
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    @app.post("/v1/predict", response_model=Prediction, responses=_errors(400, 413, 422, 503))
    def predict(body: PredictRequest) -> dict[str, Any]:
        """Ranked diagnoses for a case, each with the graph facts (CURIEs, PMIDs) behind it, and the
        entities found in the text."""
        text = text_of(body)
        if diagnoser is None:
            raise ApiError(503, "not_ready", "no diagnosis model is loaded; train one with `medkg train diagnosis`")
        with lock:
            result = diagnoser.diagnose(text, body.top_k)
        return dict(result.to_json())

    @app.post("/v1/extract", response_model=Extraction, responses=_errors(400, 413, 422, 503))
    def extract(body: ExtractRequest) -> dict[str, Any]:
        text = text_of(body)
        if ner is None or normalizer is None:
            raise ApiError(503, "not_ready", "the NER model or the normalizer is not loaded")
        with lock:
            docs = [Document("request", text)]
            docs = normalizer.normalize_predicted(ner.predict(docs))  # as the ingest pipeline does
            if relations is not None:
                docs = separate_treatments(relations.predict(docs), normalizer.index.treatment_knowledge())
        doc = docs[0]
        return {
            "mentions": [
                {"start": m.start, "end": m.end, "text": m.text, "label": m.label, "score": round(m.score, 4),
                 "groundings": [{"curie": g.curie, "name": g.name, "score": g.score} for g in m.groundings]}
                for m in doc.mentions
            ],
            "relations": [
                {"subject": r.subject, "predicate": r.predicate, "object": r.object, "score": r.score,
                 "sentence": text[r.span[0]:r.span[1]] if r.span else None}
                for r in doc.relations
            ],
        }

    @app.post("/v1/query", dependencies=[Depends(require_key)], response_model=QueryResult, responses=_errors(400, 401, 403, 413, 422))
    def query(body: QueryRequest) -> dict[str, Any]:
        """Run a read-only Cypher query (needs the API key: the Authorize button of /docs)."""
        if not body.cypher.strip():
            raise ApiError(400, "empty_query", "cypher is empty")
        try:
            rows = store.query(body.cypher, body.params, max_rows=limits.max_rows + 1)
        except QueryRefused as exc:
            raise ApiError(403, "refused", str(exc)) from None
        except QueryTimeout as exc:
            raise ApiError(400, "query_timeout", str(exc)) from None
        except StoreError as exc:
            raise ApiError(400, "query_failed", str(exc)) from None
        truncated = len(rows) > limits.max_rows
        return {"rows": rows[: limits.max_rows], "row_count": min(len(rows), limits.max_rows), "truncated": truncated}

    @app.get("/v1/entities/{curie:path}", response_model=EntityAnswer, responses=_errors(400, 404, 422))
    def entity(curie: str, limit: int = Query(100, ge=1, le=10_000, description="Neighbours to return, best supported first.")) -> dict[str, Any]:
        if ":" not in curie:
            raise ApiError(400, "bad_curie", f"{curie!r} is not a CURIE (prefix:local)")
        curie = canonical_curie(curie)  # mesh:D008012 is MESH:D008012
        card = store.entity_card(curie, limit)
        if card is None:
            raise ApiError(404, "not_found", f"no entity {curie}")
        return card

    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"error": "bad_input", "detail": str(exc)}, status_code=400)

    return app
