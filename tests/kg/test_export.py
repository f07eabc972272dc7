from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, URIRef

from kg.export import export_csv, export_graphml, export_rdf, graph_stats, to_networkx
from kg.store import GraphStore
from kg.types import Entity
from readers import read_documents

DATA = Path(__file__).resolve().parents[1] / "data"


def _fill(store: GraphStore) -> None:
    store.load_documents(list(read_documents(DATA / "sample.pubtator")))
    store.load_entities(
        [Entity("MESH:D006323", "Heart Arrest", "biolink:Disease", ("DOID:0060319",), ("MESH:D006331",))]
    )


def test_rdf_export_uses_biolink_and_resolvable_iris(embedded_store: GraphStore, tmp_path: Path) -> None:
    _fill(embedded_store)
    n = export_rdf(embedded_store, tmp_path / "g.ttl")
    g = Graph().parse(tmp_path / "g.ttl")
    assert len(g) == n > 0
    causes = URIRef("https://w3id.org/biolink/vocab/causes")
    (s, o) = next((s, o) for s, p, o in g if p == causes)
    assert (str(s), str(o)) == (
        "http://id.nlm.nih.gov/mesh/D008012",
        "http://id.nlm.nih.gov/mesh/D006323",
    )  # RDF IRIs, not web pages


def test_rdf_export_encodes_ids_that_are_no_valid_iri(embedded_store: GraphStore, tmp_path: Path) -> None:
    """A BioRED variant id (tmVar:c|INS|5382|C) and an unknown prefix export, re-parse, and keep
    their ids recoverable."""
    from kg.types import Entity

    embedded_store.load_entities(
        [
            Entity("tmVar:c|INS|5382|C", "c.5382insC", "biolink:SequenceVariant"),
            Entity("ODD:a b/c", "odd", "biolink:NamedThing"),
        ]
    )
    n = export_rdf(embedded_store, tmp_path / "v.ttl")
    iris = {str(s) for s in Graph().parse(tmp_path / "v.ttl").subjects()}
    assert len(iris) > 0 and n > 0 and not list(tmp_path.glob("*.part"))
    assert "https://w3id.org/medkg/tmVar_c%7CINS%7C5382%7CC" in iris and "https://w3id.org/medkg/ODD_a%20b%2Fc" in iris


def test_graphml_and_csv_and_stats(embedded_store: GraphStore, tmp_path: Path) -> None:
    _fill(embedded_store)
    edges = export_graphml(embedded_store, tmp_path / "g.graphml")
    back, original = nx.read_graphml(tmp_path / "g.graphml"), to_networkx(embedded_store)
    assert back.number_of_edges() == edges == original.number_of_edges()
    assert dict(back.nodes(data=True)) == dict(original.nodes(data=True))  # every node with its properties
    fields = ("type", "evidence_count", "pmids", "novel_pmids")
    assert sorted((s, o, *(d.get(f) for f in fields)) for s, o, d in back.edges(data=True)) == sorted(
        (s, o, *(d.get(f) for f in fields)) for s, o, d in original.edges(data=True)
    )
    assert any(d.get("novel_pmids") == "10491763" for _, _, d in back.edges(data=True))  # sample.pubtator's Novel
    export_csv(embedded_store, tmp_path / "csv")
    assert (tmp_path / "csv" / "edges.csv").read_text().count("\n") == edges + 1
    stats = graph_stats(embedded_store)
    assert stats["entity_graph"]["edges"] == 4  # CAUSES, ASSOCIATED_WITH, POSITIVELY_CORRELATED_WITH, SUBCLASS_OF
    assert stats["most_central"][0]["pagerank"] > 0


