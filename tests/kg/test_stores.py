"""Both graph stores, against a real LadybugDB and a real Neo4j server."""

import contextlib
import random
from pathlib import Path

import pytest

from kg.errors import QueryInvalid, QueryRefused, QueryTimeout, StoreError
from kg.store import GraphStore
from kg.types import Document, Entity, Grounding, Mention, PhenotypeAnnotation, Provenance, Relation, Triple
from readers import read_documents

DATA = Path(__file__).resolve().parents[1] / "data"


def _docs() -> list[Document]:
    return list(read_documents(DATA / "sample.pubtator"))


def test_store_load_documents_builds_the_graph(store: GraphStore) -> None:
    store.load_documents(_docs())
    counts = store.counts()
    assert counts["nodes"]["Article"] == 2
    # 354896: lidocaine, asystole, breast + ovarian cancer (composite); the -1 mention is no entity.
    # 10491763: six entities.
    assert counts["nodes"]["Entity"] == 4 + 6
    assert counts["edges"]["MENTIONS"] == 4 + 6
    assert counts["edges"]["CAUSES"] == 1
    assert counts["edges"]["ASSOCIATED_WITH"] == 1
    assert counts["edges"]["POSITIVELY_CORRELATED_WITH"] == 1
    assert counts["categories"]["biolink:Disease"] == 4
    rows = store.query(
        "MATCH (a:Article {pmid: $pmid})-[m:MENTIONS]->(e:Entity {curie: $curie}) RETURN m.count AS n",
        {"pmid": "354896", "curie": "MESH:D008012"},
    )
    assert rows == [{"n": 2}]
    # BioRED's novelty flag rides on the evidence; a corpus without one (BC5CDR's CID) says nothing
    novelty = store.query("MATCH (v:Evidence) RETURN v.predicate AS p, v.novel AS novel ORDER BY p")
    assert novelty == [
        {"p": "biolink:associated_with", "novel": False},
        {"p": "biolink:causes", "novel": None},
        {"p": "biolink:positively_correlated_with", "novel": True},
    ]


def test_store_loading_twice_changes_no_count(store: GraphStore) -> None:
    store.load_documents(_docs())
    first = store.counts()
    edge = "MATCH (:Entity)-[r:CAUSES]->(:Entity) RETURN r.evidence_count AS n, r.pmids AS pmids"
    before = store.query(edge)
    store.load_documents(_docs())
    assert store.counts() == first
    assert store.query(edge) == before == [{"n": 1, "pmids": ["354896"]}]


def test_store_integrity_finds_nothing_in_a_sound_graph_and_each_kind_of_damage(store: GraphStore) -> None:
    store.load_documents(_docs())
    store.load_entities([Entity("HP:0000001", "All", "biolink:PhenotypicFeature")])
    store.load_phenotypes([PhenotypeAnnotation("MESH:D006323", "HP:0000001", None, "HPO")])
    assert store.integrity()["problems"] == 1  # an edge to HPO's root, which no annotation names
    store.load_documents(_docs())  # a second load writes nothing twice
    # the damage the LadybugDB defect did (BENCHMARKS.md session 17): a second copy of an edge
    store._execute(
        "MATCH (s:Entity)-[r:CAUSES]->(o:Entity) CREATE (s)-[:CAUSES {predicate: r.predicate, evidence_count: 1}]->(o)",
        {},
    )
    assert store.integrity() == {
        "duplicate_edges": {"CAUSES": 1},
        "phenotype_edges_to_hpo_root": 1,
        "literature_edges_miscounted": {"CAUSES": 1},  # two edges of one evidence each: 2 against 1
        "evidence_without_edge": 0,
        "problems": 3,
    }


