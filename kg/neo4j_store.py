"""``Neo4jStore``: the production graph store, through the official ``neo4j`` driver.

Writes go in ``UNWIND $rows`` batches inside managed transactions, which the driver retries on
transient errors (deadlocks, leader switches); uniqueness constraints are created on first use;
``query`` runs in a READ transaction.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from kg.errors import QueryTimeout, StoreError
from kg.schema import ENTITY_TYPES, HAS_PHENOTYPE, predicate
from kg.store import (
    DEFAULT_BATCH_SIZE,
    GraphStore,
    MentionCount,
    article_row,
    batched,
    check_parameters,
    check_read_only,
    evidence_row,
    mention_row,
    phenotype_row,
)
from kg.types import Document, Entity, PhenotypeAnnotation, Triple

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE CONSTRAINT entity_curie IF NOT EXISTS FOR (e:Entity) REQUIRE e.curie IS UNIQUE",
    "CREATE CONSTRAINT article_pmid IF NOT EXISTS FOR (a:Article) REQUIRE a.pmid IS UNIQUE",
    "CREATE CONSTRAINT evidence_id IF NOT EXISTS FOR (v:Evidence) REQUIRE v.evidence_id IS UNIQUE",
    "CREATE INDEX evidence_pair IF NOT EXISTS FOR (v:Evidence) ON (v.subject, v.object)",
    "CREATE INDEX entity_category IF NOT EXISTS FOR (e:Entity) ON (e.category)",
)
_LABEL_OF_CATEGORY = {t.category: t.label for t in ENTITY_TYPES.values()}

_ENTITIES = """
UNWIND $rows AS row
MERGE (e:Entity {curie: row.curie})
SET e.name = row.name, e.category = row.category, e.xrefs = row.xrefs, e:%s,
    e.in_taxon = CASE WHEN row.in_taxon = '' THEN e.in_taxon ELSE row.in_taxon END
WITH e, row
UNWIND row.parents AS parent
MERGE (p:Entity {curie: parent})
MERGE (e)-[:SUBCLASS_OF]->(p)
"""
_ARTICLES = """
UNWIND $rows AS row
MERGE (a:Article {pmid: row.pmid})
SET a.title = row.title, a.journal = row.journal, a.year = row.year, a.doi = row.doi,
    a.content_hash = row.content_hash
"""
_MENTIONS = """
UNWIND $rows AS row
MERGE (a:Article {pmid: row.pmid})
MERGE (e:Entity {curie: row.curie})
MERGE (a)-[m:MENTIONS]->(e)
SET m.count = row.count
"""
_ENSURE_ENTITIES = "UNWIND $curies AS curie MERGE (:Entity {curie: curie})"
_ENSURE_ARTICLES = "UNWIND $pmids AS pmid MERGE (:Article {pmid: pmid})"
# Evidence is merged on its id; only evidence this very statement created (its load_id is this
# call's) is linked to its article and counted on the aggregated edge, so repeating a batch adds
# nothing. A transaction is all or nothing, so a run that dies part-way leaves no half-counted batch.
_EVIDENCE = """
UNWIND $rows AS row
MERGE (v:Evidence {evidence_id: row.evidence_id})
ON CREATE SET v += row, v.load_id = $load_id, v.loaded_at = datetime()
WITH v, row WHERE v.load_id = $load_id
MATCH (a:Article {pmid: row.pmid})
MATCH (s:Entity {curie: row.subject})
MATCH (o:Entity {curie: row.object})
CREATE (a)-[:HAS_EVIDENCE]->(v)
MERGE (s)-[r:%s]->(o)
ON CREATE SET r.predicate = row.predicate, r.evidence_count = 0, r.pmids = [], r.max_score = row.score
SET r.evidence_count = r.evidence_count + 1,
    r.pmids = CASE WHEN row.pmid IN r.pmids THEN r.pmids ELSE r.pmids + row.pmid END,
    r.max_score = CASE WHEN row.score > r.max_score THEN row.score ELSE r.max_score END,
    r.model = row.model
