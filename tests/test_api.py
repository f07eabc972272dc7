"""The API through TestClient, on real small components: an embedded store, a tiny NER model and
a term index built from the test vocabularies."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import ApiLimits, create_app
from extractors.ner import label_list
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_ctd_diseases
from ontologies.normalizer import Normalizer
from readers import read_documents
from tests.extractors.test_ner import _tiny_model

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture()
def client(embedded_store, tmp_path: Path) -> TestClient:  # type: ignore[no-untyped-def]
    embedded_store.load_documents(list(read_documents(DATA / "sample.pubtator")))
    ctd, _ = load_ctd_diseases(DATA / "mini_ctd.tsv")
    normalizer = Normalizer(TermIndex(merge_concepts(ctd), []))
    ner = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    app = create_app(embedded_store, ner=ner, normalizer=normalizer, api_key="s3cret", limits=ApiLimits(max_body_bytes=20_000, max_text_chars=5_000, max_rows=3))
    return TestClient(app)


KEY = {"X-API-Key": "s3cret"}


def test_health_ready_and_docs(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["store"]
    assert client.get("/openapi.json").json()["info"]["title"] == "medkg"


def test_extract_returns_mentions_with_offsets(client: TestClient) -> None:
    text = "Lidocaine-induced cardiac asystole with hypotension."
    body = client.post("/v1/extract", json={"text": text}).json()
    assert "mentions" in body and "relations" in body
    for m in body["mentions"]:
        assert text[m["start"] : m["end"]] == m["text"]


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [({"text": "   "}, 400, "empty_text"), ({"text": "x" * 6000}, 413, "text_too_long"), ({"txt": "a"}, 422, "bad_request")],
)
def test_extract_bad_inputs(client: TestClient, payload: dict, status: int, error: str) -> None:
    r = client.post("/v1/extract", json=payload)
    assert r.status_code == status and r.json()["error"] == error and r.json()["detail"]


def test_bad_json_and_huge_body(client: TestClient) -> None:
    r = client.post("/v1/extract", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "bad_request"
    r = client.post("/v1/extract", content=b"{" + b" " * 30_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_query_needs_the_key_and_refuses_writes(client: TestClient, embedded_store) -> None:  # type: ignore[no-untyped-def]
    q = {"cypher": "MATCH (e:Entity) RETURN e.curie AS curie ORDER BY curie"}
    assert client.post("/v1/query", json=q).status_code == 401
    assert client.post("/v1/query", json=q, headers={"X-API-Key": "wrong"}).status_code == 403
    ok = client.post("/v1/query", json=q, headers=KEY).json()
    assert ok["row_count"] == 3 and ok["truncated"] is True
    before = embedded_store.counts()
    r = client.post("/v1/query", json={"cypher": "MATCH (n) DETACH DELETE n"}, headers=KEY)
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert embedded_store.counts() == before
    bad = client.post("/v1/query", json={"cypher": "MATCH (n RETURN n"}, headers=KEY)
    assert bad.status_code == 400 and bad.json()["error"] == "query_failed"


def test_entity_with_neighbours_and_unknown(client: TestClient) -> None:
    body = client.get("/v1/entities/MESH:D008012").json()
    assert body["curie"] == "MESH:D008012" and body["articles"] == 1
    assert body["neighbours"][0]["curie"] == "MESH:D006323" and body["neighbours"][0]["evidence"] == 1
    r = client.get("/v1/entities/MESH:D000000")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert client.get("/v1/entities/nocolon").status_code == 400
