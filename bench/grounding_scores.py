"""How often the normalizer's top grounding is right, by its score: gold mentions of one type,
bucketed by the top score (1.0 exact, 0.95 word order, lower: the fuzzy fallback). Chose
``ontologies.normalizer.NIL_BELOW`` (BENCHMARKS.md, session 21). Prints JSON.

    python bench/grounding_scores.py --index ~/.cache/medkg/index/term-index-*.pkl --type Chemical \
        --eval ../shared/data/corpora/biored/Train.PubTator --eval ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt
"""  # noqa: E501 (the example runs as printed)

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.schema import entity_type
from ontologies.index import TermIndex
from ontologies.normalizer import Normalizer
from readers import read_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="a built term index (MEDKG_HOME/index/*.pkl)")
    ap.add_argument("--type", default="Chemical", help="the entity type scored (medkg's: Chemical, Disease...)")
    ap.add_argument("--eval", type=Path, action="append", required=True, help="a corpus with gold ids (repeatable)")
    args = ap.parse_args()
    index = TermIndex.load(args.index)
    normalizer = Normalizer(index).load_encoder()
    result: dict[str, dict[str, dict[str, int]]] = {}
    for path in args.eval:
        buckets: dict[str, Counter[str]] = {}
        for doc in normalizer.normalize_documents(list(read_documents(path))):
            for m in doc.mentions:
                if entity_type(m.label).label != args.type or not m.ids or m.ids == ("-",):
                    continue
                if not m.groundings:
                    buckets.setdefault("nil", Counter())["mentions"] += 1
                    continue
                score = m.groundings[0].score
                bucket = "1.00" if score >= 0.999 else f"{int(score * 20) / 20:.2f}"
                gold = {index.canonical(c) or c for c in m.ids}
                buckets.setdefault(bucket, Counter())["right" if m.groundings[0].curie in gold else "wrong"] += 1
        result[str(path)] = {b: dict(buckets[b]) for b in sorted(buckets)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
