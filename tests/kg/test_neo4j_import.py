"""Bulk loading with neo4j-admin: the import files, and a real import into a second Neo4j server
that must hold the same graph as the batched loader writes."""

from pathlib import Path

import pytest

from kg.neo4j_import import ARRAY_DELIMITER, run_admin_import, store_contents, write_import_files
from kg.neo4j_store import Neo4jStore
from kg.store import GraphStore, MentionCount, article_row
from kg.types import Document, Entity, PhenotypeAnnotation, Provenance, Triple
from readers import read_documents
from tests.neo4j_server import running_neo4j


def _triple(pmid: str, start: int, score: float, sentence: str = "s", model: str = "m1") -> Triple:
    return Triple("MESH:D1", "biolink:causes", "MESH:D2", Provenance(pmid, start, start + 10, sentence, model, score))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_import_files_follow_the_batched_loaders_semantics(tmp_path: Path) -> None:
    files = write_import_files(
        tmp_path,
        entities=[
            Entity("MESH:D1", "old name", "biolink:ChemicalEntity"),
            Entity("MESH:D1", 'a "quoted", name', "biolink:ChemicalEntity", ("CHEBI:1", "DRUGBANK:2"), ("MESH:D0",)),
        ],
        articles=[article_row(Document("1", "text", pmid="1", title="T", year=2001))],
        triples=[
            _triple("1", 0, 0.5),
            _triple("1", 20, 0.9, "two\nlines", "m2"),
            _triple("2", 0, 0.7),
            _triple("1", 0, 0.5),
        ],
        mentions=[MentionCount("1", "MESH:D1", 2), MentionCount("1", "MESH:D1", 3)],
        phenotypes=[PhenotypeAnnotation("MESH:D2", "HP:1", None, "HPO")],
    )
    # The repeated evidence counts once; MESH:D0 (a parent), D2 and HP:1 exist as bare entities.
    assert files.counts == {
        "entities": 4,
        "articles": 2,
        "evidence": 3,
        "has_evidence": 3,
        "literature": 1,
        "subclass_of": 1,
        "mentions": 1,
        "has_phenotype": 1,
    }
    assert files.multiline
    entities = _lines(tmp_path / "entities.csv")
    assert entities[0] == ":ID(Entity),curie,name,category,xrefs:string[],in_taxon,:LABEL"
    assert (
        entities[1]
        == f'0,"MESH:D1","a ""quoted"", name","biolink:ChemicalEntity","CHEBI:1{ARRAY_DELIMITER}DRUGBANK:2",,'
        f'"Entity{ARRAY_DELIMITER}Chemical"'
    )
    assert '"MESH:D2",,,,,"Entity"' in entities[2] + entities[3] + entities[4]
    (edge,) = _lines(tmp_path / "literature.csv")[1:]
    assert edge == f'0,1,"CAUSES","biolink:causes",3,"1{ARRAY_DELIMITER}2",0.9,"m1"'
    assert _lines(tmp_path / "mentions.csv")[1:] == ["0,0,3"]  # the last count wins, as SET does
    assert _lines(tmp_path / "articles.csv")[1] == '0,"1","T","",2001,"","' + Document("1", "text").content_hash + '"'
    args = (tmp_path / "import.args").read_text().split()
    assert f"--nodes=Evidence={tmp_path.resolve()}/evidence.csv" in args and "--multiline-fields=true" in args
    assert "--relationships=HAS_EVIDENCE=/import/has_evidence.csv" in files.arguments("/import")


def _extra(store: GraphStore) -> None:
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
            Entity("NCBIGene:21926", "Tnf", "biolink:Gene", taxon="NCBITaxon:10090"),
        ]
    )
    store.load_phenotypes([PhenotypeAnnotation("MONDO:0005148", "HP:0003074", 0.8, "HPO", ("123",))])
    store.load_triples([_triple("1", 0, 0.5, 'a "quoted"\nsentence'), _triple("2", 5, 0.75)])