def test_every_export_carries_a_genes_species(store: GraphStore, tmp_path: Path) -> None:
    """A gene's ``in_taxon`` reaches RDF (``biolink:in_taxon``), KGX, GraphML and the neo4j-admin
    import files; a concept without one gets none."""
    from kg.export import export_kgx, read_kgx
    from kg.neo4j_import import store_contents, write_import_files

    store.load_entities(
        [
            Entity("NCBIGene:21926", "Tnf", "biolink:Gene", taxon="NCBITaxon:10090"),
            Entity("MESH:D003924", "Diabetes Mellitus, Type 2", "biolink:Disease"),
        ]
    )
    export_rdf(store, tmp_path / "g.ttl")
    taxa = set(Graph().parse(tmp_path / "g.ttl").subject_objects(URIRef("https://w3id.org/biolink/vocab/in_taxon")))
    assert taxa == {
        (URIRef("http://purl.uniprot.org/geneid/21926"), URIRef("http://purl.obolibrary.org/obo/NCBITaxon_10090"))
    }
    export_kgx(store, tmp_path / "medkg.tsv")
    nodes, _ = read_kgx(tmp_path / "medkg")
    assert {n["id"]: n["in_taxon"] for n in nodes} == {"NCBIGene:21926": ["NCBITaxon:10090"], "MESH:D003924": []}
    export_graphml(store, tmp_path / "g.graphml")
    graphml = nx.read_graphml(tmp_path / "g.graphml")
    assert graphml.nodes["NCBIGene:21926"]["in_taxon"] == "NCBITaxon:10090"
    assert "in_taxon" not in graphml.nodes["MESH:D003924"]
    contents = store_contents(store)
    assert {e.curie: e.taxon for e in contents["entities"]} == {"NCBIGene:21926": "NCBITaxon:10090", "MESH:D003924": ""}
    write_import_files(tmp_path / "import", **contents)
    rows = (tmp_path / "import" / "entities.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].split(",")[5] == "in_taxon" and any('"NCBITaxon:10090"' in r for r in rows[1:])


def _full(store: GraphStore) -> None:
    """Literature (gold relations, so Evidence too), an ontology parent, HPO phenotype annotations."""
    from tests.diagnosis.helpers import records

    _fill(store)
    store.load_documents(list(read_documents(DATA / "biored_sample.pubtator")))
    hpo = records()
    store.load_entities(hpo.entities)
    store.load_phenotypes(hpo.annotations)


def _count(store: GraphStore, pattern: str) -> int:
    return int(store.query(f"MATCH {pattern} RETURN count(*) AS n")[0]["n"])


def _literature(store: GraphStore) -> int:
    from kg.schema import PREDICATES

    return sum(_count(store, f"(:Entity)-[:{p.rel_type}]->(:Entity)") for p in PREDICATES.values())


def test_rdf_export_keeps_provenance(embedded_store: GraphStore, tmp_path: Path) -> None:
    """Evidence, articles, phenotype annotations, scores and PMIDs are in the RDF, each countable
    against the store after a re-parse."""
    from rdflib import RDF, Namespace

    _full(embedded_store)
    export_rdf(embedded_store, tmp_path / "g.ttl")
    g = Graph().parse(tmp_path / "g.ttl")
    biolink, medkg = Namespace("https://w3id.org/biolink/vocab/"), Namespace("https://w3id.org/medkg/")
    associations = set(g.subjects(RDF.type, biolink.Association))
    assert len(associations) == _literature(embedded_store) > 0
    assert associations and all(
        list(g.objects(a, biolink.publications)) and list(g.objects(a, medkg.evidence)) for a in associations
    )
    assert len(set(g.subjects(RDF.type, medkg.Evidence))) == _count(embedded_store, "(v:Evidence)")
    assert len(set(g.subjects(RDF.type, biolink.Article))) == _count(embedded_store, "(a:Article)")
    assert len(list(g.triples((None, biolink.mentions, None)))) == _count(
        embedded_store, "(:Article)-[:MENTIONS]->(:Entity)"
    )
    phenotypes = _count(embedded_store, "(:Entity)-[:HAS_PHENOTYPE]->(:Entity)")
    assert len(list(g.triples((None, biolink.has_phenotype, None)))) == phenotypes > 0
    assert len(set(g.subjects(RDF.type, biolink.DiseaseToPhenotypicFeatureAssociation))) == phenotypes
    evidence = next(g.subjects(RDF.type, medkg.Evidence))
    assert {p.split("/")[-1] for p in g.predicates(evidence)} >= {"sentence", "start", "end", "score", "publications"}
    # BioRED's novelty, where the evidence has it
    novel = _count(embedded_store, "(v:Evidence) WHERE v.novel IS NOT NULL")
    assert len(list(g.triples((None, medkg.novel, None)))) == novel > 0


def _biolink() -> tuple[set[str], set[str], dict[str, set[str]]]:
    """Biolink's classes under named thing (as biolink:CamelCase), predicates under related to
    (as biolink:snake_case) and the permissible values of its enums, from the model's own YAML."""
    import importlib.resources

    import yaml

    model = yaml.safe_load((importlib.resources.files("biolink_model") / "schema/biolink_model.yaml").read_text())

    def under(table: dict, name: str, root: str) -> bool:
        seen = set()
        while name and name not in seen:
            if name == root:
                return True
            seen.add(name)
            name = (table.get(name) or {}).get("is_a")
        return False

    classes = {
        "biolink:" + "".join(w[0].upper() + w[1:] for w in c.split())
        for c in model["classes"]
        if under(model["classes"], c, "named thing")
    }
    predicates = {"biolink:" + s.replace(" ", "_") for s in model["slots"] if under(model["slots"], s, "related to")}
    enums = {name: set(e.get("permissible_values") or {}) for name, e in model["enums"].items()}
    return classes, predicates, enums


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_kgx_export_follows_biolink_and_round_trips(store: GraphStore, tmp_path: Path, fmt: str) -> None:
    """What the KGX validator checks, against the Biolink model's YAML (the biolink-model
    package): every node has an id and a Biolink class, every edge a Biolink predicate, knowledge
    level, agent type and primary source; read back, the files hold the store's counts and the
    same records."""
    from kg.export import export_kgx, kgx_records, read_kgx

    _full(store)
    edges = export_kgx(store, tmp_path / f"medkg.{fmt}", fmt)
    nodes, records = read_kgx(tmp_path / "medkg", fmt)
    assert len(nodes) == _count(store, "(e:Entity)") + _count(store, "(a:Article)")
    assert (
        len(records)
        == edges
        == (
            _literature(store)
            + _count(store, "(:Entity)-[:SUBCLASS_OF]->(:Entity)")
            + _count(store, "(:Entity)-[:HAS_PHENOTYPE]->(:Entity)")
            + _count(store, "(:Article)-[:MENTIONS]->(:Entity)")
        )
    )
    classes, predicates, enums = _biolink()
    assert nodes and all(n["id"] and n["category"] and set(n["category"]) <= classes for n in nodes), {
        c for n in nodes for c in n["category"]
    } - classes
    assert {e["predicate"] for e in records} <= predicates, {e["predicate"] for e in records} - predicates
    assert {e["knowledge_level"] for e in records} <= enums["KnowledgeLevelEnum"]
    assert {e["agent_type"] for e in records} <= enums["AgentTypeEnum"]
    ids = {n["id"] for n in nodes}
    assert records and all(
        e["subject"] in ids and e["object"] in ids and e["primary_knowledge_source"] == "infores:medkg" for e in records
    )
    assert [p for e in records for p in e.get("publications", [])] and all(
        p.startswith("PMID:") for e in records for p in e.get("publications", [])
    )
    assert any(e.get("publications") for e in records if e["predicate"] == "biolink:causes")
    # the articles that report an edge as their own finding (BioRED's novelty), among its publications
    novel = [e for e in records if e.get("novel_publications")]
    assert novel and all(set(e["novel_publications"]) <= set(e["publications"]) for e in novel)
    want_nodes, want_edges = kgx_records(store)
    if fmt == "jsonl":  # typed: the same records, empty fields left out

        def bare(r: dict) -> dict:
            return {k: v for k, v in r.items() if v not in (None, "", [])}

        assert sorted(map(bare, want_edges), key=lambda r: r["id"]) == sorted(records, key=lambda r: r["id"])
        assert sorted(map(bare, want_nodes), key=lambda r: r["id"]) == sorted(nodes, key=lambda r: r["id"])
