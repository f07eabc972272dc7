"""The API through TestClient, on real small components: an embedded store, a tiny NER model and
a term index built from the test vocabularies."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import ApiLimits, create_app
from diagnosis.diagnoser import Diagnoser
from diagnosis.model import GraphRanker
from extractors.ner import label_list
from kg.types import Entity
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_ctd_diseases
from ontologies.normalizer import Normalizer
from readers import read_documents
from tests.diagnosis.helpers import builder, records
from tests.extractors.helpers import tiny_ner as _tiny_model
from tests.extractors.helpers import tiny_tokenizer as _tiny_tokenizer

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture()
def client(embedded_store, tmp_path: Path) -> TestClient:  # type: ignore[no-untyped-def]
    embedded_store.load_documents(list(read_documents(DATA / "sample.pubtator")))
    hpo = records()
    embedded_store.load_entities(hpo.entities)
    embedded_store.load_phenotypes(hpo.annotations)
    ctd, _ = load_ctd_diseases(DATA / "mini_ctd.tsv")
    normalizer = Normalizer(TermIndex(merge_concepts(ctd), []))
    ner = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    ner.card = {
        "task": "ner",
        "metrics": {"dev": {"micro": {"f1": 71.5}}, "best_epoch": 2},
        "data_hash": "0123456789abcdef",
    }
    diagnoser = _diagnoser(tmp_path)
    diagnoser.ranker.card = {"task": "diagnosis", "metrics": {"dev": {"acc@1": 80.5}, "best_epoch": 1}}
    app = create_app(
        embedded_store,
        ner=ner,
        normalizer=normalizer,
        diagnoser=diagnoser,
        api_key="s3cret",
        limits=ApiLimits(max_body_bytes=20_000, max_text_chars=5_000, max_rows=3),
    )
    return TestClient(app)


def _diagnoser(tmp_path: Path) -> Diagnoser:
    """The small HPO graph of tests/data with an (untrained) tiny cross-encoder: real code paths."""
    from transformers import BertConfig, BertForSequenceClassification

    tok = _tiny_tokenizer(tmp_path)
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    return Diagnoser(
        builder(),
        GraphRanker(BertForSequenceClassification(config), tok, max_length=96, fusion_weight=1.0),
        candidates=5,
        rerank=3,
    )


KEY = {"X-API-Key": "s3cret"}


def test_health_ready_and_docs(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "models": {
            "ner": {"task": "ner", "dev_f1": 71.5, "best_epoch": 2, "data_hash": "0123456789ab"},
            "relations": None,
            "diagnosis": {"task": "diagnosis", "dev_f1": None, "dev_acc": 80.5, "best_epoch": 1, "data_hash": None},
        },
    }
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["store"]
    assert client.get("/openapi.json").json()["info"]["title"] == "medkg"


def test_predict_ranks_diagnoses_with_evidence_and_entities(client: TestClient) -> None:
    text = "A 15-year-old with long slender fingers, a dislocated lens and aortic dilatation."
    body = client.post("/v1/predict", json={"text": text, "top_k": 2}).json()
    assert [e["curie"] for e in body["entities"]] == ["HP:0001166", "HP:0001083", "HP:0002616"]
    assert body["entities"] and all(text[e["start"] : e["end"]] == e["text"] for e in body["entities"])
    assert len(body["diagnoses"]) == 2 and body["diagnoses"][0]["score"] >= body["diagnoses"][1]["score"]
    marfan = next(d for d in body["diagnoses"] if d["curie"] == "OMIM:154700")
    assert marfan["name"] == "Marfan syndrome" and marfan["phenotype_similarity"] > 0
    assert {"fact", "curies", "pmids", "source", "matches_case"} <= set(marfan["evidence"][0])
    assert "1852208" in {p for e in marfan["evidence"] for p in e["pmids"]}
    assert body["setting"] == "rare"  # the default
    general = client.post("/v1/predict", json={"text": text, "top_k": 2, "setting": "general"}).json()
    assert general["setting"] == "general" and general["diagnoses"]


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"text": ""}, 400, "empty_text"),
        ({"text": "x" * 6000}, 413, "text_too_long"),
        ({"text": "fever", "top_k": 0}, 422, "bad_request"),
        ({"text": "fever", "top_k": "many"}, 422, "bad_request"),
        ({"case": "fever"}, 422, "bad_request"),
        ({"text": "fever", "setting": "clinic"}, 422, "bad_request"),
    ],
)
def test_predict_bad_inputs(client: TestClient, payload: dict, status: int, error: str) -> None:
    r = client.post("/v1/predict", json=payload)
    assert r.status_code == status and r.json()["error"] == error and r.json()["detail"]


def test_predict_without_a_diagnosis_model_is_not_ready(embedded_store) -> None:  # type: ignore[no-untyped-def]
    bare = TestClient(create_app(embedded_store))
    r = bare.post("/v1/predict", json={"text": "seizures"})
    assert r.status_code == 503 and "medkg train diagnosis" in r.json()["detail"]
    ready = bare.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["diagnosis"] is False
    assert ready.json()["checks"]["diagnosis_general"] is False


def test_without_a_diagnosis_model_the_general_setting_answers_and_the_rare_one_says_what_is_missing(
    embedded_store,  # type: ignore[no-untyped-def]
) -> None:
    general_only = TestClient(create_app(embedded_store, diagnoser=Diagnoser(builder())))
    text = "A 15-year-old with long slender fingers, a dislocated lens and aortic dilatation."
    r = general_only.post("/v1/predict", json={"text": text, "setting": "general", "top_k": 3})
    assert r.status_code == 200, r.text
    assert r.json()["setting"] == "general" and r.json()["diagnoses"][0]["curie"] == "OMIM:154700"
    rare = general_only.post("/v1/predict", json={"text": text})
    assert rare.status_code == 503 and rare.json()["error"] == "not_ready"
    assert "medkg train diagnosis" in rare.json()["detail"] and "general setting" in rare.json()["detail"]
    checks = general_only.get("/ready").json()["checks"]
    assert checks["diagnosis_general"] is True and checks["diagnosis"] is False


def test_extract_returns_mentions_with_offsets(client: TestClient) -> None:
    text = "Lidocaine-induced cardiac asystole with hypotension."
    body = client.post("/v1/extract", json={"text": text}).json()
    assert "mentions" in body and "relations" in body
    for m in body["mentions"]:
        assert text[m["start"] : m["end"]] == m["text"]
        assert all(g["taxon"] == "" for g in m["groundings"])  # a gene's species; none for these


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"text": "   "}, 400, "empty_text"),
        ({"text": "x" * 6000}, 413, "text_too_long"),
        ({"txt": "a"}, 422, "bad_request"),
    ],
)
def test_extract_bad_inputs(client: TestClient, payload: dict, status: int, error: str) -> None:
    r = client.post("/v1/extract", json=payload)
    assert r.status_code == status and r.json()["error"] == error and r.json()["detail"]


def test_bad_json_and_huge_body(client: TestClient) -> None:
    r = client.post("/v1/extract", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "bad_request"
    r = client.post("/v1/extract", content=b"{" + b" " * 30_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413

    def chunks():  # a chunked body (no Content-Length): refused once the limit is passed, never read whole
        sent = 0
        while sent < 10_000_000:
            sent += 10_000
            yield b" " * 10_000

    r = client.post("/v1/extract", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"


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
    # what one client sends never breaks the next request of another
    for hostile, status in (
        (("MATCH (e:Entity) RETURN e.curie; RETURN 1"), 403),
        ("CALL timeout=1", 403),
        ("CALL threads=1", 403),
    ):
        r = client.post("/v1/query", json={"cypher": hostile}, headers=KEY)
        assert r.status_code == status and r.json()["error"] == "refused", hostile
        assert client.get("/ready").status_code == 200
        assert client.get("/v1/entities/MESH:D008012").status_code == 200
    assert (
        client.post("/v1/query", json=q, headers={"X-API-Key": "cl\u00e9".encode("latin-1")}).status_code == 403
    )  # non-ASCII key: refused, no 500
    surrogate = client.post(
        "/v1/extract", content=b'{"text": "lidocaine \\ud800 asystole"}', headers={"content-type": "application/json"}
    )
    assert surrogate.status_code == 400 and surrogate.json()["error"] == "bad_text"
    mixed = client.post("/v1/query", json={"cypher": "RETURN $x AS x", "params": {"x": [1, "a"]}}, headers=KEY)
    assert mixed.status_code == 400 and client.get("/ready").status_code == 200


def test_entity_with_neighbours_and_unknown(client: TestClient) -> None:
    body = client.get("/v1/entities/MESH:D008012").json()
    assert body["curie"] == "MESH:D008012" and body["articles"] == 1
    assert client.get("/v1/entities/mesh:D008012").json()["curie"] == "MESH:D008012"  # any case of the prefix
    assert body["neighbours"][0]["curie"] == "MESH:D006323" and body["neighbours"][0]["evidence"] == 1
    assert body["in_taxon"] is None  # a chemical has no species
    r = client.get("/v1/entities/MESH:D000000")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert client.get("/v1/entities/nocolon").status_code == 400


def test_a_gene_entity_says_its_species(client: TestClient, embedded_store) -> None:  # type: ignore[no-untyped-def]
    embedded_store.load_entities([Entity("NCBIGene:21926", "Tnf", "biolink:Gene", taxon="NCBITaxon:10090")])
    body = client.get("/v1/entities/NCBIGene:21926").json()
    assert (body["name"], body["in_taxon"]) == ("Tnf", "NCBITaxon:10090")


def test_entity_lists_hpo_phenotypes_with_frequency_and_pmids(client: TestClient) -> None:
    body = client.get("/v1/entities/OMIM:154700", params={"limit": 2}).json()
    assert body["name"] == "Marfan syndrome" and body["neighbour_count"] == 6 and len(body["neighbours"]) == 2
    top = body["neighbours"][0]
    assert (
        top["predicate"] == "biolink:has_phenotype"
        and top["direction"] == "out"
        and top["pmids"]
        and top["frequency"] is not None
    )
    seizure = client.get("/v1/entities/HP:0001250").json()
    assert {n["curie"] for n in seizure["neighbours"] if n["direction"] == "in"} == {"OMIM:162200", "OMIM:251200"}
    assert seizure["parents"] == [{"curie": "HP:0000707", "name": "Abnormality of the nervous system"}]
    assert client.get("/v1/entities/OMIM:154700", params={"limit": 0}).status_code == 422


def test_a_hostile_client_holds_up_no_benign_one(embedded_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A live server (uvicorn on a free loopback port), several clients at once: while one client
    sends queries that run until the store's timeout stops them, the others' entity lookups and
    health checks still answer at once, and every hostile query ends as a typed 400."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    embedded_store.load_documents(list(read_documents(DATA / "sample.pubtator")))
    embedded_store.query_timeout_s = 3
    app = create_app(embedded_store, api_key="s3cret")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    slow = (
        "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x + y AS z WHERE z % 3 = 0 RETURN count(*) AS n"
    )
    hostile: list[int] = []

    def attack() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for _ in range(2):
                hostile.append(http.post("/v1/query", json={"cypher": slow}, headers=KEY).status_code)

    attackers = [threading.Thread(target=attack) for _ in range(2)]
    for t in attackers:
        t.start()
    time.sleep(0.5)
    benign: list[tuple[float, int, int]] = []
    with httpx.Client(base_url=url, timeout=60) as http:
        while any(t.is_alive() for t in attackers):
            t0 = time.monotonic()
            entity, health = http.get("/v1/entities/MESH:D008012").status_code, http.get("/health").status_code
            benign.append((time.monotonic() - t0, entity, health))
    for t in attackers:
        t.join()
    server.should_exit = True
    assert {(e, h) for _, e, h in benign} == {(200, 200)}
    assert hostile == [400, 400, 400, 400]
    assert len(benign) > 10 and max(t for t, _, _ in benign) < 1.5, (len(benign), max(benign))


def test_openapi_describes_the_real_responses(client: TestClient) -> None:
    """Every answer below, success or error, validates against the schema /openapi.json gives for
    its path, method and status; the API key is a security scheme (the Authorize button of /docs)."""
    import jsonschema

    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "MEDKG_API_KEY of the server (POST /v1/query only).",
    }
    assert spec["paths"]["/v1/query"]["post"]["security"] == [{"APIKeyHeader": []}]
    calls = [
        ("get", "/health", "/health", None, {}),
        ("get", "/ready", "/ready", None, {}),
        (
            "post",
            "/v1/predict",
            "/v1/predict",
            {"text": "Seizures and developmental delay since infancy.", "top_k": 3},
            {},
        ),
        ("post", "/v1/predict", "/v1/predict", {"text": "  "}, {}),
        ("post", "/v1/predict", "/v1/predict", {"text": "fever", "top_k": 0}, {}),
        ("post", "/v1/extract", "/v1/extract", {"text": "Lidocaine-induced cardiac asystole."}, {}),
        ("post", "/v1/extract", "/v1/extract", {"text": "x" * 6_000}, {}),
        ("post", "/v1/query", "/v1/query", {"cypher": "MATCH (e:Entity) RETURN e.curie AS c"}, KEY),
        ("post", "/v1/query", "/v1/query", {"cypher": "RETURN 1"}, {}),
        ("post", "/v1/query", "/v1/query", {"cypher": "CREATE (e:Entity)"}, KEY),
        ("post", "/v1/query", "/v1/query", {"cypher": "MATCH (e:Entity {curie: $c}) RETURN e"}, KEY),
        ("get", "/v1/entities/MESH:D008012", "/v1/entities/{curie}", None, {}),
        ("get", "/v1/entities/mesh:D999", "/v1/entities/{curie}", None, {}),
        ("get", "/v1/entities/aspirin", "/v1/entities/{curie}", None, {}),
    ]
    seen = set()
    for method, url, path, body, headers in calls:
        r = client.request(method, url, json=body, headers=headers)
        documented = spec["paths"][path][method]["responses"]
        assert str(r.status_code) in documented, (url, r.status_code, sorted(documented))
        schema = documented[str(r.status_code)]["content"]["application/json"]["schema"]
        jsonschema.validate(r.json(), {**schema, "components": spec["components"]})
        seen.add(r.status_code)
    assert seen == {200, 400, 401, 403, 404, 413, 422}
