"""Load the same edges twice into a fresh embedded store, past LadybugDB's 2**17 edges per node
group, and check the graph holds each pair once with the second load's values, before and after
reopening. Prints JSON.

    python bench/store_updates.py triples --store /tmp/updates-graph      # literature aggregates
    python bench/store_updates.py phenotypes --store /tmp/updates-graph   # HAS_PHENOTYPE
    python bench/store_updates.py mentions --store /tmp/updates-graph     # MENTIONS

Before session 17 the store SET the properties of edges that existed; LadybugDB 0.22 then
corrupted the table at its checkpoint (a second load of 134,984 causes left 248,104 edges).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("edges", choices=["triples", "phenotypes", "mentions"])
    ap.add_argument("--store", type=Path, required=True, help="a scratch path (removed first)")
    ap.add_argument("--pairs", type=int, default=135_000, help="edges to draw (2**17 = 131,072)")
    args = ap.parse_args()

    from kg.embedded_store import EmbeddedStore
    from kg.store import MentionCount
    from kg.types import Entity, PhenotypeAnnotation, Provenance, Triple

    for p in (args.store, args.store.with_name(args.store.name + ".wal")):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    rng = random.Random(0)
    # Targets are loaded before sources: with the sources first the old code did not fail.
    targets = [f"HP:{i:07d}" for i in range(20_000)]
    sources = [f"MESH:D{i:06d}" for i in range(30_000)]
    pairs = list({(rng.choice(sources), rng.choice(targets)) for _ in range(args.pairs)})
    rng.shuffle(pairs)
    store = EmbeddedStore(args.store, query_timeout_s=None)
    store.load_entities(Entity(c, c, "biolink:PhenotypicFeature") for c in targets)
    if args.edges != "mentions":
        store.load_entities(Entity(c, c, "biolink:ChemicalEntity") for c in sources)
    query: str
    expect: dict[tuple[str, str], Any]
    started = time.perf_counter()
    if args.edges == "triples":
        for k in (1, 2):
            store.load_triples(
                Triple(a, "biolink:causes", b, Provenance(str(k), i, i + 1, "s", "m", 0.5 * k))
                for i, (a, b) in enumerate(pairs)
            )
        query = "MATCH (a:Entity)-[r:CAUSES]->(b:Entity) RETURN a.curie AS a, b.curie AS b, r.evidence_count AS v"
        expect = dict.fromkeys(pairs, 2)
    elif args.edges == "phenotypes":
        for frequency in (0.5, 0.25):
            store.load_phenotypes(PhenotypeAnnotation(a, b, frequency, "HPO") for a, b in pairs)
        query = "MATCH (a:Entity)-[r:HAS_PHENOTYPE]->(b:Entity) RETURN a.curie AS a, b.curie AS b, r.frequency AS v"
        expect = dict.fromkeys(pairs, 0.25)
    else:
        for count in (1, 2):
            store.load_mentions(MentionCount(a, b, count) for a, b in pairs)
        query = "MATCH (a:Article)-[r:MENTIONS]->(b:Entity) RETURN a.pmid AS a, b.curie AS b, r.count AS v"
        expect = dict.fromkeys(pairs, 2)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {"edges": args.edges, "pairs": len(pairs), "two_loads_s": round(seconds, 1)}
    for when in ("open", "reopened"):
        if when == "reopened":
            store.close()
            store = EmbeddedStore(args.store, read_only=True, query_timeout_s=None)
        rows = store.query(query)
        report[when] = {"edges": len(rows), "right": {(r["a"], r["b"]): r["v"] for r in rows} == expect}
    store.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