def test_store_aggregates_evidence_across_articles(store: GraphStore) -> None:
    def triple(pmid: str, start: int, score: float) -> Triple:
        return Triple("MESH:D1", "biolink:causes", "MESH:D2", Provenance(pmid, start, start + 10, "s", "m1", score))

    store.load_entities(
        [Entity("MESH:D1", "drug", "biolink:ChemicalEntity"), Entity("MESH:D2", "harm", "biolink:Disease")]
    )
    store.load_triples([triple("1", 0, 0.5), triple("1", 20, 0.9)])
    store.load_triples([triple("2", 0, 0.7), triple("1", 0, 0.5)])  # the last one is a repeat
    (row,) = store.query(
        "MATCH (s:Entity)-[r:CAUSES]->(o:Entity) RETURN r.evidence_count AS n, r.pmids AS pmids, r.max_score AS best"
    )
    assert row["n"] == 3 and sorted(row["pmids"]) == ["1", "2"] and row["best"] == pytest.approx(0.9)
    assert store.counts()["nodes"]["Evidence"] == 3
    sentences = store.query(
        "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE v.subject = $s "
        "RETURN a.pmid AS pmid, v.start_char AS start ORDER BY pmid, start",
        {"s": "MESH:D1"},
    )
    assert sentences == [{"pmid": "1", "start": 0}, {"pmid": "1", "start": 20}, {"pmid": "2", "start": 0}]


def test_store_entities_with_parents_xrefs_and_phenotypes(store: GraphStore) -> None:
    store.load_entities(
        [
            Entity(
                "MONDO:0005148",
                "type 2 diabetes mellitus",
                "biolink:Disease",
                ("MESH:D003924", "DOID:9352"),
                ("MONDO:0005015",),
            ),
            Entity("MONDO:0005015", "diabetes mellitus", "biolink:Disease"),
        ]
    )
    store.load_entities(
        [
            Entity(
                "MONDO:0005148",
                "type 2 diabetes mellitus",
                "biolink:Disease",
                ("MESH:D003924", "DOID:9352"),
                ("MONDO:0005015",),
            )
        ]
    )
    store.load_phenotypes([PhenotypeAnnotation("MONDO:0005148", "HP:0003074", 0.8, "HPO")] * 2)
    counts = store.counts()
    assert counts["nodes"]["Entity"] == 3
    assert counts["edges"] == {"SUBCLASS_OF": 1, "HAS_PHENOTYPE": 1}
    (row,) = store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.xrefs AS xrefs, p.name AS parent")
    assert row == {"xrefs": ["MESH:D003924", "DOID:9352"], "parent": "diabetes mellitus"}
    (freq,) = store.query("MATCH (:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN h.frequency AS f, p.curie AS hp")
    assert freq == {"f": pytest.approx(0.8), "hp": "HP:0003074"}


def test_a_gene_keeps_its_species_and_a_load_that_does_not_know_it_leaves_it(store: GraphStore) -> None:
    text = "Tnf rose in mice."
    tnf = Mention(
        0, 3, "Tnf", "Gene", groundings=(Grounding("NCBIGene:21926", "Tnf", 1.0, "medkg", "NCBITaxon:10090"),)
    )
    mice = Mention(11, 15, "mice", "Species", groundings=(Grounding("NCBITaxon:10090", "Mus musculus"),))
    store.load_documents([Document("1", text, mentions=(tnf, mice), pmid="1")])
    store.load_documents(
        [Document("2", text, mentions=(Mention(0, 3, "Tnf", "Gene", ids=("NCBIGene:21926",)),), pmid="2")]
    )
    rows = store.query("MATCH (e:Entity) RETURN e.curie AS curie, e.in_taxon AS taxon ORDER BY curie")
    assert rows == [
        {"curie": "NCBIGene:21926", "taxon": "NCBITaxon:10090"},  # gold ids of the second article say no species
        {"curie": "NCBITaxon:10090", "taxon": None},
    ]
    (gene,) = store.query("MATCH (g:Entity {in_taxon: 'NCBITaxon:10090'}) RETURN g.name AS name")
    assert gene == {"name": "Tnf"}
    assert store.entity_card("NCBIGene:21926")["in_taxon"] == "NCBITaxon:10090"  # /v1/entities says it too


def test_store_keeps_every_is_a_edge_of_a_hierarchy(store: GraphStore) -> None:
    """An ontology in file order: terms often name parents that come later, and many terms share
    a parent (the embedded store used to fold such rows and lose their edges: about one in six here)."""
    import random

    rng = random.Random(0)
    n = 500
    entities = [
        Entity(
            f"T:{i}",
            f"term {i}",
            "biolink:PhenotypicFeature",
            parents=tuple(sorted({f"T:{rng.randrange(i + 1, n + 50)}" for _ in range(rng.choice((1, 1, 2, 3)))})),
        )
        for i in range(n)
    ]
    store.load_entities(entities)
    expected = {(e.curie, p) for e in entities for p in e.parents}
    rows = store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p", max_rows=None)
    assert len(expected) > n and {(r["c"], r["p"]) for r in rows} == expected
    assert store.counts()["edges"]["SUBCLASS_OF"] == len(expected)


