"""``EmbeddedStore``: the default graph store, LadybugDB (the maintained Kùzu fork) on disk.

No server: the database is a folder. The schema is the one Neo4j gets, written as Kùzu's typed node
and relationship tables; Neo4j's extra type labels (``:Disease``...) are the ``category`` property
here, which both stores carry, so portable queries filter on ``category``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ladybug

from kg.errors import QueryRefused, QueryTimeout, StoreError
from kg.schema import (
    HAS_EVIDENCE,
    HAS_PHENOTYPE,
    MENTIONS,
    NODE_LABELS,
    PREDICATES,
    SUBCLASS_OF,
    predicate,
)
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

_CORES = os.cpu_count() or 1
_POOL_THREADS = max(16, 4 * _CORES)

_LITERATURE_PROPS = "predicate STRING, evidence_count INT64, pmids STRING[], max_score DOUBLE, model STRING"
_SCHEMA = (
    (
        "CREATE NODE TABLE IF NOT EXISTS Entity(curie STRING PRIMARY KEY, name STRING, category STRING, "
        "xrefs STRING[], in_taxon STRING)"
    ),
    (
        "CREATE NODE TABLE IF NOT EXISTS Article(pmid STRING PRIMARY KEY, title STRING, "
        "journal STRING, year INT64, doi STRING, content_hash STRING)"
    ),
    (
        "CREATE NODE TABLE IF NOT EXISTS Evidence(evidence_id STRING PRIMARY KEY, subject STRING, "
        "predicate STRING, object STRING, pmid STRING, start_char INT64, end_char INT64, "
        "sentence STRING, model STRING, score DOUBLE, novel BOOLEAN)"
    ),
    f"CREATE REL TABLE IF NOT EXISTS {MENTIONS}(FROM Article TO Entity, count INT64)",
    f"CREATE REL TABLE IF NOT EXISTS {SUBCLASS_OF}(FROM Entity TO Entity)",
    (
        f"CREATE REL TABLE IF NOT EXISTS {HAS_PHENOTYPE}(FROM Entity TO Entity, frequency DOUBLE, "
        "source STRING, pmids STRING[])"
    ),
    f"CREATE REL TABLE IF NOT EXISTS {HAS_EVIDENCE}(FROM Article TO Evidence)",
    *(
        f"CREATE REL TABLE IF NOT EXISTS {p.rel_type}(FROM Entity TO Entity, {_LITERATURE_PROPS})"
        for p in PREDICATES.values()
    ),
)

_ENTITIES = """
UNWIND $rows AS row
MERGE (e:Entity {curie: row.curie})
SET e.name = row.name, e.category = row.category, e.xrefs = row.xrefs,
    e.in_taxon = CASE WHEN row.in_taxon = '' THEN e.in_taxon ELSE row.in_taxon END
"""
# Parents are made to exist first (_ENSURE_ENTITIES) and rows only MATCH them: with a MERGE of the
# parent in the same UNWIND, Kùzu folds the rows that name one parent, and their edges were lost
# (738 of 20,942 edges of a synthetic hierarchy; 460 of HPO's 23,392, a slightly different set each load).
_PARENTS = f"""
UNWIND $rows AS row
MATCH (e:Entity {{curie: row.child}})
MATCH (p:Entity {{curie: row.parent}})
MERGE (e)-[:{SUBCLASS_OF}]->(p)
"""
_ARTICLES = """
UNWIND $rows AS row
MERGE (a:Article {pmid: row.pmid})
SET a.title = row.title, a.journal = row.journal, a.year = CAST(row.year AS INT64), a.doi = row.doi,
    a.content_hash = row.content_hash
