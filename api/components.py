"""What the API serves with, handed to it ready (``wiring.serving`` builds them), and the
dependencies its routes ask for: the components, the API key check, a request's text."""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from api.errors import ApiError
from api.schemas import ExtractRequest, PredictRequest
from kg.store import GraphStore


@dataclass
class ApiLimits:
    max_body_bytes: int = 1_000_000
    max_text_chars: int = 100_000
    max_rows: int = 1_000


@dataclass
class Components:
    """The store and the models (any model may be None: ``/ready`` says which are missing)."""

    store: GraphStore
    ner: Any = None
    normalizer: Any = None
    relations: Any = None
    diagnoser: Any = None
    api_key: str | None = None
    limits: ApiLimits = field(default_factory=ApiLimits)
    cause_check: Any = None  # extractors.cause_check.CauseCheck: causes the evidence does not state -> Association
    # The models are used by one request at a time; the store is not locked (each request thread
    # reads on its own connection), so a slow query holds up no other request.
    models_lock: threading.Lock = field(default_factory=threading.Lock)


def components(request: Request) -> Components:
    """The app's components (a route dependency)."""
    found: Components = request.app.state.components
    return found


_API_KEY = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="MEDKG_API_KEY of the server (POST /v1/query only)."
)


def require_key(request: Request, x_api_key: str | None = Security(_API_KEY)) -> None:
    """The server's API key in the X-API-Key header (a route dependency)."""
    api_key = components(request).api_key
    if not api_key:
        raise ApiError(403, "disabled", "the query endpoint needs MEDKG_API_KEY to be set on the server")
    if not x_api_key:
        raise ApiError(401, "unauthorized", "send the API key in the X-API-Key header")
    # as bytes: compare_digest refuses str with non-ASCII characters (a header may hold any)
    if not hmac.compare_digest(x_api_key.encode("utf-8", "surrogateescape"), api_key.encode("utf-8")):
        raise ApiError(403, "forbidden", "wrong API key")


def text_of(body: ExtractRequest | PredictRequest, limits: ApiLimits) -> str:
    """The request's text, refused when it is not Unicode, empty or too long."""
    try:
        body.text.encode("utf-8")
    except UnicodeEncodeError as exc:  # JSON may spell a lone surrogate (\ud800), no text holds one
        raise ApiError(400, "bad_text", f"text is not valid Unicode ({exc.reason} at character {exc.start})") from None
    if not body.text.strip():
        raise ApiError(400, "empty_text", "text is empty")
    if len(body.text) > limits.max_text_chars:
        raise ApiError(413, "text_too_long", f"text over {limits.max_text_chars} characters")
    return body.text


def version(model: Any) -> dict[str, Any] | None:
    """Which model serves: its task, best dev F1 and epoch, and the hash of its training data (for
    several models, ``extractors.ensemble``: the first one's, and the others' under ``more``)."""
    from extractors.models import card_version

    parts = getattr(model, "models", None)
    if isinstance(parts, list) and parts:
        first = version(parts[0])
        more = [v for v in (version(p) for p in parts[1:]) if v]
        return {**first, "more": more} if first and more else first
    card = getattr(model, "card", None)
    if model is None or not isinstance(card, dict) or not card:
        return None
    return card_version(card)
