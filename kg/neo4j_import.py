"""Bulk loading into Neo4j with ``neo4j-admin database import full``: the CSV files of the graph
medkg's stores hold, and the command that imports them.

Transactional loading (``Neo4jStore``, ``UNWIND $rows`` batches) is what ingestion uses: it adds to
a live graph and is idempotent. A first load of a large graph is faster offline: Neo4j's own
importer writes the store files directly (the database is stopped and must be empty, or is
overwritten). The files written here give Neo4j exactly the schema ``Neo4jStore`` writes: the same
labels, properties, ``Evidence`` nodes with their ``HAS_EVIDENCE`` edge, and literature edges
aggregated from the evidence as ``Neo4jStore.load_triples`` aggregates them; the uniqueness
constraints and indexes are created when ``Neo4jStore`` first connects. One difference:
neo4j-admin cannot write an empty array, so an empty ``xrefs`` or ``pmids`` list is no property
(``coalesce(e.xrefs, [])`` reads both).

    >>> files = write_import_files(folder, entities=..., articles=..., triples=...)  # doctest: +SKIP
    >>> run_admin_import(files, ["neo4j-admin"], overwrite=True)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import logging
import os
import subprocess
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.errors import StoreError
from kg.schema import ENTITY_TYPES, HAS_EVIDENCE, HAS_PHENOTYPE, MENTIONS, SUBCLASS_OF, predicate
from kg.store import GraphStore, MentionCount, entity_properties, evidence_novelty
from kg.types import Entity, PhenotypeAnnotation, Provenance, Triple

log = logging.getLogger(__name__)

# Between the elements of an array property (xrefs, pmids): a control character no CURIE or PMID holds.
ARRAY_DELIMITER = "\x1f"
_LABEL_OF_CATEGORY = {t.category: t.label for t in ENTITY_TYPES.values()}

_HEADERS = {
    "entities": [":ID(Entity)", "curie", "name", "category", "xrefs:string[]", "in_taxon", ":LABEL"],
    "articles": [":ID(Article)", "pmid", "title", "journal", "year:long", "doi", "content_hash"],
    "evidence": [
        ":ID(Evidence)",
        "evidence_id",
        "subject",
        "predicate",
        "object",
        "pmid",
        "start_char:long",
        "end_char:long",
        "sentence",
        "model",
        "score:double",
        "novel:boolean",
        "load_id",
        "loaded_at:datetime",
    ],
    "has_evidence": [":START_ID(Article)", ":END_ID(Evidence)"],
    "literature": [
        ":START_ID(Entity)",
        ":END_ID(Entity)",
        ":TYPE",
        "predicate",
        "evidence_count:long",
        "pmids:string[]",
        "max_score:double",
        "model",
    ],
    "subclass_of": [":START_ID(Entity)", ":END_ID(Entity)"],
    "mentions": [":START_ID(Article)", ":END_ID(Entity)", "count:long"],
    "has_phenotype": [":START_ID(Entity)", ":END_ID(Entity)", "frequency:double", "source", "pmids:string[]"],
}
_NODE_FILES = {"entities": "", "articles": "Article", "evidence": "Evidence"}  # entities: labels in a column
_RELATIONSHIP_TYPES = {
    "has_evidence": HAS_EVIDENCE,
    "literature": "",
    "subclass_of": SUBCLASS_OF,
    "mentions": MENTIONS,
    "has_phenotype": HAS_PHENOTYPE,
}


@dataclass
class ImportFiles:
    """The CSV files of one import, what they hold, and the arguments ``neo4j-admin database
    import full`` needs for them (also written to ``import.args`` for ``neo4j-admin ... @import.args``)."""

    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False

    def arguments(self, import_dir: str | None = None) -> list[str]:
        """Import options naming the files under ``import_dir`` (default: this folder), e.g. the
        folder the files are mounted at in a Neo4j container."""
        base = (import_dir or str(self.folder.resolve())).rstrip("/")
        args = [f"--nodes={label + '=' if label else ''}{base}/{name}.csv" for name, label in _NODE_FILES.items()]
        for name, rel_type in _RELATIONSHIP_TYPES.items():
            args.append(f"--relationships={rel_type + '=' if rel_type else ''}{base}/{name}.csv")
        args += [f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}", "--id-type=integer"]
        if self.multiline:
            args.append("--multiline-fields=true")
        return args


def _cell(value: Any) -> str:
    """A CSV field as the importer reads it: strings quoted (so "" stays an empty string), an
    unquoted empty field for None (no property)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return repr(value) if isinstance(value, float) else str(value)


def _array(values: Iterable[str]) -> str:
    return ARRAY_DELIMITER.join(values)


