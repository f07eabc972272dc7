"""Export the graph as RDF (rdflib: Turtle, N-Triples, with provenance), KGX (Biolink's
interchange format: TSV or JSON Lines), GraphML (networkx) or CSV, and graph analytics with
networkx. Reads through ``GraphStore.query``, so it works on either store."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import networkx as nx

from kg.schema import PREDICATES
from kg.store import GraphStore, entity_properties, evidence_novelty

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
    for row in entity_properties(store):
        g.add_node(row["curie"], kind="Entity", name=row["name"] or "", category=row["category"] or "")
        if row["in_taxon"]:  # a gene's species
            g.nodes[row["curie"]]["in_taxon"] = row["in_taxon"]
    for row in store.query("MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title, a.year AS year"):
        g.add_node(f"PMID:{row['pmid']}", kind="Article", name=row["title"] or "", year=row["year"] or 0)
    for row in _literature_edges(store):
        rel = row["rel"]
        g.add_edge(
            row["s"],
            row["o"],
            key=rel,
            type=rel,
            predicate=row["p"] or "",
            evidence_count=row["n"] or 0,
            pmids="|".join(row["pmids"] or []),
            novel_pmids="|".join(row["novel"]),
        )
    for row in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        g.add_edge(row["c"], row["p"], key="SUBCLASS_OF", type="SUBCLASS_OF")
    for row in store.query(
        "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, h.frequency AS f"
    ):
        g.add_edge(
            row["d"],
            row["p"],
            key="HAS_PHENOTYPE",
            type="HAS_PHENOTYPE",
            frequency=row["f"] if row["f"] is not None else -1.0,
        )
    for row in store.query(
        "MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS e, m.count AS n"
    ):
        g.add_edge(f"PMID:{row['pmid']}", row["e"], key="MENTIONS", type="MENTIONS", count=row["n"] or 0)
    return g


def _literature_edges(store: GraphStore, flagged: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
    """Each literature edge with its aggregates, and ``novel``: the PMIDs of the articles that
    report it as their own finding (BioRED's novelty, kept on the edge's evidence; ``flagged``:
    ``evidence_novelty``'s rows when the caller has them)."""
    novel: dict[tuple[str, str, str], set[str]] = {}
    for r in evidence_novelty(store) if flagged is None else flagged:
        if r["novel"]:
            novel.setdefault((r["s"], r["p"], r["o"]), set()).add(r["pmid"])
    for rel in _REL_TYPES:
        for row in store.query(
            f"MATCH (s:Entity)-[r:{rel}]->(o:Entity) RETURN s.curie AS s, o.curie AS o, r.predicate AS p, "
            "r.evidence_count AS n, r.pmids AS pmids, r.max_score AS score, r.model AS model"
        ):
            yield {**row, "rel": rel, "novel": sorted(novel.get((row["s"], row["p"], row["o"]), ()))}


def _phenotype_edges(store: GraphStore) -> list[dict[str, Any]]:
    return store.query(
        "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, "
        "h.frequency AS frequency, h.source AS source, h.pmids AS pmids"
    )


def _key(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def export_rdf(store: GraphStore, path: Path, fmt: str = "turtle") -> int:
    """The whole graph as RDF; returns the number of triples written.

    - Entities: ``rdfs:label``, their Biolink category as ``rdf:type``, ``biolink:xref``, and
      ontology parents as ``rdfs:subClassOf``.
    - Each literature edge twice: the direct triple (``biolink:causes``...) for simple queries, and
      a reified ``biolink:Association`` (``biolink:subject``/``predicate``/``object``) carrying its
      provenance: ``biolink:publications`` (PubMed IRIs), ``medkg:evidence_count``,
      ``medkg:max_score``, ``medkg:model`` and ``medkg:evidence`` links to each ``medkg:Evidence``
      (``medkg:sentence``, ``medkg:start``/``medkg:end`` offsets, ``medkg:score``, ``medkg:model``,
      ``medkg:novel`` where the extractor said whether the article reports it as its own finding,
      ``biolink:publications``).
    - Phenotype annotations: ``biolink:has_phenotype`` and an association with
      ``medkg:frequency``, ``medkg:source`` and its publications.
    - Articles: ``biolink:Article`` with ``rdfs:label`` (the title), ``medkg:year``, and
      ``biolink:mentions`` to each entity they mention.
    """
    from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

    biolink, medkg = Namespace(BIOLINK), Namespace(MEDKG)
    g = Graph()
    g.bind("biolink", biolink)
    g.bind("medkg", medkg)

    def iri(curie: str) -> URIRef:
        return URIRef(_iri(curie))

    def publications(node: URIRef, pmids: list[str] | None) -> None:
        for pmid in pmids or []:
            g.add((node, biolink.publications, iri(f"PMID:{pmid}")))

    for row in entity_properties(store):
        node = iri(row["curie"])
        if row["name"]:
            g.add((node, RDFS.label, Literal(row["name"])))
        if row["category"]:
            g.add((node, RDF.type, biolink[row["category"].split(":", 1)[1]]))
        for x in row["xrefs"] or []:
            g.add((node, biolink.xref, iri(x)))
        if row["in_taxon"]:
            g.add((node, biolink.in_taxon, iri(row["in_taxon"])))
    for row in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        g.add((iri(row["c"]), RDFS.subClassOf, iri(row["p"])))
    associations: dict[tuple[str, str, str], URIRef] = {}
    flagged = evidence_novelty(store)
    for row in _literature_edges(store, flagged):
        predicate = biolink[(row["p"] or "biolink:related_to").split(":", 1)[1]]
        s, o = iri(row["s"]), iri(row["o"])
        g.add((s, predicate, o))
        node = medkg[f"association/{_key(row['s'], str(predicate), row['o'])}"]
        associations[(row["s"], row["p"] or "biolink:related_to", row["o"])] = node
        g.add((node, RDF.type, biolink.Association))
        g.add((node, biolink.subject, s))
        g.add((node, biolink.predicate, predicate))
        g.add((node, biolink.object, o))
        g.add((node, medkg.evidence_count, Literal(int(row["n"] or 0))))
        if row["score"] is not None:
            g.add((node, medkg.max_score, Literal(float(row["score"]), datatype=XSD.double)))
        if row["model"]:
            g.add((node, medkg.model, Literal(row["model"])))
        publications(node, row["pmids"])
    novelty = {r["id"]: bool(r["novel"]) for r in flagged}
    for row in store.query(
        "MATCH (v:Evidence) RETURN v.evidence_id AS id, v.subject AS s, v.predicate AS p, v.object AS o, "
        "v.pmid AS pmid, v.start_char AS first, v.end_char AS last, v.sentence AS sentence, v.model AS model, "
        "v.score AS score"
    ):
        node = medkg[f"evidence/{quote(row['id'], safe='')}"]
        g.add((node, RDF.type, medkg.Evidence))
        g.add((node, medkg.sentence, Literal(row["sentence"] or "")))
        g.add((node, medkg.start, Literal(int(row["first"] if row["first"] is not None else -1))))
        g.add((node, medkg.end, Literal(int(row["last"] if row["last"] is not None else -1))))
        g.add((node, medkg.score, Literal(float(row["score"] or 0.0), datatype=XSD.double)))
        if row["model"]:
            g.add((node, medkg.model, Literal(row["model"])))
        if row["id"] in novelty:
            g.add((node, medkg.novel, Literal(novelty[row["id"]])))
        publications(node, [row["pmid"]] if row["pmid"] else [])
        association = associations.get((row["s"], row["p"], row["o"]))
        if association is not None:
            g.add((association, medkg.evidence, node))
    for row in _phenotype_edges(store):
        d, p = iri(row["d"]), iri(row["p"])
        g.add((d, biolink.has_phenotype, p))
        node = medkg[f"association/{_key(row['d'], 'has_phenotype', row['p'])}"]
        g.add((node, RDF.type, biolink.DiseaseToPhenotypicFeatureAssociation))
        g.add((node, biolink.subject, d))
        g.add((node, biolink.predicate, biolink.has_phenotype))
        g.add((node, biolink.object, p))
        if row["frequency"] is not None:
            g.add((node, medkg.frequency, Literal(float(row["frequency"]), datatype=XSD.double)))
        if row["source"]:
            g.add((node, medkg.source, Literal(row["source"])))
        publications(node, row["pmids"])
    for row in store.query("MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title, a.year AS year"):
        node = iri(f"PMID:{row['pmid']}")
        g.add((node, RDF.type, biolink.Article))
        if row["title"]:
            g.add((node, RDFS.label, Literal(row["title"])))
        if row["year"]:
            g.add((node, medkg.year, Literal(int(row["year"]))))
    for row in store.query("MATCH (a:Article)-[:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS e"):
        g.add((iri(f"PMID:{row['pmid']}"), biolink.mentions, iri(row["e"])))
    partial = Path(path).with_name(Path(path).name + ".part")  # a failure leaves no half-written file under the name
    g.serialize(destination=str(partial), format=fmt)
    partial.replace(path)
    return len(g)


# KGX (Biolink's interchange format): https://github.com/biolink/kgx/blob/master/specification/kgx-format.md
KGX_SOURCE = "infores:medkg"
KGX_NODE_COLUMNS = ("id", "category", "name", "xref", "in_taxon", "provided_by")
KGX_EDGE_COLUMNS = (
    "id",
    "subject",
    "predicate",
    "object",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
    "publications",
    "evidence_count",
    "novel_publications",
    "max_score",
    "frequency",
    "source",
    "model",
)


def kgx_records(store: GraphStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The graph as KGX node and edge records (multivalued fields as lists)."""
    nodes = [
        {
            "id": r["curie"],
            "category": [r["category"] or "biolink:NamedThing"],
            "name": r["name"] or "",
            "xref": list(r["xrefs"] or []),
            "in_taxon": [r["in_taxon"]] if r["in_taxon"] else [],
            "provided_by": [KGX_SOURCE],
        }
        for r in entity_properties(store)
    ]
    nodes += [
        {
            "id": f"PMID:{r['pmid']}",
            "category": ["biolink:Article"],
            "name": r["title"] or "",
            "xref": [],
            "in_taxon": [],
            "provided_by": [KGX_SOURCE],
        }
        for r in store.query("MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title")
    ]
    edges: list[dict[str, Any]] = []

    def edge(subject: str, predicate: str, obj: str, level: str, agent: str, **extra: Any) -> None:
        edges.append(
            {
                "id": f"medkg:{_key(subject, predicate, obj)}",
                "subject": subject,
                "predicate": predicate,
                "object": obj,
                "knowledge_level": level,
                "agent_type": agent,
                "primary_knowledge_source": KGX_SOURCE,
                **extra,
            }
        )

    for r in _literature_edges(store):  # extracted by medkg's models, or a corpus's curated annotations (no model)
        edge(
            r["s"],
            r["p"] or "biolink:related_to",
            r["o"],
            "knowledge_assertion",
            "text_mining_agent" if r["model"] else "manual_agent",
            publications=[f"PMID:{p}" for p in r["pmids"] or []],
            evidence_count=int(r["n"] or 0),
            novel_publications=[f"PMID:{p}" for p in r["novel"]],
            max_score=r["score"],
            model=r["model"] or "",
        )
    for r in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        edge(r["c"], "biolink:subclass_of", r["p"], "knowledge_assertion", "manual_agent")
    for r in _phenotype_edges(store):  # curated annotations (HPO's phenotype.hpoa, DOID's symptoms)
        edge(
            r["d"],
            "biolink:has_phenotype",
            r["p"],
            "knowledge_assertion",
            "manual_agent",
            publications=[p if ":" in p else f"PMID:{p}" for p in r["pmids"] or []],
            frequency=r["frequency"],
            source=r["source"] or "",
        )
    for r in store.query("MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS e"):
        edge(f"PMID:{r['pmid']}", "biolink:mentions", r["e"], "not_provided", "text_mining_agent")
    return nodes, edges


def export_kgx(store: GraphStore, out: Path, fmt: str = "tsv") -> int:
    """KGX files ``{out}_nodes.tsv`` and ``{out}_edges.tsv`` (``fmt="tsv"``, multivalued fields
    joined with ``|``) or ``{out}_nodes.jsonl`` and ``{out}_edges.jsonl`` (``fmt="jsonl"``);
    ``out`` is a path prefix (a ``.tsv``/``.jsonl`` suffix is dropped). Returns the edges written."""
    nodes, edges = kgx_records(store)
    prefix = out.with_suffix("") if out.suffix.lower() in (".tsv", ".jsonl") else out
    prefix.parent.mkdir(parents=True, exist_ok=True)
    for name, records, columns in (("nodes", nodes, KGX_NODE_COLUMNS), ("edges", edges, KGX_EDGE_COLUMNS)):
        path = prefix.with_name(f"{prefix.name}_{name}.{fmt}")
        if fmt == "jsonl":
            partial = path.with_name(path.name + ".part")
            with partial.open("w", encoding="utf-8") as f:
                for record in records:
                    f.write(
                        json.dumps({k: v for k, v in record.items() if v not in (None, "", [])}, ensure_ascii=False)
                        + "\n"
                    )
            partial.replace(path)
        else:
            _write_table(path, records, columns, "\t")
    return len(edges)


def cell(value: Any) -> str:
    """One value as delimited text: nothing for None, lists joined with ``|`` (KGX's rule for
    multivalued fields), mappings as JSON."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "|".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def write_delimited(f: TextIO, records: Iterable[dict[str, Any]], columns: Sequence[str], delimiter: str) -> None:
    """A header row, then one row per record (``cell`` for each value), to an open text file."""
    w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
    w.writerow(columns)
    for record in records:
        w.writerow([cell(record.get(c)) for c in columns])


def _write_table(path: Path, records: list[dict[str, Any]], columns: tuple[str, ...], delimiter: str) -> None:
    """A delimited file, written to a ``.part`` file first."""
    partial = path.with_name(path.name + ".part")
    with partial.open("w", newline="", encoding="utf-8") as f:
        write_delimited(f, records, columns, delimiter)
    partial.replace(path)


def read_kgx(prefix: Path, fmt: str = "tsv") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read back what ``export_kgx`` wrote (the multivalued fields as lists), e.g. to check a round trip."""
    multivalued = {"category", "xref", "in_taxon", "provided_by", "publications", "novel_publications"}
    out: list[list[dict[str, Any]]] = []
    for name in ("nodes", "edges"):
        path = prefix.with_name(f"{prefix.name}_{name}.{fmt}")
        with path.open(encoding="utf-8") as f:
            if fmt == "jsonl":
                out.append([json.loads(line) for line in f if line.strip()])
            else:
                out.append(
                    [
                        {
                            k: (v.split("|") if v else []) if k in multivalued else v
                            for k, v in row.items()
                            if v or k in multivalued
                        }
                        for row in csv.DictReader(f, delimiter="\t")
                    ]
                )
    return out[0], out[1]


def export_graphml(store: GraphStore, path: Path) -> int:
    g = to_networkx(store)
    nx.write_graphml(g, path)
    return g.number_of_edges()


def export_csv(store: GraphStore, folder: Path) -> int:
    """``nodes.csv`` and ``edges.csv`` in ``folder``: the KGX columns (``subject``, ``predicate``,
    ``object``, ``publications`` as ``PMID:`` CURIEs...), comma-separated; returns the edges written."""
    nodes, edges = kgx_records(store)
    folder.mkdir(parents=True, exist_ok=True)
    _write_table(folder / "nodes.csv", nodes, KGX_NODE_COLUMNS, ",")
    _write_table(folder / "edges.csv", edges, KGX_EDGE_COLUMNS, ",")
    return len(edges)


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
