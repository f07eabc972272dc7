"""A precision audit of the graph's chemical -> disease edges, judged by a person and kept in the
repository so the number can be recomputed.

    python bench/audit.py draw --n 50 --seed 13 --out docs/audit/causes-medline.tsv   # from the configured store
    (judge each row: fill `correct` with y or n, and `why`)
    python bench/audit.py score docs/audit/causes-medline.tsv
    MEDKG_STORE_PATH=<another graph> python bench/audit.py mark docs/audit/causes-medline.tsv  # + stored_as
    python bench/audit.py score docs/audit/causes-medline.tsv --by stored_as

``draw`` picks N edges of one relationship type (``CAUSES`` by default) at random with a seed,
from the graph ``medkg run`` built (the shared MEDLINE slice and PubMed samples), and writes one
row per edge with its names, types, PMIDs and evidence sentences; ``score`` prints the judged
precision (with a 95% Wilson interval) and how many rows were judged a type error (the row's
`why` starts with "type:"). Prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLUMNS = ["subject", "subject_name", "object", "object_name", "pmids", "sentences", "correct", "why"]


def draw(n: int, seed: int, rel_type: str, out: Path) -> dict[str, object]:
    from kg.schema import PREDICATES
    from wiring.settings import load_settings

    curie = next((p.curie for p in PREDICATES.values() if p.rel_type == rel_type), None)
    if curie is None:
        raise SystemExit(
            f"--type {rel_type}: not a relationship type of the graph "
            f"({', '.join(p.rel_type for p in PREDICATES.values())})"
        )
    with load_settings().open_store(read_only=True) as store:
        edges = store.query(
            f"MATCH (c:Entity)-[r:{rel_type}]->(d:Entity) RETURN c.curie AS subject, c.name AS subject_name, "
            "d.curie AS object, d.name AS object_name, r.pmids AS pmids ORDER BY subject, object"
        )
        picked = random.Random(seed).sample(edges, min(n, len(edges)))
        rows = []
        for e in picked:
            sentences = store.query(
                "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE v.subject = $s AND v.object = $o AND "
                "v.predicate = $p "
                "RETURN a.pmid AS pmid, v.sentence AS sentence ORDER BY pmid",
                {"s": e["subject"], "o": e["object"], "p": curie},
            )
            rows.append(
                {
                    **e,
                    "pmids": " ".join(map(str, e["pmids"] or [])),
                    "sentences": " || ".join(
                        f"[{s['pmid']}] {' '.join(str(s['sentence']).split())}" for s in sentences
                    ),
                    "correct": "",
                    "why": "",
                }
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {"edges_in_graph": len(edges), "drawn": len(rows), "seed": seed, "out": str(out)}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(100 * (centre - half), 1), round(100 * (centre + half), 1))


def mark(path: Path) -> dict[str, object]:
    """Add (or refresh) a ``stored_as`` column: the relationship types another graph (the configured
    store) holds for each judged pair, so one judged sample scores two versions of the pipeline."""
    from wiring.settings import load_settings

    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        columns, rows = [c for c in reader.fieldnames or [] if c != "stored_as"] + ["stored_as"], list(reader)
    from kg.schema import PREDICATES

    types = sorted({p.rel_type for p in PREDICATES.values()})
    with load_settings().open_store(read_only=True) as store:  # one query per type: both stores' Cypher
        for r in rows:
            found = [
                t
                for t in types
                if store.query(
                    f"MATCH (c:Entity {{curie: $s}})-[x:{t}]->(d:Entity {{curie: $o}}) RETURN count(x) AS n",
                    {"s": r["subject"], "o": r["object"]},
                )[0]["n"]
            ]
            r["stored_as"] = "+".join(found) or "absent"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {"file": str(path), "stored_as": dict(sorted(Counter(r["stored_as"] for r in rows).items()))}


def score(path: Path, by: str | None = None) -> dict[str, object]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    result = _precision(path, rows)
    if by:
        if rows and by not in rows[0]:
            raise SystemExit(f"--by {by}: no such column in {path}")
        groups = sorted({r[by] for r in rows})
        result["by_" + by] = {g: _precision(path, [r for r in rows if r[by] == g]) for g in groups}
    return result


def _precision(path: Path, rows: list[dict[str, str]]) -> dict[str, object]:
    judged = [r for r in rows if r["correct"].strip().lower() in ("y", "n")]
    right = sum(r["correct"].strip().lower() == "y" for r in judged)
    wrong_why = [r["why"] for r in judged if r["correct"].strip().lower() == "n"]
    return {
        "file": str(path),
        "rows": len(rows),
        "judged": len(judged),
        "correct": right,
        "precision": round(100 * right / len(judged), 1) if judged else None,
        "wilson_95": wilson(right, len(judged)),
        "type_errors": sum(w.lower().startswith("type:") for w in wrong_why),
        "wrong_reasons": sorted({w.split(":")[0].strip() for w in wrong_why}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--n", type=int, default=50)
    d.add_argument("--seed", type=int, default=13)
    d.add_argument("--type", default="CAUSES", help="the relationship type to audit (CAUSES, TREATS, ...)")
    d.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("path", type=Path)
    s.add_argument("--by", help="also score each value of this column apart (e.g. stored_as, after mark)")
    m = sub.add_parser(
        "mark", help="add a stored_as column: each judged pair's relationship types in the configured store"
    )
    m.add_argument("path", type=Path)
    args = ap.parse_args()
    if args.cmd == "draw":
        result = draw(args.n, args.seed, args.type, args.out)
    else:
        result = score(args.path, args.by) if args.cmd == "score" else mark(args.path)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