"""
# LadybugDB (0.22) corrupts a relationship table when it checkpoints properties SET on its existing
# edges once a node group holds more than 2**17 of them: some edges then point to node 0 (a second
# HPO load gave 48,757 disease -> HP:0000001 edges and 111,294 duplicates; reproduced with 135,000
# synthetic edges, not with 128,000). So no edge is updated in place here: an edge that exists is
# deleted and created again with its new properties, in the same transaction. An edge is found by
# its two endpoints, each MATCHed by its key first: one path pattern with both keys scans the whole
# relationship table (1.9 s against 0.17 s for 5,000 rows among 135,000 edges).
# Rows only MATCH their endpoints, made to exist first (_ENSURE_*): a MERGE of both endpoints per
# row is about six times slower here (HPO's 253,328 annotations: 210 s against 35 s).


def _edges(unwind: str, source: str, target: str, rel: str) -> str:
    """UNWIND rows, then MATCH the edge ``rel`` each row names between ``source`` and ``target``
    (node patterns such as ``a:Article {pmid: row.pmid}``), the endpoints by key first."""
    return (
        f"UNWIND {unwind}\nMATCH ({source})\nMATCH ({target})\n"
        f"MATCH ({source.split(':')[0]})-[{rel}]->({target.split(':')[0]})\n"
    )


_MENTIONS_DELETE = (
    _edges("$rows AS row", "a:Article {pmid: row.pmid}", "e:Entity {curie: row.curie}", f"m:{MENTIONS}") + "DELETE m"
)
_MENTIONS = f"""
UNWIND $rows AS row
MATCH (a:Article {{pmid: row.pmid}})
MATCH (e:Entity {{curie: row.curie}})
CREATE (a)-[:{MENTIONS} {{count: row.count}}]->(e)
"""
_EXISTING_EVIDENCE = "UNWIND $ids AS id MATCH (v:Evidence {evidence_id: id}) RETURN v.evidence_id AS id"
# Kùzu merges identical MERGE patterns of one UNWIND into one row, so the endpoints are made to
# exist first (_ENSURE_*) and evidence rows only MATCH them.
_ENSURE_ENTITIES = "UNWIND $curies AS curie MERGE (:Entity {curie: curie})"
_ENSURE_ARTICLES = "UNWIND $pmids AS pmid MERGE (:Article {pmid: pmid})"
_EVIDENCE = f"""
UNWIND $rows AS row
MATCH (a:Article {{pmid: row.pmid}})
CREATE (v:Evidence {{evidence_id: row.evidence_id, subject: row.subject, predicate: row.predicate,
    object: row.object, pmid: row.pmid, start_char: row.start_char, end_char: row.end_char,
    sentence: row.sentence, model: row.model, score: row.score, novel: row.novel}})
CREATE (a)-[:{HAS_EVIDENCE}]->(v)
"""
# Aggregates grow by what this call added (deltas computed from the new evidence only), inside the
# same transaction as the evidence, so a repeat adds nothing and a crash leaves nothing half-done.
# The old aggregate is read, the edge deleted and created again with the sum (see above: no SET).
_AGGREGATE_PAIRS = _edges("$pairs AS pair", "s:Entity {curie: pair.subject}", "o:Entity {curie: pair.object}", "r:%s")
_AGGREGATE_EXISTING = (
    _AGGREGATE_PAIRS
    + """RETURN s.curie AS subject, o.curie AS object, r.evidence_count AS evidence_count, r.pmids AS pmids,
    r.max_score AS max_score
"""
)
_AGGREGATE_DELETE = _AGGREGATE_PAIRS + "DELETE r"
_AGGREGATE = """
UNWIND $pairs AS pair
MATCH (s:Entity {curie: pair.subject})
MATCH (o:Entity {curie: pair.object})
CREATE (s)-[:%s {predicate: pair.predicate, evidence_count: pair.n, pmids: CAST(pair.pmids AS STRING[]),
    max_score: pair.max_score, model: pair.model}]->(o)
"""
# An aggregated edge recounted from the evidence left (delete_articles).
_COUNT_EVIDENCE = (
    _AGGREGATE_PAIRS
    + """OPTIONAL MATCH (v:Evidence {subject: pair.subject, object: pair.object})
WHERE v.predicate = pair.predicate
RETURN pair.subject AS subject, pair.object AS object, pair.predicate AS predicate, r.model AS model,
    count(v) AS n, collect(DISTINCT v.pmid) AS pmids, max(v.score) AS max_score
