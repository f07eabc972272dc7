"""How the API fails: one JSON body ``{"error": ..., "detail": ...}`` with a 4xx/5xx status for
every error, never a stack trace, and request bodies refused as they stream in once too large."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import ErrorBody
from kg.errors import InputError

log = logging.getLogger(__name__)


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


class BodyLimit:
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


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: always 500, and the given 4xx, with medkg's body."""
    return {status: {"model": ErrorBody} for status in (*statuses, 500)}


def handle_errors(app: FastAPI, max_body_bytes: int) -> None:
    """Every error of ``app`` as medkg's JSON body, request bodies limited to ``max_body_bytes``."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(_BodyTooLarge)
    async def body_too_large(_: Request, exc: _BodyTooLarge) -> JSONResponse:
        return _too_large(max_body_bytes)

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

    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"error": "bad_input", "detail": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"error": "internal_error", "detail": "the server failed; see its log"}, status_code=500)