QUERIES = [
    (
        "MATCH (s:Entity)-[r]->(o:Entity) WHERE r.evidence_count IS NOT NULL "
        "RETURN s.curie AS s, type(r) AS t, o.curie AS o, r.evidence_count AS n, r.max_score AS best, r.predicate AS "
        "p, "
        "r.pmids AS pmids ORDER BY s, t, o"
    ),
    (
        "MATCH (e:Entity) RETURN e.curie AS curie, e.name AS name, e.category AS category, e.xrefs AS xrefs, "
        "e.in_taxon AS in_taxon, labels(e) AS labels "
        "ORDER BY curie"
    ),
    "MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title, a.year AS year, a.content_hash AS hash ORDER BY pmid",
    (
        "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) RETURN a.pmid AS pmid, v.subject AS s, v.object AS o, "
        "v.start_char AS start, "
        "v.sentence AS sentence, v.score AS score, v.novel AS novel, v.evidence_id AS id ORDER BY id"
    ),
    (
        "MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS curie, m.count AS n "
        "ORDER BY pmid, curie"
    ),
    (
        "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, h.frequency AS f, "
        "h.pmids AS pmids"
    ),
    "MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p ORDER BY c, p",
]


def _query(store: GraphStore, cypher: str) -> list[dict]:
    rows = store.query(cypher)
    for r in rows:
        for key in ("pmids", "xrefs"):
            if key in r:
                # The batched loader keeps load order, the import first-seen order; neo4j-admin
                # cannot write an empty array, so an empty list is no property there.
                r[key] = sorted(r[key] or [])
    return rows


@pytest.mark.slow
@pytest.mark.neo4j
@pytest.mark.shared_data
def test_admin_import_gives_the_graph_the_batched_loader_gives(
    embedded_store: GraphStore, neo4j_store: GraphStore, neo4j_classpath: str, shared_data: Path, tmp_path: Path
) -> None:
    docs = list(read_documents(shared_data / "corpora/biored/Dev.PubTator"))[:30]
    for store in (embedded_store, neo4j_store):
        store.load_documents(docs)
        _extra(store)
    # The embedded graph moved into Neo4j by neo4j-admin (medkg export --format neo4j-import).
    files = write_import_files(tmp_path / "import", **store_contents(embedded_store))
    home = tmp_path / "neo4j"
    (home / "conf").mkdir(parents=True)
    admin = ["java", "-Xmx512m", "-XX:+UseParallelGC", "-cp", neo4j_classpath, "org.neo4j.cli.AdminTool"]
    output = run_admin_import(files, admin, env={"NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")})
    assert "IMPORT DONE" in output
    with running_neo4j(neo4j_classpath, home) as uri:
        imported = Neo4jStore(uri)
        try:
            assert imported.counts() == neo4j_store.counts()
            for cypher in QUERIES:
                assert _query(imported, cypher) == _query(neo4j_store, cypher), cypher
            # Constraints were created on connect: later batched loads merge into the imported graph.
            before = imported.counts()
            imported.load_documents(docs[:5])
            assert imported.counts() == before
        finally:
            imported.close()


def test_admin_import_failure_names_the_output(tmp_path: Path) -> None:
    files = write_import_files(tmp_path, triples=[_triple("1", 0, 0.5)])
    with pytest.raises(Exception, match="cannot run|import failed"):
        run_admin_import(files, [str(tmp_path / "no-such-neo4j-admin")])


def test_export_command_writes_import_files_for_a_container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from kg.embedded_store import EmbeddedStore

    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    with EmbeddedStore(tmp_path / "graph") as store:
        _extra(store)
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export", str(out), "--format", "neo4j-import", "--import-dir", "/import"])
    assert result.exit_code == 0, result.output
    assert "neo4j-admin database import full" in result.output
    args = (out / "import.args").read_text().split()
    assert "--nodes=Evidence=/import/evidence.csv" in args
    assert len(_lines(out / "evidence.csv")) == 1 + 2 + 1  # header, two rows, one sentence on two lines
    ((start, end, *rest),) = [line.split(",") for line in _lines(out / "has_phenotype.csv")[1:]]
    assert start.isdigit() and end.isdigit() and rest == ["0.8", '"HPO"', '"123"']


def test_import_files_need_a_writable_folder(tmp_path: Path) -> None:
    from kg.errors import StoreError

    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(StoreError, match="cannot write the import files"):
        write_import_files(tmp_path / "taken", triples=[_triple("1", 0, 0.5)])