@pytest.mark.parametrize(
    "cypher",
    [
        "MATCH (n) DETACH DELETE n",
        "CREATE (:Entity {curie: 'X:1'})",
        "MATCH (e:Entity) SET e.name = 'x'",
        "merge (e:Entity {curie: 'X:2'})",
    ],
)
def test_store_query_refuses_writes_and_leaves_the_graph_unchanged(store: GraphStore, cypher: str) -> None:
    store.load_documents(_docs())
    before = store.counts()
    with pytest.raises(StoreError, match="read-only"):
        store.query(cypher)
    assert store.counts() == before


def test_store_query_allows_write_words_inside_strings(store: GraphStore) -> None:
    store.load_documents(_docs())
    rows = store.query("MATCH (e:Entity) WHERE e.name <> 'CREATE or DELETE' RETURN count(e) AS n")
    assert rows == [{"n": 10}]


def test_store_query_errors_are_store_errors(store: GraphStore) -> None:
    with pytest.raises(StoreError):
        store.query("MATCH (n RETURN n")


@pytest.mark.parametrize(
    ("cypher", "params", "error", "message"),
    [
        ("MATCH (n:Entity) RETURN count(n) AS n; RETURN 1 AS x", None, QueryRefused, "one statement per query"),
        ("CALL timeout=1", None, QueryRefused, "settings"),
        ("CALL threads=1", None, QueryRefused, "settings"),
        ("UNWIND range(1, 2000000000) AS x RETURN count(*) AS n", None, QueryRefused, "2,000,000,000 values"),
        ("UNWIND range($a, $b, 2) AS x RETURN count(*) AS n", {"a": 0, "b": 10**9}, QueryRefused, "500,000,001 values"),
        ("MATCH (e:Entity {curie: $c}) RETURN e.name", None, QueryInvalid, "missing parameter"),
        ("RETURN $x AS x", {"x": [1, "a"]}, None, ""),  # a list of mixed types: Neo4j takes it, LadybugDB does not
        ("MATCH (n RETURN n", None, StoreError, ""),
    ],
)
def test_a_failed_query_leaves_the_store_serving_the_next_one(
    store: GraphStore, cypher: str, params: dict | None, error: type[Exception] | None, message: str
) -> None:
    store.load_documents(_docs())
    if error is None:
        with contextlib.suppress(StoreError):
            store.query(cypher, params)
    else:
        with pytest.raises(error, match=message or None):
            store.query(cypher, params)
    assert store.query("MATCH (a:Article) RETURN count(a) AS n") == [{"n": 2}]


def test_query_rows_are_bounded_and_slow_queries_stopped(store: GraphStore) -> None:
    rows = store.query("UNWIND range(1, 1000000) AS x RETURN x", max_rows=1001)
    assert len(rows) == 1001
    store.query_timeout_s = 0.5  # type: ignore[attr-defined]
    with pytest.raises(QueryTimeout, match="ran over 0.5 s"):
        store.query(
            "UNWIND range(1, 20000) AS x UNWIND range(1, 20000) AS y WITH x + y AS z WHERE z % 3 = 0 RETURN count(*) "
            "AS n"
        )
    store.query_timeout_s = 60  # type: ignore[attr-defined]
    assert store.query("RETURN 1 AS ok") == [{"ok": 1}]


def test_a_slow_query_holds_up_no_other_thread(store: GraphStore) -> None:
    """The API's request threads share one store: queries stopped by the timeout after 3 s must
    not delay a small query of another thread (the embedded store reads on a connection per
    thread, and its worker pool is larger than the cores)."""
    import threading
    import time

    store.load_documents(_docs())
    store.query_timeout_s = 3  # type: ignore[attr-defined]
    slow = (
        "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x + y AS z WHERE z % 3 = 0 RETURN count(*) AS n"
    )
    failed: list[BaseException] = []

    def hostile() -> None:
        try:
            store.query(slow)
        except QueryTimeout as exc:
            failed.append(exc)

    threads = [threading.Thread(target=hostile) for _ in range(3)]  # more slow queries than cores
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    took = []
    for _ in range(5):
        t0 = time.monotonic()
        assert store.query("MATCH (a:Article) RETURN count(a) AS n") == [{"n": 2}]
        took.append(time.monotonic() - t0)
    for thread in threads:
        thread.join()
    store.query_timeout_s = 60  # type: ignore[attr-defined]
    assert len(failed) == 3 and max(took) < 1.5, took


