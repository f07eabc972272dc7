"""The API's routes, by what they serve: the service's state, the models, the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.components import Components, components, require_key, text_of, version
from api.errors import ApiError, error_responses
from api.schemas import (
    EntityAnswer,
    Extraction,
    ExtractRequest,
    Health,
    Prediction,
    PredictRequest,
    QueryRequest,
    QueryResult,
    Ready,
)
from extractors.ensemble import reads_correlations
from kg.curies import canonical_curie
from kg.errors import QueryRefused, QueryTimeout, StoreError
from kg.types import Document
from ontologies.treatment import separate_treatments

Served = Annotated[Components, Depends(components)]  # what a route serves with

service = APIRouter(tags=["service"])
models = APIRouter(prefix="/v1", tags=["models"])
graph = APIRouter(prefix="/v1", tags=["graph"])


@service.get("/health", response_model=Health, response_model_exclude_unset=True, responses=error_responses())
def health(c: Served) -> dict[str, Any]:
    """Alive, and which model versions serve."""
    ranker = getattr(c.diagnoser, "ranker", None)
    return {
        "status": "ok",
        "models": {"ner": version(c.ner), "relations": version(c.relations), "diagnosis": version(ranker)},
    }


@service.get(
    "/ready",
    response_model=Ready,
    responses={**error_responses(), 503: {"model": Ready, "description": "A component is missing."}},
)
def ready(c: Served) -> JSONResponse:
    checks = {
        "ner": c.ner is not None,
        "normalizer": c.normalizer is not None,
        "relations": c.relations is not None,
        "diagnosis": c.diagnoser is not None and c.diagnoser.serves("rare"),  # the model: every setting
        "diagnosis_general": c.diagnoser is not None and c.diagnoser.serves("general"),
        "store": c.store.reachable(),
    }
    ok = checks["store"] and checks["ner"] and checks["normalizer"] and checks["diagnosis"]
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)


@models.post("/predict", response_model=Prediction, responses=error_responses(400, 413, 422, 503))
def predict(body: PredictRequest, c: Served) -> dict[str, Any]:
    """Ranked diagnoses for a case, each with the graph facts (CURIEs, PMIDs) behind it, and the
    entities found in the text."""
    text = text_of(body, c.limits)
    if c.diagnoser is None:
        raise ApiError(
            503,
            "not_ready",
            "no disease graph is loaded: run `medkg load-hpo` (the general setting), then `medkg train diagnosis` "
            "(the rare setting)",
        )
    if not c.diagnoser.serves(body.setting):
        raise ApiError(
            503,
            "not_ready",
            f"the {body.setting} setting needs a diagnosis model; train one with `medkg train diagnosis` (the general "
            "setting answers without one)",
        )
    with c.models_lock:
        result = c.diagnoser.diagnose(text, body.top_k, body.setting)
    return dict(result.to_json())


@models.post("/extract", response_model=Extraction, responses=error_responses(400, 413, 422, 503))
def extract(body: ExtractRequest, c: Served) -> dict[str, Any]:
    text = text_of(body, c.limits)
    if c.ner is None or c.normalizer is None:
        raise ApiError(503, "not_ready", "the NER model or the normalizer is not loaded")
    with c.models_lock:
        docs = c.normalizer.normalize_predicted(
            c.ner.predict([Document("request", text)])
        )  # as the ingest pipeline does
        if c.relations is not None:
            docs = separate_treatments(c.relations.predict(docs), c.normalizer.index.treatment_knowledge())
            if c.cause_check is not None:
                docs = c.cause_check.apply(
                    docs, correlated=reads_correlations(getattr(c.relations, "models", [c.relations]))
                )
    doc = docs[0]
    return {
        "mentions": [m.to_json() for m in doc.mentions],
        "relations": [r.to_json(text) for r in doc.relations],
    }


@graph.post(
    "/query",
    dependencies=[Depends(require_key)],
    response_model=QueryResult,
    responses=error_responses(400, 401, 403, 413, 422),
)
def query(body: QueryRequest, c: Served) -> dict[str, Any]:
    """Run a read-only Cypher query (needs the API key: the Authorize button of /docs)."""
    if not body.cypher.strip():
        raise ApiError(400, "empty_query", "cypher is empty")
    max_rows = c.limits.max_rows
    try:
        rows = c.store.query(body.cypher, body.params, max_rows=max_rows + 1)
    except QueryRefused as exc:
        raise ApiError(403, "refused", str(exc)) from None
    except QueryTimeout as exc:
        raise ApiError(400, "query_timeout", str(exc)) from None
    except StoreError as exc:
        raise ApiError(400, "query_failed", str(exc)) from None
    return {"rows": rows[:max_rows], "row_count": min(len(rows), max_rows), "truncated": len(rows) > max_rows}


@graph.get("/entities/{curie:path}", response_model=EntityAnswer, responses=error_responses(400, 404, 422))
def entity(
    curie: str,
    c: Served,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Neighbours to return, best supported first.")] = 100,
) -> dict[str, Any]:
    if ":" not in curie:
        raise ApiError(400, "bad_curie", f"{curie!r} is not a CURIE (prefix:local)")
    curie = canonical_curie(curie)  # mesh:D008012 is MESH:D008012
    card = c.store.entity_card(curie, limit)
    if card is None:
        raise ApiError(404, "not_found", f"no entity {curie}")
    return card
