"""Export the graph as RDF (rdflib: Turtle, N-Triples), GraphML (networkx) or CSV, and graph
analytics with networkx. Reads through ``GraphStore.query``, so it works on either store."""

from __future__ import annotations

import csv
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from kg.schema import PREDICATES
from kg.store import GraphStore

BIOLINK = "https://w3id.org/biolink/vocab/"
MEDKG = "https://w3id.org/medkg/"
_REL_TYPES = [p.rel_type for p in PREDICATES.values()]


@lru_cache(maxsize=200_000)
def _iri(curie: str) -> str:
    """The IRI of a CURIE: the prefix's RDF namespace where bioregistry knows one (MeSH
    ``http://id.nlm.nih.gov/mesh/D008012``, OBO PURLs for HP, MONDO, CHEBI), else its default
    provider, else one under medkg's namespace; the local id percent-encoded (a tmVar variant id
    such as ``c|INS|5382|C`` is no valid IRI as it stands)."""
    import bioregistry

    prefix, _, local = curie.partition(":")
    encoded = quote(local, safe="-._~")
    iri = None
    if local:
        try:
            iri = bioregistry.get_iri(prefix, encoded, priority=["rdf", "default"])
        except (KeyError, ValueError):
            iri = None
    return iri or f"{MEDKG}{quote(prefix, safe='-._~')}_{encoded}"


def to_networkx(store: GraphStore) -> nx.MultiDiGraph:
    """Entities, articles and the edges between them as a networkx multigraph."""
    g = nx.MultiDiGraph()
    for row in store.query("MATCH (e:Entity) RETURN e.curie AS curie, e.name AS name, e.category AS category"):
        g.add_node(row["curie"], kind="Entity", name=row["name"] or "", category=row["category"] or "")
    for row in store.query("MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title, a.year AS year"):
        g.add_node(f"PMID:{row['pmid']}", kind="Article", name=row["title"] or "", year=row["year"] or 0)
    for rel in _REL_TYPES:
        for row in store.query(
            f"MATCH (s:Entity)-[r:{rel}]->(o:Entity) RETURN s.curie AS s, o.curie AS o, r.predicate AS p, "
            "r.evidence_count AS n, r.pmids AS pmids"
        ):
            g.add_edge(row["s"], row["o"], key=rel, type=rel, predicate=row["p"] or "", evidence_count=row["n"] or 0,
                       pmids="|".join(row["pmids"] or []))
    for row in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        g.add_edge(row["c"], row["p"], key="SUBCLASS_OF", type="SUBCLASS_OF")
    for row in store.query("MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, h.frequency AS f"):
        g.add_edge(row["d"], row["p"], key="HAS_PHENOTYPE", type="HAS_PHENOTYPE", frequency=row["f"] if row["f"] is not None else -1.0)
    for row in store.query("MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS e, m.count AS n"):
        g.add_edge(f"PMID:{row['pmid']}", row["e"], key="MENTIONS", type="MENTIONS", count=row["n"] or 0)
    return g


def export_rdf(store: GraphStore, path: Path, fmt: str = "turtle") -> int:
    """Entities with labels and Biolink categories, literature edges as Biolink predicates, and
    ontology parents as rdfs:subClassOf; returns the number of triples written."""
    from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

    biolink = Namespace(BIOLINK)
    g = Graph()
    g.bind("biolink", biolink)
    for row in store.query("MATCH (e:Entity) RETURN e.curie AS curie, e.name AS name, e.category AS category, e.xrefs AS xrefs"):
        node = URIRef(_iri(row["curie"]))
        if row["name"]:
            g.add((node, RDFS.label, Literal(row["name"])))
        if row["category"]:
            g.add((node, RDF.type, biolink[row["category"].split(":", 1)[1]]))
        for x in row["xrefs"] or []:
            g.add((node, biolink.xref, URIRef(_iri(x))))
    for rel in _REL_TYPES:
        for row in store.query(f"MATCH (s:Entity)-[r:{rel}]->(o:Entity) RETURN s.curie AS s, o.curie AS o, r.predicate AS p"):
            g.add((URIRef(_iri(row["s"])), biolink[(row["p"] or "biolink:related_to").split(":", 1)[1]], URIRef(_iri(row["o"]))))
    for row in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        g.add((URIRef(_iri(row["c"])), RDFS.subClassOf, URIRef(_iri(row["p"]))))
    partial = Path(path).with_name(Path(path).name + ".part")  # a failure leaves no half-written file under the name
    g.serialize(destination=str(partial), format=fmt)
    partial.replace(path)
    return len(g)


def export_graphml(store: GraphStore, path: Path) -> int:
    g = to_networkx(store)
    nx.write_graphml(g, path)
    return g.number_of_edges()


def export_csv(store: GraphStore, folder: Path) -> int:
    """``nodes.csv`` and ``edges.csv`` in ``folder``."""
    g = to_networkx(store)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "nodes.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "kind", "name", "category"])
        for n, data in g.nodes(data=True):
            w.writerow([n, data.get("kind", ""), data.get("name", ""), data.get("category", "")])
    with (folder / "edges.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "target", "type", "predicate", "evidence_count", "pmids"])
        for s, o, data in g.edges(data=True):
            w.writerow([s, o, data.get("type", ""), data.get("predicate", ""), data.get("evidence_count", ""), data.get("pmids", "")])
    return g.number_of_edges()


def graph_stats(store: GraphStore, top: int = 10) -> dict[str, Any]:
    """Degree distribution, connected components and the most central entities (PageRank over
    the entity graph of literature and ontology edges)."""
    g = to_networkx(store)
    entities = nx.DiGraph()
    for s, o, data in g.edges(data=True):
        if data.get("type") != "MENTIONS":
            entities.add_edge(s, o)
    degrees = Counter(d for _, d in entities.degree())
    components = sorted((len(c) for c in nx.weakly_connected_components(entities)), reverse=True)
    rank = nx.pagerank(entities) if entities.number_of_nodes() else {}
    best = sorted(rank.items(), key=lambda kv: -kv[1])[:top]
    return {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "entity_graph": {"nodes": entities.number_of_nodes(), "edges": entities.number_of_edges()},
        "degree_distribution": dict(sorted(degrees.items())),
        "components": {"count": len(components), "largest": components[:5]},
        "most_central": [{"curie": c, "name": g.nodes[c].get("name", ""), "pagerank": round(r, 5)} for c, r in best],
    }