"""
)
_PHENOTYPES_DELETE = (
    _edges("$rows AS row", "d:Entity {curie: row.disease}", "p:Entity {curie: row.phenotype}", f"h:{HAS_PHENOTYPE}")
    + "DELETE h"
)
_PHENOTYPES = f"""
UNWIND $rows AS row
MATCH (d:Entity {{curie: row.disease}})
MATCH (p:Entity {{curie: row.phenotype}})
CREATE (d)-[:{HAS_PHENOTYPE} {{frequency: CAST(row.frequency AS DOUBLE), source: row.source,
    pmids: CAST(row.pmids AS STRING[])}}]->(p)
"""


_INTERNAL_KEYS = frozenset({"_ID", "_LABEL", "_SRC", "_DST"})


def _public(value: Any) -> Any:
    """A node or relationship as its properties: LadybugDB's internal ``_ID``, ``_LABEL``,
    ``_SRC``, ``_DST`` keys are left out (Neo4j's driver gives properties only, too)."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if k not in _INTERNAL_KEYS}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _pair_deltas(triples: list[Triple]) -> list[dict[str, Any]]:
    """Per (subject, predicate, object): how much new evidence, from which PMIDs, the best score."""
    pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for t in triples:
        key = (t.subject, t.predicate, t.object)
        p = pairs.setdefault(
            key,
            {
                "subject": t.subject,
                "predicate": t.predicate,
                "object": t.object,
                "n": 0,
                "pmids": [],
                "max_score": float(t.provenance.score),
                "model": t.provenance.model,
            },
        )
        p["n"] += 1
        p["max_score"] = max(p["max_score"], float(t.provenance.score))
        if t.provenance.pmid not in p["pmids"]:
            p["pmids"].append(t.provenance.pmid)
    return list(pairs.values())


class EmbeddedStore(GraphStore):
    """A LadybugDB database in a folder on disk; created with its schema on first use.

    >>> store = EmbeddedStore("~/.cache/medkg/graph")  # doctest: +SKIP
    >>> store.counts()["nodes"]  # doctest: +SKIP
    {'Entity': 0, 'Article': 0, 'Evidence': 0}
    """

    edge_type_function = "label"

    def __init__(
        self,
        path: str | Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        read_only: bool = False,
        query_timeout_s: float | None = 60.0,
        query_threads: int = 0,
    ) -> None:
        """``read_only``: several processes may then open the same graph at once (the API's
        workers, ``medkg query``), none while another process writes to it. ``query_timeout_s``
        bounds each ``query`` (loads are not bounded).

        ``query`` runs on a connection of its own thread, so threads (the API's requests) read side
        by side and one slow query holds up no other; ``query_threads`` bounds the cores each query
        may use (0: all), so that one query cannot take every core from the others."""
        self.path = Path(path).expanduser()
        self.batch_size = batch_size
        self.query_timeout_s = query_timeout_s
        self.query_threads = query_threads
        self._local = threading.local()
        self._readers: list[ladybug.Connection] = []
        self._readers_lock = threading.Lock()
        if read_only and not self.path.exists():
            raise StoreError(
                f"no embedded graph at {self.path} yet: build it with `medkg run` (or `medkg ingest`) first"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The database's worker pool is shared by every connection's queries: with one worker
            # per core, two slow queries took every worker and a third, tiny one waited for them.
            # A larger pool lets queries run side by side; each query uses at most query_threads.
            self._db = ladybug.Database(str(self.path), read_only=read_only, max_num_threads=_POOL_THREADS)
            self._conn = ladybug.Connection(self._db, num_threads=_CORES)
        except RuntimeError as exc:
            raise StoreError(
                f"cannot open the embedded graph at {self.path}: {exc}. Another medkg process may "
                "hold it; stop that process or choose another MEDKG_STORE_PATH."
            ) from exc
        if read_only:
            return
        for statement in _SCHEMA:
            self._conn.execute(statement)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a graph written by an older medkg to this schema (columns added since)."""
        columns = {r["name"] for r in self._rows(f"CALL table_info('{HAS_PHENOTYPE}') RETURN *")}
        if "pmids" not in columns:
            self._conn.execute(f"ALTER TABLE {HAS_PHENOTYPE} ADD pmids STRING[] DEFAULT []")
        if "novel" not in {r["name"] for r in self._rows("CALL table_info('Evidence') RETURN *")}:
            self._conn.execute("ALTER TABLE Evidence ADD novel BOOLEAN")  # evidence loaded before: not said
        if "in_taxon" not in {r["name"] for r in self._rows("CALL table_info('Entity') RETURN *")}:
            self._conn.execute("ALTER TABLE Entity ADD in_taxon STRING")  # genes loaded before: species not said

    def _reader(self) -> ladybug.Connection:
        """This thread's read connection (made on its first query)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = ladybug.Connection(self._db, num_threads=self.query_threads or _CORES)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _rows(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        max_rows: int | None = None,
        conn: ladybug.Connection | None = None,
    ) -> list[dict[str, Any]]:
        try:
            result = (conn or self._conn).execute(cypher, params or {})
        except (RuntimeError, TypeError, ValueError) as exc:  # bad Cypher, parameters of mixed types...
            if str(exc).strip() == "Interrupted.":  # what LadybugDB says when the query timeout stops a query
                raise QueryTimeout(
                    f"the query ran over {self.query_timeout_s:g} s and was stopped; narrow it (WHERE, LIMIT)"
                ) from exc
            raise StoreError(f"embedded store: {exc}") from exc
        if isinstance(result, list):  # several statements: refused by check_read_only before a query gets here
            raise QueryRefused("refused: one statement per query")
        names = result.get_column_names()
        rows: list[dict[str, Any]] = []
        while (max_rows is None or len(rows) < max_rows) and result.has_next():
            rows.append(dict(zip(names, result.get_next(), strict=True)))
        return rows

    def _execute(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._rows(cypher, params)

    def _write_batches(self, cypher: str, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for batch in batched(rows, self.batch_size):
            self._rows(cypher, {"rows": batch})
            n += len(batch)
        return n

    def load_entities(self, entities: Iterable[Entity]) -> int:
        rows: list[dict[str, Any]] = []
        parents: list[dict[str, str]] = []
        for e in entities:
            rows.append(
                {"curie": e.curie, "name": e.name, "category": e.category, "xrefs": list(e.xrefs), "in_taxon": e.taxon}
            )
            parents.extend({"child": e.curie, "parent": p} for p in e.parents)
        n = self._write_batches(_ENTITIES, rows)
        for batch in batched(parents, self.batch_size):
            self._rows(_ENSURE_ENTITIES, {"curies": sorted({r["parent"] for r in batch})})
            self._rows(_PARENTS, {"rows": batch})
        return n

    def load_articles(self, docs: Iterable[Document], *, with_hash: bool = True) -> int:
        return self._write_batches(_ARTICLES, (article_row(d, with_hash) for d in docs))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The writes inside land together, or none of them."""
        self._conn.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._end_transaction("ROLLBACK")
            raise
        self._end_transaction("COMMIT")

    def load_mentions(self, rows: Iterable[MentionCount]) -> int:
        n = 0
        for batch in batched(map(mention_row, rows), self.batch_size):
            last = list({(r["pmid"], r["curie"]): r for r in batch}.values())  # a repeated pair: its last count
            with self._transaction():
                self._rows(_ENSURE_ARTICLES, {"pmids": sorted({r["pmid"] for r in last})})
                self._rows(_ENSURE_ENTITIES, {"curies": sorted({r["curie"] for r in last})})
                self._rows(_MENTIONS_DELETE, {"rows": last})
                self._rows(_MENTIONS, {"rows": last})
            n += len(batch)
        return n

    def _add_to_aggregates(self, rel_type: str, deltas: list[dict[str, Any]]) -> None:
        """Add new evidence to the aggregated edges of one relationship type (inside the caller's
        transaction): each edge is created again with its old counts plus the deltas."""
        old = {(r["subject"], r["object"]): r for r in self._rows(_AGGREGATE_EXISTING % rel_type, {"pairs": deltas})}
        pairs = []
        for d in deltas:
            before = old.get((d["subject"], d["object"]))
            if before is not None:
                d = {
                    **d,
                    "n": int(before["evidence_count"] or 0) + d["n"],
                    "pmids": list(dict.fromkeys([*(before["pmids"] or []), *d["pmids"]])),
                    "max_score": max(d["max_score"], before["max_score"] if before["max_score"] is not None else -1.0),
                }
            pairs.append(d)
        if old:
            self._rows(
                _AGGREGATE_DELETE % rel_type, {"pairs": [d for d in deltas if (d["subject"], d["object"]) in old]}
            )
        self._rows(_AGGREGATE % rel_type, {"pairs": pairs})

    def load_triples(self, triples: Iterable[Triple]) -> int:
        n = 0
        for batch in batched(triples, self.batch_size):
            unique = {t.evidence_id: t for t in batch}
            known = {r["id"] for r in self._rows(_EXISTING_EVIDENCE, {"ids": list(unique)})}
            new = [t for key, t in unique.items() if key not in known]
            n += len(batch)
            if not new:
                continue
            by_type: dict[str, list[Triple]] = defaultdict(list)
            for t in new:
                by_type[predicate(t.predicate).rel_type].append(t)
            curies = sorted({c for t in new for c in (t.subject, t.object)})
            pmids = sorted({t.provenance.pmid for t in new})
            with self._transaction():
                self._rows(_ENSURE_ENTITIES, {"curies": curies})
                self._rows(_ENSURE_ARTICLES, {"pmids": pmids})
                self._rows(_EVIDENCE, {"rows": [evidence_row(t) for t in new]})
                for rel_type, group in by_type.items():
                    self._add_to_aggregates(rel_type, _pair_deltas(group))
        return n

    def _recount(self, rel_type: str, pairs: list[dict[str, Any]]) -> None:
        """Set aggregated edges to what their remaining evidence says (none: the edge goes)."""
        counts = self._rows(_COUNT_EVIDENCE % rel_type, {"pairs": pairs})
        kept = [c for c in counts if c["n"] > 0]
        with self._transaction():
            self._rows(_AGGREGATE_DELETE % rel_type, {"pairs": pairs})
            if kept:  # an empty list parameter is typed STRING[] and fails to bind
                self._rows(_AGGREGATE % rel_type, {"pairs": kept})

    def load_phenotypes(self, rows: Iterable[PhenotypeAnnotation]) -> int:
        n = 0
        for batch in batched(map(phenotype_row, rows), self.batch_size):
            last = list({(r["disease"], r["phenotype"]): r for r in batch}.values())  # a repeated pair: its last row
            curies = {r["disease"] for r in last} | {r["phenotype"] for r in last}
            with self._transaction():
                self._rows(_ENSURE_ENTITIES, {"curies": sorted(curies)})
                self._rows(_PHENOTYPES_DELETE, {"rows": last})
                self._rows(_PHENOTYPES, {"rows": last})
            n += len(batch)
        return n

    def query(
        self, cypher: str, params: dict[str, Any] | None = None, *, max_rows: int | None = None
    ) -> list[dict[str, Any]]:
        check_read_only(cypher)
        check_parameters(cypher, params)
        conn = self._reader()
        conn.execute("BEGIN TRANSACTION READ ONLY")
        if self.query_timeout_s:
            conn.set_query_timeout(int(self.query_timeout_s * 1000))
        try:
            rows = [{k: _public(v) for k, v in row.items()} for row in self._rows(cypher, params, max_rows, conn)]
        except BaseException:  # whatever happened, the connection is left with no open transaction
            self._end_transaction("ROLLBACK", conn)
            raise
        finally:
            conn.set_query_timeout(0)
        self._end_transaction("COMMIT", conn)
        return rows

    def _end_transaction(self, statement: str, conn: ladybug.Connection | None = None) -> None:
        # A failed statement may already have ended the transaction; that is not an error here.
        try:
            (conn or self._conn).execute(statement)
        except RuntimeError as exc:
            if "No active transaction" not in str(exc):
                raise StoreError(f"embedded store: {exc}") from exc

    def clear(self) -> None:
        for label in NODE_LABELS:
            self._conn.execute(f"MATCH (n:{label}) DETACH DELETE n")

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._conn.close()
        self._db.close()
