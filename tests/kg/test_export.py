from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef

from kg.export import export_csv, export_graphml, export_rdf, graph_stats
from kg.store import GraphStore
from kg.types import Entity
from readers import read_documents

DATA = Path(__file__).resolve().parents[1] / "data"


def _fill(store: GraphStore) -> None:
    store.load_documents(list(read_documents(DATA / "sample.pubtator")))
    store.load_entities([Entity("MESH:D006323", "Heart Arrest", "biolink:Disease", ("DOID:0060319",), ("MESH:D006331",))])


def test_rdf_export_uses_biolink_and_resolvable_iris(embedded_store: GraphStore, tmp_path: Path) -> None:
    _fill(embedded_store)
    n = export_rdf(embedded_store, tmp_path / "g.ttl")
    g = Graph().parse(tmp_path / "g.ttl")
    assert len(g) == n > 0
    causes = URIRef("https://w3id.org/biolink/vocab/causes")
    (s, o) = next((s, o) for s, p, o in g if p == causes)
    assert (str(s), str(o)) == ("http://id.nlm.nih.gov/mesh/D008012", "http://id.nlm.nih.gov/mesh/D006323")  # RDF IRIs, not web pages


def test_rdf_export_encodes_ids_that_are_no_valid_iri(embedded_store: GraphStore, tmp_path: Path) -> None:
    """A BioRED variant id (tmVar:c|INS|5382|C) and an unknown prefix export, re-parse, and keep
    their ids recoverable."""
    from kg.types import Entity

    embedded_store.load_entities([Entity("tmVar:c|INS|5382|C", "c.5382insC", "biolink:SequenceVariant"),
                                  Entity("ODD:a b/c", "odd", "biolink:NamedThing")])
    n = export_rdf(embedded_store, tmp_path / "v.ttl")
    iris = {str(s) for s in Graph().parse(tmp_path / "v.ttl").subjects()}
    assert len(iris) > 0 and n > 0 and not list(tmp_path.glob("*.part"))
    assert "https://w3id.org/medkg/tmVar_c%7CINS%7C5382%7CC" in iris and "https://w3id.org/medkg/ODD_a%20b%2Fc" in iris


def test_graphml_and_csv_and_stats(embedded_store: GraphStore, tmp_path: Path) -> None:
    _fill(embedded_store)
    edges = export_graphml(embedded_store, tmp_path / "g.graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_edges() == edges
    export_csv(embedded_store, tmp_path / "csv")
    assert (tmp_path / "csv" / "edges.csv").read_text().count("\n") == edges + 1
    stats = graph_stats(embedded_store)
    assert stats["entity_graph"]["edges"] == 4  # CAUSES, ASSOCIATED_WITH, POSITIVELY_CORRELATED_WITH, SUBCLASS_OF
    assert stats["most_central"][0]["pagerank"] > 0