class _Writer:
    """One CSV file per node or relationship kind, headers first. Rows go through the C ``csv``
    writer (strings quoted, numbers not); a row holding None is formatted here, since the ``csv``
    module would write None as a quoted empty string instead of no value."""

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.files = {name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") for name in _HEADERS}
        except OSError as exc:
            raise StoreError(f"cannot write the import files to {folder}: {exc}") from exc
        self.writers = {
            name: csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n") for name, f in self.files.items()
        }
        self.counts = dict.fromkeys(_HEADERS, 0)
        self.multiline = False
        for name, header in _HEADERS.items():
            self.files[name].write(",".join(header) + "\n")

    def row(self, name: str, values: list[Any], text: str | None = None) -> None:
        """One row; ``text`` is its free-text value (the one that may hold a line break)."""
        if None in values:
            self.files[name].write(",".join(map(_cell, values)) + "\n")
        else:
            self.writers[name].writerow(values)
        if text and ("\n" in text or "\r" in text):
            self.multiline = True
        self.counts[name] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def write_import_files(
    folder: str | Path,
    *,
    entities: Iterable[Entity] = (),
    articles: Iterable[dict[str, Any]] = (),
    mentions: Iterable[MentionCount] = (),
    triples: Iterable[Triple] = (),
    phenotypes: Iterable[PhenotypeAnnotation] = (),
    import_dir: str | None = None,
) -> ImportFiles:
    """Write the graph these items make as import CSVs in ``folder``, with the semantics of
    loading them into ``Neo4jStore`` one call after another (``articles`` are
    ``kg.store.article_row`` dicts):

    - a repeated entity or article keeps its last properties; an entity's ``SUBCLASS_OF`` edges
      are those of all its repeats;
    - a repeated piece of evidence counts once;
    - every entity or article an edge names exists (bare if nothing else is known of it);
    - literature edges carry their evidence count, distinct PMIDs (first seen first), best score
      and last model.

    Node ids in the files are integers (the importer maps them much faster than strings); CURIEs,
    PMIDs and evidence ids are properties. ``import.args`` names the files under ``import_dir``
    (default: ``folder``), where neo4j-admin will read them."""
    folder = Path(folder)
    w = _Writer(folder)
    try:
        known: dict[str, Entity] = {}
        parents: set[tuple[str, str]] = set()  # (child, parent): merged over repeats, as MERGE does
        for e in entities:
            known[e.curie] = e
            parents.update((e.curie, p) for p in e.parents)
        docs = {a["pmid"]: a for a in articles}
        eid = {curie: i for i, curie in enumerate(known)}  # entity -> its id in the files
        aid = {pmid: i for i, pmid in enumerate(docs)}  # article -> its id
        load_id, loaded_at = uuid.uuid4().hex, datetime.now(UTC).isoformat()
        seen: set[str] = set()
        edges: dict[tuple[int, str, int], list[Any]] = {}
        for t in triples:
            key = t.evidence_id
            if key in seen:
                continue
            seen.add(key)
            p = t.provenance
            w.row(
                "evidence",
                [
                    len(seen),
                    key,
                    t.subject,
                    t.predicate,
                    t.object,
                    p.pmid,
                    p.start,
                    p.end,
                    p.sentence,
                    p.model,
                    float(p.score),
                    None if p.novel is None else str(p.novel).lower(),
                    load_id,
                    loaded_at,
                ],
                p.sentence,
            )
            w.row("has_evidence", [aid.setdefault(p.pmid, len(aid)), len(seen)])
            edge = (
                eid.setdefault(t.subject, len(eid)),
                predicate(t.predicate).rel_type,
                eid.setdefault(t.object, len(eid)),
            )
            agg = edges.get(edge)
            if agg is None:
                edges[edge] = [t.predicate, 1, {p.pmid: None}, float(p.score), p.model]
            else:
                agg[1] += 1
                agg[2].setdefault(p.pmid, None)
                agg[3] = max(agg[3], float(p.score))
                agg[4] = p.model
        for (s, rel_type, o), (pred, n, pmids, best, model) in edges.items():
            w.row("literature", [s, o, rel_type, pred, n, _array(pmids), best, model])
        for child, parent in sorted(parents):
            w.row("subclass_of", [eid[child], eid.setdefault(parent, len(eid))])
        counted = {(m.pmid, m.curie): m.count for m in mentions}
        for (pmid, curie), count in counted.items():
            w.row("mentions", [aid.setdefault(pmid, len(aid)), eid.setdefault(curie, len(eid)), count])
        annotated = {(a.disease, a.phenotype): a for a in phenotypes}
        for (disease, phenotype), a in annotated.items():
            w.row(
                "has_phenotype",
                [
                    eid.setdefault(disease, len(eid)),
                    eid.setdefault(phenotype, len(eid)),
                    a.frequency,
                    a.source,
                    _array(a.pmids),
                ],
            )
        for curie, i in eid.items():
            entity = known.get(curie)
            if entity is None:
                w.row("entities", [i, curie, None, None, None, None, "Entity"])
            else:
                label = _LABEL_OF_CATEGORY.get(entity.category, "Concept")
                w.row(
                    "entities",
                    [
                        i,
                        curie,
                        entity.name,
                        entity.category,
                        _array(entity.xrefs),
                        entity.taxon or None,
                        f"Entity{ARRAY_DELIMITER}{label}",
                    ],
                    entity.name,
                )
        for pmid, i in aid.items():
            d = docs.get(pmid)
            if d is None:
                w.row("articles", [i, pmid, None, None, None, None, None])
            else:
                w.row(
                    "articles",
                    [i, pmid, d.get("title"), d.get("journal"), d.get("year"), d.get("doi"), d.get("content_hash")],
                    f"{d.get('title') or ''} {d.get('journal') or ''}",
                )
    finally:
        w.close()
    files = ImportFiles(folder, dict(w.counts), w.multiline)
    (folder / "import.args").write_text("\n".join(files.arguments(import_dir)) + "\n", encoding="utf-8")
    return files


def store_contents(store: GraphStore) -> dict[str, Any]:
    """Everything a store holds, as the iterables ``write_import_files`` takes (to move a graph
    built in the embedded store into Neo4j). Works on either store: portable Cypher only."""
    parents: dict[str, list[str]] = {}
    for row in store.query("MATCH (c:Entity)-[:SUBCLASS_OF]->(p:Entity) RETURN c.curie AS c, p.curie AS p"):
        parents.setdefault(row["c"], []).append(row["p"])
    entities = [
        Entity(
            r["curie"],
            r["name"] or "",
            r["category"] or "",
            tuple(r["xrefs"] or ()),
            tuple(parents.get(r["curie"], ())),
            r["in_taxon"] or "",
        )
        for r in entity_properties(store)
        if r["name"] is not None or r["category"] is not None or r["curie"] in parents
    ]
    articles = [
        r
        for r in store.query(
            "MATCH (a:Article) RETURN a.pmid AS pmid, a.title AS title, a.journal AS journal, a.year AS year, "
            "a.doi AS doi, a.content_hash AS content_hash"
        )
        if r["title"] is not None or r["content_hash"] is not None
    ]
    mentions = [
        MentionCount(r["pmid"], r["curie"], int(r["n"]))
        for r in store.query(
            "MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS curie, m.count AS n"
        )
    ]
    novelty = {r["id"]: bool(r["novel"]) for r in evidence_novelty(store)}
    triples = [
        Triple(
            r["s"],
            r["p"],
            r["o"],
            Provenance(
                r["pmid"],
                int(r["start_char"]),
                int(r["end_char"]),
                r["sentence"] or "",
                r["model"] or "",
                float(r["score"] or 0.0),
                novelty.get(r["id"]),
            ),
        )
        for r in store.query(
            "MATCH (v:Evidence) RETURN v.subject AS s, v.predicate AS p, v.object AS o, v.pmid AS pmid, "
            "v.start_char AS start_char, v.end_char AS end_char, v.sentence AS sentence, v.model AS model, v.score AS "
            "score, v.evidence_id AS id"
        )
    ]
    phenotypes = [
        PhenotypeAnnotation(r["d"], r["p"], r["f"], r["source"] or "", tuple(r["pmids"] or ()))
        for r in store.query(
            "MATCH (d:Entity)-[h:HAS_PHENOTYPE]->(p:Entity) RETURN d.curie AS d, p.curie AS p, "
            "h.frequency AS f, h.source AS source, h.pmids AS pmids"
        )
    ]
    return {
        "entities": entities,
        "articles": articles,
        "mentions": mentions,
        "triples": triples,
        "phenotypes": phenotypes,
    }


def run_admin_import(
    files: ImportFiles,
    admin: Sequence[str],
    *,
    database: str = "neo4j",
    overwrite: bool = False,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> str:
    """Run ``ADMIN database import full`` on the files (``admin`` is the command: ``["neo4j-admin"]``,
    or a JVM running ``org.neo4j.cli.AdminTool`` with ``NEO4J_HOME`` in ``env``). The database
    must be stopped. Returns the importer's output; raises ``StoreError`` with it on failure."""
    cmd = [
        *admin,
        "database",
        "import",
        "full",
        *files.arguments(),
        f"--overwrite-destination={str(overwrite).lower()}",
        f"--report-file={files.folder.resolve() / 'import.report'}",
        database,
    ]
    log.info("running %s", " ".join(cmd))
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreError(f"cannot run {admin[0]}: {exc}") from exc
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise StoreError(f"neo4j-admin import failed (exit {done.returncode}):\n{output[-4000:]}")
    return output
