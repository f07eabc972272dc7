"""Where Neo4j's batched loading of relations with provenance spends its time: the query plan of
the evidence statement medkg uses, and the rows/s of simpler variants that drop part of its
work. Prints the plan's operators and one JSON line per variant.

    python bench/load_variants.py --relations 100000

Starts the Neo4j test server (tools/neo4j-test-server) like bench/load.py; every variant loads
the same synthetic rows (one predicate) into a fresh graph holding the entities and articles.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import start_test_server, synthetic

from kg.neo4j_store import _EVIDENCE, Neo4jStore
from kg.store import batched, evidence_row

_WITHOUT_LINK = _EVIDENCE.replace("MATCH (a:Article {pmid: row.pmid})\n", "").replace(
    "CREATE (a)-[:HAS_EVIDENCE]->(v)\n", ""
)
_COUNT_ONLY = """UNWIND $rows AS row
MERGE (v:Evidence {evidence_id: row.evidence_id})
ON CREATE SET v += row, v.load_id = $load_id
WITH v, row WHERE v.load_id = $load_id
MATCH (s:Entity {curie: row.subject})
MATCH (o:Entity {curie: row.object})
MERGE (s)-[r:%s]->(o)
ON CREATE SET r.evidence_count = 0
SET r.evidence_count = r.evidence_count + 1
"""
VARIANTS = {
    "medkg (evidence + HAS_EVIDENCE + aggregated edge)": _EVIDENCE,
    "without the HAS_EVIDENCE edge": _WITHOUT_LINK,
    "without the edge, aggregated count only": _COUNT_ONLY,
}


def operators(plan: dict[str, Any]) -> list[str]:
    return [plan["operatorType"].split("@")[0], *(op for child in plan.get("children", []) for op in operators(child))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=50_000)
    ap.add_argument("--relations", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=10_000)
    args = ap.parse_args()
    entities, triples = synthetic(args.entities, args.relations)
    rows = [evidence_row(t) for t in triples]
    pmids = sorted({t.provenance.pmid for t in triples})
    tmp = Path(tempfile.mkdtemp(prefix="medkg-bench-"))
    proc, uri = start_test_server(tmp, "2g")
    try:
        store = Neo4jStore(uri, batch_size=args.batch_size)
        with store._driver.session() as session:
            plan = session.run("EXPLAIN " + _EVIDENCE % "CAUSES", rows=rows[:3], load_id="x").consume().plan
        print(json.dumps({"plan": operators(dict(plan or {}))}))
        for name, cypher in VARIANTS.items():
            store.clear()
            store.load_entities(entities)
            store._write("UNWIND $pmids AS pmid MERGE (:Article {pmid: pmid})", pmids=pmids)
            t0 = time.perf_counter()
            for batch in batched(rows, args.batch_size):
                store._write(cypher % "CAUSES", rows=list(batch), load_id=uuid.uuid4().hex)
            print(
                json.dumps(
                    {"variant": name, "rows": len(rows), "rows_per_s": round(len(rows) / (time.perf_counter() - t0))}
                ),
                flush=True,
            )
        store.close()
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
