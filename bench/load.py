"""Benchmark: loading a synthetic graph with provenance into Neo4j (batched vs row-at-a-time) and
into the embedded store. Prints JSON.

    python bench/load.py --neo4j-uri bolt://127.0.0.1:7687 --entities 50000 --relations 200000

Without --neo4j-uri it starts the same Neo4j 5.26 test server the tests use (tools/neo4j-test-server).
With the test server it also measures the offline route, neo4j-admin's bulk importer on CSV files
written by kg.neo4j_import (medkg export --format neo4j-import). The row-at-a-time variant (one
auto-commit statement per row, as naive client code does) runs on a sample of --row-sample rows
and is extrapolated; the ratio compares rows/s.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.embedded_store import EmbeddedStore
from kg.neo4j_import import run_admin_import, write_import_files
from kg.neo4j_store import Neo4jStore
from kg.schema import ENTITY_TYPES, PREDICATES
from kg.store import GraphStore
from kg.types import Entity, Provenance, Triple


def synthetic(n_entities: int, n_relations: int, seed: int = 13) -> tuple[list[Entity], list[Triple]]:
    rng = random.Random(seed)
    cats = [t.category for t in ENTITY_TYPES.values()]
    entities = [Entity(f"SYN:{i}", f"entity {i}", cats[i % len(cats)], (f"X:{i}",)) for i in range(n_entities)]
    preds = [p.curie for p in PREDICATES.values()][:4]
    triples = []
    for i in range(n_relations):
        s, o = rng.randrange(n_entities), rng.randrange(n_entities)
        pmid = str(10_000_000 + rng.randrange(n_relations // 4 + 1))
        start = rng.randrange(0, 2000)
        prov = Provenance(
            pmid, start, start + 120, f"sentence {i} about entity {s} and entity {o}.", "bench", rng.random()
        )
        triples.append(Triple(f"SYN:{s}", preds[i % len(preds)], f"SYN:{o}", prov))
    return entities, triples


def timed(store: GraphStore, entities: list[Entity], triples: list[Triple]) -> dict[str, float]:
    t0 = time.perf_counter()
    store.load_entities(entities)
    t1 = time.perf_counter()
    store.load_triples(triples)
    t2 = time.perf_counter()
    return {
        "entities_rows_per_s": round(len(entities) / (t1 - t0)),
        "relations_rows_per_s": round(len(triples) / (t2 - t1)),
        "relations_seconds": round(t2 - t1, 2),
    }


def row_at_a_time(store: Neo4jStore, triples: list[Triple]) -> dict[str, float]:
    """The same load, one row per call: each row's statements in their own auto-committed
    transactions, as naive client code does."""
    t0 = time.perf_counter()
    for t in triples:
        store.load_triples([t])
    dt = time.perf_counter() - t0
    return {
        "relations_rows_per_s": round(len(triples) / dt),
        "sample_rows": len(triples),
        "sample_seconds": round(dt, 2),
    }


@functools.cache
def classpath() -> str:
    """The Neo4j test server's classpath (built with Maven once per run; it also holds
    neo4j-admin's AdminTool)."""
    server = ROOT / "tools" / "neo4j-test-server"
    cp_file = server / "target" / "classpath.txt"
    subprocess.run(
        ["mvn", "-q", "-B", "compile", "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"],
        cwd=server,
        check=True,
    )
    return f"{server / 'target' / 'classes'}{os.pathsep}{cp_file.read_text().strip()}"


def start_test_server(home: Path, heap: str, port: int = 17699, db: str = "db") -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            "java",
            f"-Xmx{heap}",
            "-XX:+UseParallelGC",
            "-cp",
            classpath(),
            "medkg.Neo4jTestServer",
            str(home / db),
            str(port),
            "1024",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        raise SystemExit("Neo4j test server did not start")
    return proc, line.split()[1]


def bulk_import(entities: list[Entity], triples: list[Triple], tmp: Path, heap: str) -> dict[str, object]:
    """The same graph loaded offline: import CSVs written, neo4j-admin's importer run on a new
    database, the server started on it, medkg's constraints and indexes created on connect."""
    admin = [
        "java",
        f"-Xmx{heap}",
        "-XX:+UseParallelGC",
        "-cp",
        classpath(),
        "org.neo4j.cli.AdminTool",
    ]  # Maven outside the timing
    t0 = time.perf_counter()
    files = write_import_files(tmp / "import", entities=entities, triples=triples)
    t1 = time.perf_counter()
    home = tmp / "bulk"
    (home / "conf").mkdir(parents=True)
    run_admin_import(files, admin, env={"NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")})
    t2 = time.perf_counter()
    proc, uri = start_test_server(tmp, heap, port=17698, db="bulk")
    try:
        t3 = time.perf_counter()
        store = Neo4jStore(uri)
        t4 = time.perf_counter()
        counts = store.counts()
        store.close()
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=120)
    loading = (t1 - t0) + (t2 - t1) + (t4 - t3)
    return {
        "write_csv_s": round(t1 - t0, 2),
        "admin_import_s": round(t2 - t1, 2),
        "server_start_s": round(t3 - t2, 2),
        "constraints_s": round(t4 - t3, 2),
        "evidence_loaded": counts["nodes"].get("Evidence", 0),
        "relations_rows_per_s": round(len(triples) / loading),
        "relations_rows_per_s_with_server_start": round(len(triples) / (loading + t3 - t2)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neo4j-uri", default=None)
    ap.add_argument("--entities", type=int, default=50_000)
    ap.add_argument("--relations", type=int, default=200_000)
    ap.add_argument("--batch-size", type=int, default=10_000)
    ap.add_argument("--row-sample", type=int, default=2_000)
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--skip-embedded", action="store_true")
    ap.add_argument(
        "--skip-bulk", action="store_true", help="skip the neo4j-admin bulk import (needs the test server's jars)"
    )
    args = ap.parse_args()

    entities, triples = synthetic(args.entities, args.relations)
    result: dict[str, object] = {
        "entities": len(entities),
        "relations": len(triples),
        "batch_size": args.batch_size,
        "cpus": os.cpu_count(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="medkg-bench-"))
    proc = None
    try:
        uri = args.neo4j_uri
        if uri is None:
            proc, uri = start_test_server(tmp, args.heap)
        store = Neo4jStore(uri, batch_size=args.batch_size)
        store.clear()
        result["neo4j_batched"] = timed(store, entities, triples)
        before = store.counts()
        store.load_triples(triples[: args.batch_size])
        result["neo4j_idempotent"] = store.counts() == before
        store.clear()
        store.load_entities(entities)
        result["neo4j_row_at_a_time"] = row_at_a_time(store, triples[: args.row_sample])
        store.close()
        batched_rate = result["neo4j_batched"]["relations_rows_per_s"]  # type: ignore[index]
        row_rate = result["neo4j_row_at_a_time"]["relations_rows_per_s"]  # type: ignore[index]
        result["batched_vs_row_ratio"] = round(batched_rate / row_rate, 1)
        if not args.skip_bulk:
            result["neo4j_bulk_import"] = bulk_import(entities, triples, tmp, args.heap)
            bulk_rate = result["neo4j_bulk_import"]["relations_rows_per_s"]  # type: ignore[index]
            result["bulk_vs_row_ratio"] = round(bulk_rate / row_rate, 1)
        if not args.skip_embedded:
            emb = EmbeddedStore(tmp / "embedded", batch_size=args.batch_size)
            result["embedded_batched"] = timed(emb, entities, triples)
            emb.close()
    finally:
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()
            proc.wait(timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
