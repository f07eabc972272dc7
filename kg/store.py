"""The graph store interface and the rows every store loads.

Two implementations share one schema (see kg.schema): ``Neo4jStore`` for production and
``EmbeddedStore`` (LadybugDB, on disk, no server) as the default. Every load is idempotent:
nodes and edges are merged on their keys, counts are set rather than incremented, and literature
edges carry aggregates recomputed from their ``Evidence`` nodes.
"""

from __future__ import annotations

import abc
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Self, TypeVar

from kg.errors import MedkgError, QueryInvalid, QueryRefused, StoreError
from kg.schema import HAS_PHENOTYPE, MENTIONS, NODE_LABELS, PREDICATES, SUBCLASS_OF, entity_type, predicate
from kg.types import Document, Entity, PhenotypeAnnotation, Provenance, Triple

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 5000


@dataclass(frozen=True, slots=True)
class MentionCount:
    """How often an article mentions an entity."""

    pmid: str
    curie: str
    count: int


@dataclass
class LoadSummary:
    """What one ``load_documents`` call handed to the store."""

    articles: int = 0
    entities: int = 0
    mentions: int = 0
    triples: int = 0


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` items, in order."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def article_key(doc: Document) -> str:
    return doc.pmid or doc.doc_id


def in_file_order(docs: Iterable[Document]) -> tuple[list[Document], list[str]]:
    """What a run of records leaves when applied in order: the articles to store (the last
    version of each) and the keys to delete (deleted and not added again after the deletion).
    A citation followed by its ``DeleteCitation`` is deleted; one deleted and then added back
    is stored."""
    live: dict[str, Document] = {}
    gone: dict[str, None] = {}
    for doc in docs:
        key = article_key(doc)
        if doc.deleted:
            live.pop(key, None)
            gone[key] = None
        else:
            live[key] = doc
            gone.pop(key, None)
    return list(live.values()), list(gone)


def document_rows(doc: Document, model: str = "") -> tuple[list[Entity], list[MentionCount], list[Triple]]:
    """The entities, mention counts and triples one document contributes to the graph.

    A mention contributes the CURIEs a normalizer gave it (its best grounding, or each part of a
    composite mention), or else its gold ids; a mention with neither is not an entity of the graph.
    Relations become triples with the document as provenance; a relation a model found in a
    sentence keeps that sentence's span and text.
    """
    pmid = article_key(doc)
    entities: dict[str, Entity] = {}
    counts: Counter[str] = Counter()
    for m in doc.mentions:
        category = entity_type(m.label).category
        found = {g.curie: g for g in m.groundings}
        for curie in m.concepts():
            g = found.get(curie)
            name, taxon = (g.name or m.text, g.taxon) if g else (m.text, "")
            entities.setdefault(curie, Entity(curie=curie, name=name, category=category, taxon=taxon))
            counts[curie] += 1
    triples = []
    for r in doc.relations:
        start, end = r.span if r.span else (0, 0)
        sentence = doc.text[start:end] if r.span else ""
        prov = Provenance(pmid=pmid, start=start, end=end, sentence=sentence, model=model, score=r.score, novel=r.novel)
        triples.append(Triple(r.subject, predicate(r.predicate).curie, r.object, prov))
    mention_rows = [MentionCount(pmid, c, n) for c, n in counts.items()]
    return list(entities.values()), mention_rows, triples


_WRITE_CLAUSE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|COPY|ALTER|LOAD|INSTALL|ATTACH|IMPORT|EXPORT"
    r"|FOREACH|BEGIN|COMMIT|ROLLBACK|CHECKPOINT)\b",
    re.IGNORECASE,
)
_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.DOTALL)


_SETTING = re.compile(r"\bCALL\s+[A-Za-z_][\w.]*\s*=", re.IGNORECASE)  # Kùzu's CALL timeout=1, CALL threads=1


_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def query_parameters(cypher: str) -> set[str]:
    """The ``$name`` parameters a query uses (outside strings and comments)."""
    return set(_PARAMETER.findall(_STRING_OR_COMMENT.sub(" ", cypher)))


MAX_RANGE = 1_000_000
_RANGE = re.compile(r"\brange\s*\(", re.IGNORECASE)


def _range_arguments(bare: str, start: int) -> list[str]:
    """The comma-separated arguments of the call whose '(' is at ``start - 1``."""
    depth = 0
    args: list[str] = []
    current: list[str] = []
    for ch in bare[start:]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                args.append("".join(current).strip())
                return args
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    return []


def _int_value(arg: str, params: dict[str, Any]) -> int | None:
    if re.fullmatch(r"[+-]?\d+", arg):
        return int(arg)
    if arg.startswith("$") and isinstance(params.get(arg[1:]), int):
        return int(params[arg[1:]])
    return None


def check_parameters(cypher: str, params: dict[str, Any] | None) -> None:
    """Refuse a query whose ``$parameters`` were not all given (some databases read a missing
    one as null and answer with no rows, which looks like an empty result), and one that asks
    ``range()`` for more than ``MAX_RANGE`` values from literal or parameter bounds: the embedded
    store builds the whole list before its query timeout can stop it (``range(1, 2000000000)``
    took 16 GB and 2 minutes under a 5 s timeout)."""
    bare = _STRING_OR_COMMENT.sub(" ", cypher)
    for found in _RANGE.finditer(bare):
        args = _range_arguments(bare, found.end())
        values = [_int_value(a, params or {}) for a in args]
        if len(values) < 2 or values[0] is None or values[1] is None:
            continue
        step = values[2] if len(values) > 2 else 1
        if step is None or step == 0:
            continue
        count = max(0, (values[1] - values[0]) // step + 1)
        if count > MAX_RANGE:
            raise QueryRefused(f"refused: range({', '.join(args)}) makes {count:,} values; at most {MAX_RANGE:,} here")
    missing = sorted(query_parameters(cypher) - set(params or {}))
    if missing:
        raise QueryInvalid(
            f"missing parameter{'s' if len(missing) > 1 else ''} {', '.join('$' + m for m in missing)}: "
            f'give {"them" if len(missing) > 1 else "it"} (CLI: -p {missing[0]}=VALUE; API: "params")'
        )


def check_read_only(cypher: str) -> None:
    """Refuse, before it reaches a database, a query with a write clause, more than one statement
    or a database setting (``CALL timeout=1`` would change the server for every client).

    This is the first of two guards: stores also run queries in read-only transactions, so a write
    hidden where this check cannot see it (inside a procedure) still fails in the database.
    """
    bare = _STRING_OR_COMMENT.sub(" ", cypher)
    found = _WRITE_CLAUSE.search(bare)
    if found:
        raise QueryRefused(f"refused: {found.group(1).upper()} would write; queries here are read-only")
    if ";" in bare.strip().rstrip(";"):
        raise QueryRefused("refused: one statement per query (drop the ';' between statements)")
    if _SETTING.search(bare):
        raise QueryRefused(
            "refused: CALL name=value changes the database's settings for everyone; queries here are read-only"
        )


class GraphStore(abc.ABC):
    """One graph, whatever holds it. Use as a context manager, or call ``close``."""

    batch_size: int = DEFAULT_BATCH_SIZE

    @abc.abstractmethod
    def load_entities(self, entities: Iterable[Entity]) -> int:
        """Merge entities (with xrefs and ``SUBCLASS_OF`` edges to their parents); count them."""

    @abc.abstractmethod
    def load_articles(self, docs: Iterable[Document], *, with_hash: bool = True) -> int:
        """Merge one ``Article`` node per document, keyed by PMID (or doc id)."""

    @abc.abstractmethod
    def load_mentions(self, rows: Iterable[MentionCount]) -> int:
        """Set ``(:Article)-[:MENTIONS {count}]->(:Entity)`` edges."""

    @abc.abstractmethod
    def load_triples(self, triples: Iterable[Triple]) -> int:
        """Store each triple's evidence once and refresh its aggregated literature edge."""

    @abc.abstractmethod
    def load_phenotypes(self, rows: Iterable[PhenotypeAnnotation]) -> int:
        """Set ``(:Entity)-[:HAS_PHENOTYPE {frequency, source}]->(:Entity)`` edges."""

    def prune_phenotypes(self, source: str, keep: Iterable[tuple[str, str]]) -> int:
        """Remove the disease -> phenotype edges of ``source`` whose (disease, phenotype) is not in
        ``keep``: loading a source again then leaves what its files (and the rules that derive
        from them) give now, not also what an earlier load gave. How many edges went."""
        wanted = set(keep)
        rows = self._execute(
            f"MATCH (d:Entity)-[h:{HAS_PHENOTYPE}]->(p:Entity) WHERE h.source = $source "
            "RETURN d.curie AS disease, p.curie AS phenotype",
            {"source": source},
        )
        stale = [r for r in rows if (r["disease"], r["phenotype"]) not in wanted]
        for chunk in batched(stale, 10_000):
            self._execute(
                "UNWIND $rows AS row MATCH (d:Entity {curie: row.disease}) MATCH (p:Entity {curie: row.phenotype}) "
                f"MATCH (d)-[h:{HAS_PHENOTYPE}]->(p) WHERE h.source = $source DELETE h",
                {"rows": chunk, "source": source},
            )
        return len(stale)

    # The Cypher function naming a relationship's type: type(r) in Neo4j, label(r) in Kùzu.
    edge_type_function = "type"

    def integrity(self) -> dict[str, Any]:
        """What a sound graph never holds: two edges of one type between the same two nodes,
        disease -> phenotype edges to HPO's root (HP:0000001, which no annotation names), and
        aggregated literature edges whose evidence count differs from their ``Evidence`` nodes.
        Graphs written by the embedded store before December 2026 could hold all three (a
        LadybugDB defect, BENCHMARKS.md session 17). ``problems`` sums them."""
        duplicates: dict[str, int] = {}
        for rel_type in (MENTIONS, SUBCLASS_OF, HAS_PHENOTYPE, *(p.rel_type for p in PREDICATES.values())):
            rows = self.query(
                f"MATCH (a)-[r:{rel_type}]->(b) WITH a, b, count(r) AS n WHERE n > 1 RETURN sum(n - 1) AS extra"
            )
            if rows and rows[0]["extra"]:
                duplicates[rel_type] = int(rows[0]["extra"])
        # Compared per row, not in WHERE: in a damaged embedded graph the misdirected edges read as
        # ending at HP:0000001, but a WHERE on the key goes through the index and finds none of them.
        to_root = self.query(
            f"MATCH (:Entity)-[h:{HAS_PHENOTYPE}]->(p:Entity) "
            "RETURN sum(CASE WHEN p.curie = 'HP:0000001' THEN 1 ELSE 0 END) AS n"
        )[0]["n"]
        evidence = {
            (r["s"], r["p"], r["o"]): int(r["n"])
            for r in self.query(
                "MATCH (v:Evidence) RETURN v.subject AS s, v.predicate AS p, v.object AS o, count(*) AS n"
            )
        }
        miscounted: Counter[str] = Counter()
        stated: set[tuple[str, str, str]] = set()
        for p in PREDICATES.values():
            for r in self.query(
                f"MATCH (s:Entity)-[r:{p.rel_type}]->(o:Entity) "
                "RETURN s.curie AS s, o.curie AS o, sum(r.evidence_count) AS n"
            ):
                key = (r["s"], p.curie, r["o"])
                stated.add(key)
                if int(r["n"] or 0) != evidence.get(key, 0):
                    miscounted[p.rel_type] += 1
        missing = sum(1 for key in evidence if key not in stated)
        return {
            "duplicate_edges": duplicates,
            "phenotype_edges_to_hpo_root": int(to_root or 0),
            "literature_edges_miscounted": dict(miscounted),
            "evidence_without_edge": missing,
            "problems": sum(duplicates.values()) + int(to_root or 0) + miscounted.total() + missing,
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {label: n}, "edges": {type: n}, "categories": {category: n}}``.

        Nodes are counted by their primary label (Entity, Article, Evidence), entities also by
        Biolink category, so that both stores report the same keys for the same graph.
        """
        nodes = {label: self.query(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"] for label in NODE_LABELS}
        edges = self.query(f"MATCH ()-[r]->() RETURN {self.edge_type_function}(r) AS type, count(*) AS n")
        cats = self.query("MATCH (e:Entity) WHERE e.category IS NOT NULL RETURN e.category AS c, count(*) AS n")
        return {
            "nodes": {k: v for k, v in nodes.items() if v},
            "edges": {r["type"]: r["n"] for r in edges},
            "categories": {r["c"]: r["n"] for r in cats},
        }

    @abc.abstractmethod
    def query(
        self, cypher: str, params: dict[str, Any] | None = None, *, max_rows: int | None = None
    ) -> list[dict[str, Any]]:
        """Run a read-only Cypher query; rows as dicts, at most ``max_rows`` of them (the rest is
        never fetched). Writes, several statements and settings are refused (``QueryRefused``);
        a query over the store's time limit is stopped (``QueryTimeout``)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and edge (the schema stays)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection or the database files."""

    @abc.abstractmethod
    def _execute(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run one writing statement in its own transaction; its rows as dicts."""

    def reachable(self) -> bool:
        """Whether the store answers a small read query (``/ready``'s probe)."""
        try:
            self.query("MATCH (e:Entity) RETURN count(e) AS n")
        except MedkgError:
            return False
        return True

    def entity_card(self, curie: str, limit: int = 100) -> dict[str, Any] | None:
        """An entity (found by its CURIE or one of its xrefs) with its parents, how many articles
        mention it, and its neighbours over literature and phenotype edges, best supported first
        (at most ``limit``); None when the graph has no such entity. ``/v1/entities`` answers this."""
        found = entity_properties(self, "WHERE e.curie = $c OR $c IN e.xrefs", {"c": curie})
        if not found:
            return None
        key = found[0]["curie"]
        neighbours = []
        for p in PREDICATES.values():
            for direction, pattern in (
                ("out", f"(e:Entity {{curie: $c}})-[r:{p.rel_type}]->(n:Entity)"),
                ("in", f"(n:Entity)-[r:{p.rel_type}]->(e:Entity {{curie: $c}})"),
            ):
                for row in self.query(
                    f"MATCH {pattern} RETURN n.curie AS curie, n.name AS name, r.evidence_count AS evidence, "
                    "r.pmids AS pmids",
                    {"c": key},
                ):
                    neighbours.append({"predicate": p.curie, "direction": direction, **row})
        for direction, pattern in (
            ("out", f"(e:Entity {{curie: $c}})-[h:{HAS_PHENOTYPE}]->(n:Entity)"),
            ("in", f"(n:Entity)-[h:{HAS_PHENOTYPE}]->(e:Entity {{curie: $c}})"),
        ):
            for row in self.query(
                f"MATCH {pattern} RETURN n.curie AS curie, n.name AS name, h.frequency AS frequency, h.pmids AS pmids",
                {"c": key},
            ):
                neighbours.append(
                    {
                        "predicate": "biolink:has_phenotype",
                        "direction": direction,
                        "evidence": len(row["pmids"] or []),
                        **row,
                    }
                )
        parents = self.query(
            f"MATCH (e:Entity {{curie: $c}})-[:{SUBCLASS_OF}]->(p:Entity) RETURN p.curie AS curie, p.name AS name",
            {"c": key},
        )
        articles = self.query(
            f"MATCH (a:Article)-[:{MENTIONS}]->(e:Entity {{curie: $c}}) RETURN count(a) AS n", {"c": key}
        )[0]["n"]
        neighbours.sort(key=lambda r: (-(r["evidence"] or 0), r["curie"]))
        return {
            **found[0],
            "parents": parents,
            "articles": articles,
            "neighbour_count": len(neighbours),
            "neighbours": neighbours[:limit],
        }

    # The diagnosis view of the graph (diagnosis.graph.DiseaseGraph.from_store reads it).

    def phenotype_annotations(self) -> list[dict[str, Any]]:
        """Every disease -> phenotype edge: disease, name, xrefs, phenotype, frequency, pmids, source."""
        return self.query(
            f"MATCH (d:Entity)-[h:{HAS_PHENOTYPE}]->(p:Entity) "
            "RETURN d.curie AS disease, d.name AS name, d.xrefs AS xrefs, p.curie AS phenotype, "
            "h.frequency AS frequency, h.pmids AS pmids, h.source AS source"
        )

    def phenotype_edge_count(self, source: str | None = None) -> int:
        """How many disease -> phenotype edges the graph has (of one ``source``: HPO, DOID...)."""
        where = " WHERE h.source = $source" if source else ""
        rows = self.query(
            f"MATCH (:Entity)-[h:{HAS_PHENOTYPE}]->(:Entity){where} RETURN count(h) AS n",
            {"source": source} if source else None,
        )
        return int(rows[0]["n"])

    def phenotypes(self) -> list[dict[str, Any]]:
        """Every phenotype: curie, name."""
        return self.query(
            "MATCH (p:Entity) WHERE p.category = 'biolink:PhenotypicFeature' RETURN p.curie AS curie, p.name AS name"
        )

    def phenotype_parents(self) -> list[dict[str, Any]]:
        """Every phenotype's is_a parents: curie, name, parent (a row per parent)."""
        return self.query(
            f"MATCH (p:Entity)-[:{SUBCLASS_OF}]->(q:Entity) WHERE p.category = 'biolink:PhenotypicFeature' "
            "RETURN p.curie AS curie, p.name AS name, q.curie AS parent"
        )

    def disease_mentions(self) -> list[dict[str, Any]]:
        """Which article mentions which disease concept: pmid, curie, name."""
        return self.query(
            f"MATCH (a:Article)-[:{MENTIONS}]->(e:Entity) WHERE e.category = 'biolink:Disease' "
            "RETURN a.pmid AS pmid, e.curie AS curie, e.name AS name"
        )

    def literature_edges(self, rel_type: str) -> list[dict[str, Any]]:
        """Every aggregated literature edge of one relationship type: subject, subject_name, object,
        object_name, evidence (count), pmids."""
        if rel_type not in {p.rel_type for p in PREDICATES.values()}:
            raise QueryInvalid(f"{rel_type!r} is not a literature relationship type")
        return self.query(
            f"MATCH (s:Entity)-[r:{rel_type}]->(o:Entity) RETURN s.curie AS subject, s.name AS subject_name, "
            "o.curie AS object, o.name AS object_name, r.evidence_count AS evidence, r.pmids AS pmids"
        )

    def article_hashes(self, pmids: Sequence[str]) -> dict[str, str]:
        """The content hash stored for each of these articles that the graph has."""
        rows = self.query(
            "MATCH (a:Article) WHERE a.pmid IN $pmids RETURN a.pmid AS pmid, a.content_hash AS hash",
            {"pmids": list(pmids)},
        )
        return {r["pmid"]: r["hash"] or "" for r in rows}

    def delete_articles(self, pmids: Sequence[str]) -> int:
        """Remove articles with their evidence and mention edges; recount the literature edges they
        supported (dropping those left without evidence) and remove entities left with no edge.
        Used for PubMed ``DeleteCitation`` records and before loading an updated citation."""
        pmids = list(pmids)
        if not pmids:
            return 0
        pairs = self._execute(
            "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE a.pmid IN $pmids "
            "RETURN DISTINCT v.subject AS subject, v.predicate AS predicate, v.object AS object",
            {"pmids": pmids},
        )
        mentioned = self._execute(
            "MATCH (a:Article)-[:MENTIONS]->(e:Entity) WHERE a.pmid IN $pmids RETURN DISTINCT e.curie AS curie",
            {"pmids": pmids},
        )
        found = self._execute("MATCH (a:Article) WHERE a.pmid IN $pmids RETURN count(a) AS n", {"pmids": pmids})[0]["n"]
        self._execute(
            "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE a.pmid IN $pmids DETACH DELETE v", {"pmids": pmids}
        )
        self._execute("MATCH (a:Article) WHERE a.pmid IN $pmids DETACH DELETE a", {"pmids": pmids})
        by_type: dict[str, list[dict[str, Any]]] = {}
        for pair in pairs:
            by_type.setdefault(predicate(pair["predicate"]).rel_type, []).append(pair)
        for rel_type, group in by_type.items():
            self._recount(rel_type, group)
        curies = sorted({c for p in pairs for c in (p["subject"], p["object"])} | {r["curie"] for r in mentioned})
        if curies:
            self._execute(
                "MATCH (e:Entity) WHERE e.curie IN $curies AND NOT EXISTS { MATCH (e)-[]-() } DELETE e",
                {"curies": curies},
            )
        return int(found)

    def _recount(self, rel_type: str, pairs: list[dict[str, Any]]) -> None:
        """Set aggregated edges to what their remaining evidence says (none: the edge goes)."""
        self._execute(_RECOUNT % rel_type, {"pairs": pairs})
        self._execute(f"MATCH (:Entity)-[r:{rel_type}]->(:Entity) WHERE r.evidence_count = 0 DELETE r", {})

    def load_documents(self, docs: Sequence[Document], model: str = "") -> LoadSummary:
        """Load documents with their mentions and relations: articles, entities, counts, triples.
        ``model`` names what found the relations (kept on each piece of evidence)."""
        summary = LoadSummary()
        entities: dict[str, Entity] = {}
        mentions: list[MentionCount] = []
        triples: list[Triple] = []
        for doc in docs:
            ents, ments, trips = document_rows(doc, model)
            for e in ents:
                entities.setdefault(e.curie, e)
            mentions.extend(ments)
            triples.extend(trips)
        # An article's content hash is written last, once everything it contributes is in: a
        # load killed before that leaves the article without its hash, so the next run extracts
        # and loads it again (after removing what half-arrived) instead of calling it unchanged.
        summary.articles = self.load_articles(docs, with_hash=False)
        summary.entities = self.load_entities(entities.values())
        summary.mentions = self.load_mentions(mentions)
        summary.triples = self.load_triples(triples)
        self.load_articles(docs)
        return summary

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Recount an aggregated literature edge from the evidence that is left.
_RECOUNT = """
UNWIND $pairs AS pair
MATCH (s:Entity {curie: pair.subject})-[r:%s]->(o:Entity {curie: pair.object})
OPTIONAL MATCH (v:Evidence {subject: pair.subject, object: pair.object})
WHERE v.predicate = pair.predicate
WITH r, count(v) AS n, collect(DISTINCT v.pmid) AS pmids, max(v.score) AS best
SET r.evidence_count = n, r.pmids = pmids, r.max_score = best
"""


def article_row(d: Document, with_hash: bool = True) -> dict[str, Any]:
    """The properties of one ``Article`` node (``with_hash``: its content hash too, which marks
    the article as completely loaded)."""
    return {
        "pmid": article_key(d),
        "title": d.title,
        "journal": d.journal,
        "year": d.year,
        "doi": d.doi,
        "content_hash": d.content_hash if with_hash else None,
    }


def mention_row(r: MentionCount) -> dict[str, Any]:
    return {"pmid": r.pmid, "curie": r.curie, "count": r.count}


def phenotype_row(r: PhenotypeAnnotation) -> dict[str, Any]:
    return {
        "disease": r.disease,
        "phenotype": r.phenotype,
        "frequency": r.frequency,
        "source": r.source,
        "pmids": list(r.pmids),
    }


_ENTITY_PROPERTIES = "e.curie AS curie, e.name AS name, e.category AS category, e.xrefs AS xrefs"


def entity_properties(store: GraphStore, where: str = "", params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The ``curie``, ``name``, ``category``, ``xrefs`` and ``in_taxon`` (a gene's species; None
    where not known) of every entity node, or of those ``where`` (a ``WHERE`` clause over ``e``)
    keeps. An embedded graph written before medkg kept species and opened read-only (an export of
    it) has no ``in_taxon`` column: its rows say None, as Neo4j does for a missing property."""
    match = f"MATCH (e:Entity) {where} RETURN {_ENTITY_PROPERTIES}"
    try:
        return store.query(f"{match}, e.in_taxon AS in_taxon", params)
    except StoreError:
        return [{**r, "in_taxon": None} for r in store.query(match, params)]


def evidence_novelty(store: GraphStore) -> list[dict[str, Any]]:
    """The evidence with a novelty flag: its ``id``, ``novel``, statement (``s``, ``p``, ``o``) and
    ``pmid``. Empty for an embedded graph written before medkg kept novelty and opened read-only
    (an export of it): such a graph gains the column only when opened for writing."""
    try:
        return store.query(
            "MATCH (v:Evidence) WHERE v.novel IS NOT NULL RETURN v.evidence_id AS id, v.novel AS novel, "
            "v.subject AS s, v.predicate AS p, v.object AS o, v.pmid AS pmid"
        )
    except StoreError:
        return []


def evidence_row(t: Triple) -> dict[str, Any]:
    """The properties of one ``Evidence`` node."""
    p = t.provenance
    return {
        "evidence_id": t.evidence_id,
        "subject": t.subject,
        "predicate": t.predicate,
        "object": t.object,
        "pmid": p.pmid,
        "start_char": p.start,
        "end_char": p.end,
        "sentence": p.sentence,
        "model": p.model,
        "score": float(p.score),
        "novel": p.novel,
    }
