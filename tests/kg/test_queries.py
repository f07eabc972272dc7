"""Every query of docs/queries.md runs on both stores and gives the same rows."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from kg.store import GraphStore
from kg.types import Entity, PhenotypeAnnotation
from readers import read_documents

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
_BLOCK = re.compile(r"<!-- params: (\{.*?\}) -->\s*```cypher\n(.*?)```", re.DOTALL)
QUERIES = [(json.loads(p), q.strip()) for p, q in _BLOCK.findall((ROOT / "docs" / "queries.md").read_text())]


def _fill(store: GraphStore) -> None:
    docs = list(read_documents(DATA / "sample.pubtator")) + list(
        read_documents(DATA / "biored_sample.pubtator")
    )  # + genes, variants
    store.load_documents([replace(d, year=2005) for d in docs])
    store.load_entities(
        [
            Entity("MONDO:0005015", "diabetes mellitus", "biolink:Disease"),
            Entity(
                "MESH:D003924",
                "type 2 diabetes mellitus",
                "biolink:Disease",
                ("MONDO:0005148", "DOID:9352"),
                ("MONDO:0005015",),
            ),
            Entity("OMIM:100001", "disease one", "biolink:Disease"),
            Entity("OMIM:100002", "disease two", "biolink:Disease"),
            Entity("HP:0001250", "Seizure", "biolink:PhenotypicFeature"),
        ]
    )
    store.load_phenotypes(
        [
            PhenotypeAnnotation("OMIM:100001", "HP:0001250", 0.5, "HPO"),
            PhenotypeAnnotation("OMIM:100002", "HP:0001250", 0.9, "HPO", ("9307274",)),
        ]
    )


def test_the_document_has_at_least_ten_queries() -> None:
    assert len(QUERIES) >= 10


@pytest.mark.neo4j
def test_every_documented_query_runs_on_both_stores_alike(embedded_store: GraphStore, neo4j_store: GraphStore) -> None:
    for s in (embedded_store, neo4j_store):
        _fill(s)
    for params, cypher in QUERIES:
        rows = embedded_store.query(cypher, params)
        assert rows, f"no rows for:\n{cypher}"
        assert rows == neo4j_store.query(cypher, params), cypher


@pytest.mark.neo4j
def test_the_example_queries_medkg_run_prints_run_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore
) -> None:
    from kg.queries import EXAMPLE_QUERIES, TOP_CAUSES

    for s in (embedded_store, neo4j_store):
        _fill(s)
    for title, cypher in {
        **EXAMPLE_QUERIES,
        "the ten best-supported chemical -> disease relations": TOP_CAUSES,
    }.items():
        rows = embedded_store.query(cypher)
        assert rows, title
        assert rows == neo4j_store.query(cypher), title