"""
_PHENOTYPES = f"""
UNWIND $rows AS row
MERGE (d:Entity {{curie: row.disease}})
MERGE (p:Entity {{curie: row.phenotype}})
MERGE (d)-[h:{HAS_PHENOTYPE}]->(p)
SET h.frequency = row.frequency, h.source = row.source, h.pmids = row.pmids
"""


class Neo4jStore(GraphStore):
    """A Neo4j 5 database behind the Bolt protocol.

    >>> store = Neo4jStore("bolt://localhost:7687", auth=("neo4j", "secret"))  # doctest: +SKIP
    >>> store.query("MATCH (e:Entity) RETURN count(e) AS n")  # doctest: +SKIP
    [{'n': 0}]
    """

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        *,
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        query_timeout_s: float | None = 60.0,
    ) -> None:
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.query_timeout_s = query_timeout_s
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
        except (ServiceUnavailable, OSError, ValueError, Neo4jError) as exc:
            raise StoreError(
                f"cannot reach Neo4j at {uri}: {exc}. Is the server running, and are "
                "MEDKG_NEO4J_URI / MEDKG_NEO4J_USER / MEDKG_NEO4J_PASSWORD right?"
            ) from exc
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database) as session:
            for statement in _SCHEMA:
                session.run(statement).consume()

    def _write(self, cypher: str, **params: Any) -> None:
        self._execute(cypher, params)

    def _execute(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(cypher, params)]

        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except Neo4jError as exc:
            raise StoreError(f"Neo4j refused a write: {exc}") from exc

    def _write_batches(self, cypher: str, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for batch in batched(rows, self.batch_size):
            self._write(cypher, rows=batch)
            n += len(batch)
        return n

    def load_entities(self, entities: Iterable[Entity]) -> int:
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in entities:
            label = _LABEL_OF_CATEGORY.get(e.category, "Concept")
            by_label[label].append(
                {
                    "curie": e.curie,
                    "name": e.name,
                    "category": e.category,
                    "xrefs": list(e.xrefs),
                    "parents": list(e.parents),
                    "in_taxon": e.taxon,
                }
            )
        return sum(self._write_batches(_ENTITIES % label, rows) for label, rows in by_label.items())

    def load_articles(self, docs: Iterable[Document], *, with_hash: bool = True) -> int:
        return self._write_batches(_ARTICLES, (article_row(d, with_hash) for d in docs))

    def load_mentions(self, rows: Iterable[MentionCount]) -> int:
        return self._write_batches(_MENTIONS, map(mention_row, rows))

    def load_triples(self, triples: Iterable[Triple]) -> int:
        n = 0
        for batch in batched(triples, self.batch_size):
            unique = {t.evidence_id: t for t in batch}  # a repeat inside one batch counts once
            curies = sorted({c for t in unique.values() for c in (t.subject, t.object)})
            pmids = sorted({t.provenance.pmid for t in unique.values()})
            self._write(_ENSURE_ENTITIES, curies=curies)
            self._write(_ENSURE_ARTICLES, pmids=pmids)
            by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for t in unique.values():
                by_type[predicate(t.predicate).rel_type].append(evidence_row(t))
            for rel_type, rows in by_type.items():
                self._write(_EVIDENCE % rel_type, rows=rows, load_id=uuid.uuid4().hex)
            n += len(batch)
        return n

    def load_phenotypes(self, rows: Iterable[PhenotypeAnnotation]) -> int:
        return self._write_batches(_PHENOTYPES, map(phenotype_row, rows))

    def query(
        self, cypher: str, params: dict[str, Any] | None = None, *, max_rows: int | None = None
    ) -> list[dict[str, Any]]:
        check_read_only(cypher)
        check_parameters(cypher, params)

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in itertools.islice(tx.run(cypher, params or {}), max_rows)]

        work_with_timeout = neo4j.unit_of_work(timeout=self.query_timeout_s)(work)
        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work_with_timeout)
        except Neo4jError as exc:
            if "TimedOut" in (exc.code or "") or "Terminated" in (exc.code or ""):
                raise QueryTimeout(
                    f"the query ran over {self.query_timeout_s:g} s and was stopped; narrow it (WHERE, LIMIT)"
                ) from exc
            raise StoreError(f"query failed: {exc.message or exc}") from exc

    def clear(self) -> None:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        with self._driver.session(database=self.database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()

    def close(self) -> None:
        self._driver.close()