@pytest.mark.neo4j
@pytest.mark.shared_data
def test_both_stores_hold_the_same_graph(
    embedded_store: GraphStore, neo4j_store: GraphStore, shared_data: Path
) -> None:
    path = shared_data / "corpora/biored/Dev.PubTator"
    docs = list(read_documents(path))[:30]
    for s in (embedded_store, neo4j_store):
        s.load_documents(docs)
    assert embedded_store.counts() == neo4j_store.counts()
    q = (
        "MATCH (s:Entity)-[r:ASSOCIATED_WITH]->(o:Entity) "
        "RETURN s.curie AS subject, o.curie AS object, r.evidence_count AS n ORDER BY subject, object"
    )
    assert embedded_store.query(q) == neo4j_store.query(q)
    # BioRED's novelty flag: the evidence of a relation the abstract reports as its own finding
    q = "MATCH (v:Evidence) RETURN v.novel AS novel, count(*) AS n ORDER BY novel"
    novelty = embedded_store.query(q)
    assert novelty == neo4j_store.query(q)
    assert {r["novel"] for r in novelty} == {True, False} and all(r["n"] > 0 for r in novelty)
    gene = embedded_store.query(
        "MATCH (e:Entity {category: 'biolink:Gene'})-[r]-(:Entity) RETURN e.curie AS c, count(r) AS n "
        "ORDER BY n DESC, c LIMIT 1"
    )[0]["c"]
    card = embedded_store.entity_card(gene, limit=5)
    assert card is not None and card == neo4j_store.entity_card(
        gene, limit=5
    )  # what /v1/entities answers, on either store
    assert (
        card["neighbour_count"] > 0
        and len(card["neighbours"]) <= 5
        and embedded_store.entity_card("NCBIGene:0") is None
    )


def test_documents_with_only_text_load_as_articles(store: GraphStore) -> None:
    doc = Document("500", "Just a title.", pmid="500", title="Just a title.", year=2020)
    store.load_documents([doc])
    assert store.query("MATCH (a:Article) RETURN a.pmid AS pmid, a.year AS year") == [{"pmid": "500", "year": 2020}]


def test_mention_rejects_an_empty_span() -> None:
    with pytest.raises(ValueError, match="bad mention span"):
        Mention(5, 5, "", "Disease")


def test_relation_types_map_to_biolink() -> None:
    from kg.schema import entity_type, predicate

    assert predicate("Positive_Correlation").curie == "biolink:positively_correlated_with"
    assert entity_type("SpecificDisease").label == "Disease"
    assert Relation("a", "CID", "b").novel is None


def test_store_delete_articles_recounts_and_leaves_no_orphan(store: GraphStore) -> None:
    docs = _docs()
    twin = Document("999", docs[0].text, mentions=docs[0].mentions, relations=docs[0].relations, pmid="999")
    store.load_documents([*docs, twin])
    edge = "MATCH (:Entity)-[r:CAUSES]->(:Entity) RETURN r.evidence_count AS n, r.pmids AS pmids"
    assert store.query(edge)[0]["n"] == 2
    assert store.article_hashes(["354896", "nope"]) == {"354896": docs[0].content_hash}
    assert store.delete_articles(["354896"]) == 1
    assert store.query(edge) == [{"n": 1, "pmids": ["999"]}]
    store.delete_articles(["999", "10491763"])
    counts = store.counts()
    assert counts["nodes"] == {} and counts["edges"] == {}
    store.load_documents(docs)  # and back
    assert store.counts()["nodes"]["Article"] == 2


def test_embedded_store_opens_read_only_in_several_processes_at_once(tmp_path: Path) -> None:
    """What `medkg serve --workers N` and `medkg query` rely on: readers share the graph, and a
    read-only store refuses writes."""
    import subprocess
    import sys

    from kg.embedded_store import EmbeddedStore

    path = tmp_path / "graph"
    with pytest.raises(StoreError, match="no embedded graph"):
        EmbeddedStore(path, read_only=True)
    with EmbeddedStore(path) as writer:
        writer.load_documents(_docs())
        expected = writer.counts()
    with EmbeddedStore(path, read_only=True) as a, EmbeddedStore(path, read_only=True) as b:
        assert a.counts() == b.counts() == expected
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    f"from kg.embedded_store import EmbeddedStore; print(EmbeddedStore({str(path)!r}, "
                    "read_only=True).counts())"
                ),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert other.returncode == 0, other.stderr
        with pytest.raises(StoreError):
            a.load_documents(_docs())


@pytest.mark.parametrize("step", ["load_entities", "load_mentions", "load_triples", "hash"])
def test_a_load_killed_at_any_write_is_redone_by_the_next_run(
    store: GraphStore, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content hash is written last: an article whose load died part-way has none, so the
    next ingestion run sees it as changed, removes what half-arrived and loads it again, and the
    graph ends as a clean load leaves it."""
    from kg.store import article_key

    docs = _docs()
    store.load_documents(docs)
    clean = store.counts()
    edges = (
        "MATCH (s:Entity)-[r]->(o:Entity) RETURN s.curie AS subject, o.curie AS object, r.evidence_count AS n "
        "ORDER BY subject, object"
    )
    clean_edges = store.query(edges)
    store.clear()

    class Killed(Exception):
        pass

    name = "load_articles" if step == "hash" else step
    real = getattr(store, name)
    calls = []

    def dies(*args: object, **kwargs: object) -> int:
        calls.append(1)
        if step != "hash" or len(calls) == 2:  # "hash": the second article write, the one with the hashes
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(store, name, dies)
    with pytest.raises(Killed):
        store.load_documents(docs)
    monkeypatch.setattr(store, name, real)
    known = store.article_hashes([article_key(d) for d in docs])
    redo = [d for d in docs if known.get(article_key(d)) != d.content_hash]  # what flows.ingest does
    assert redo == docs
    store.delete_articles([article_key(d) for d in redo])
    store.load_documents(redo)
    assert store.counts() == clean and store.query(edges) == clean_edges


@pytest.mark.slow
def test_embedded_store_reloads_more_edges_than_a_node_group_holds(tmp_path: Path) -> None:
    """LadybugDB 0.22 corrupts a relationship table when it checkpoints properties SET on existing
    edges and one node group holds more than 2**17 of them (a second HPO load pointed 48,757 edges at
    HP:0000001 and duplicated 111,294). The store never updates an edge in place: a second load must
    leave exactly the same pairs, with the new properties, also once reopened. This shape (targets
    loaded before sources, 50,000 nodes, 135,000 edges) failed before the fix; 5,000 nodes did not."""
    from kg.embedded_store import EmbeddedStore

    diseases, phenotypes = [f"OMIM:{i:06d}" for i in range(30_000)], [f"HP:{i:07d}" for i in range(20_000)]
    rng = random.Random(0)
    pairs = list({(rng.choice(diseases), rng.choice(phenotypes)) for _ in range(2**17 + 4000)})
    rng.shuffle(pairs)

    def annotations(frequency: float) -> list[PhenotypeAnnotation]:
        return [PhenotypeAnnotation(d, p, frequency, "HPO") for d, p in pairs]

    def edges(store: EmbeddedStore) -> dict[tuple[str, str], float]:
        rows = store.query(
            "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, h.frequency AS f"
        )
        assert len(rows) == len(pairs)  # no duplicate edge
        return {(r["d"], r["p"]): r["f"] for r in rows}

    store = EmbeddedStore(tmp_path / "graph", query_timeout_s=None)
    store.load_entities(Entity(c, c, "biolink:PhenotypicFeature") for c in phenotypes)
    store.load_entities(Entity(c, c, "biolink:Disease") for c in diseases)
    store.load_phenotypes(annotations(0.5))
    store.load_phenotypes(annotations(0.25))
    assert edges(store) == dict.fromkeys(pairs, 0.25)
    store.close()
    with EmbeddedStore(tmp_path / "graph", read_only=True, query_timeout_s=None) as reopened:
        assert edges(reopened) == dict.fromkeys(pairs, 0.25)


def test_store_prune_phenotypes_removes_only_the_stale_edges_of_one_source(store: GraphStore) -> None:
    store.load_phenotypes(
        [
            PhenotypeAnnotation("DOID:1", "HP:0001250", None, "DOID subtypes"),
            PhenotypeAnnotation("DOID:1", "HP:0001252", None, "DOID subtypes"),
            PhenotypeAnnotation("DOID:2", "HP:0001252", None, "DOID"),
            PhenotypeAnnotation("OMIM:1", "HP:0001252", 0.5, "HPO"),
        ]
    )
    assert store.prune_phenotypes("DOID subtypes", {("DOID:1", "HP:0001250"), ("DOID:2", "HP:0001252")}) == 1
    left = store.query(
        "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, h.source AS s"
    )
    assert sorted((r["d"], r["p"], r["s"]) for r in left) == [
        ("DOID:1", "HP:0001250", "DOID subtypes"),
        ("DOID:2", "HP:0001252", "DOID"),
        ("OMIM:1", "HP:0001252", "HPO"),
    ]
    assert (
        store.prune_phenotypes("DOID subtypes", {("DOID:1", "HP:0001250")}) == 0
    )  # a second prune: nothing left to do


def test_an_embedded_graph_written_before_novelty_opens_and_takes_it(tmp_path: Path) -> None:
    import ladybug

    from kg.embedded_store import EmbeddedStore

    # the Evidence table as medkg wrote it before the novelty column
    db = ladybug.Database(str(tmp_path / "graph"))
    ladybug.Connection(db).execute(
        "CREATE NODE TABLE Evidence(evidence_id STRING PRIMARY KEY, subject STRING, predicate STRING, "
        "object STRING, pmid STRING, start_char INT64, end_char INT64, sentence STRING, model STRING, score DOUBLE)"
    )
    db.close()
    store = EmbeddedStore(tmp_path / "graph")
    try:
        store.load_documents(_docs())
        rows = store.query("MATCH (v:Evidence) WHERE v.novel IS NOT NULL RETURN v.novel AS novel ORDER BY novel")
        assert rows == [{"novel": False}, {"novel": True}]
    finally:
        store.close()


def test_an_embedded_graph_written_before_gene_species_opens_and_takes_them(tmp_path: Path) -> None:
    import ladybug

    from kg.embedded_store import EmbeddedStore

    db = ladybug.Database(str(tmp_path / "graph"))  # the Entity table as medkg wrote it before in_taxon
    ladybug.Connection(db).execute(
        "CREATE NODE TABLE Entity(curie STRING PRIMARY KEY, name STRING, category STRING, xrefs STRING[])"
    )
    db.close()
    store = EmbeddedStore(tmp_path / "graph")
    try:
        store.load_entities([Entity("NCBIGene:7124", "TNF", "biolink:Gene", taxon="NCBITaxon:9606")])
        assert store.query("MATCH (e:Entity) RETURN e.in_taxon AS taxon") == [{"taxon": "NCBITaxon:9606"}]
    finally:
        store.close()


def test_an_embedded_graph_written_before_novelty_and_species_exports_when_opened_read_only(tmp_path: Path) -> None:
    """Opened read-only (``medkg export``), an older graph cannot gain the columns: exports leave
    novelty and genes' species out instead of failing."""
    import ladybug

    from kg.embedded_store import EmbeddedStore
    from kg.export import export_rdf, kgx_records, to_networkx
    from kg.neo4j_import import store_contents

    store = EmbeddedStore(tmp_path / "graph")
    store.load_documents(_docs())
    store.close()
    db = ladybug.Database(str(tmp_path / "graph"))
    conn = ladybug.Connection(db)
    conn.execute("ALTER TABLE Evidence DROP novel")  # as an older medkg wrote it
    conn.execute("ALTER TABLE Entity DROP in_taxon")
    db.close()
    old = EmbeddedStore(tmp_path / "graph", read_only=True)
    try:
        assert export_rdf(old, tmp_path / "g.ttl") > 0
        _, edges = kgx_records(old)
        assert edges and not any(e.get("novel_publications") for e in edges)
        assert to_networkx(old).number_of_edges() > 0
        assert {t.provenance.novel for t in store_contents(old)["triples"]} == {None}
        assert {e.taxon for e in store_contents(old)["entities"]} == {""}
        assert old.entity_card(_docs()[0].mentions[0].ids[0]) is not None
    finally:
        old.close()
