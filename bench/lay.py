"""Phenotype recall on lay descriptions (issue 20): ``bench/data/lay_phenotypes.tsv``.

The file holds 80 short patient-voice sentences written for this benchmark from HPO's definitions
and layperson synonyms, each with the HPO terms it describes (``present``) and, for some, terms it
denies (``absent``: "no fever"). ``dev`` rows choose the dense matcher's threshold; ``test`` rows
were written separately and are only scored. A found term is right when it is the gold term, a
descendant of it (more specific), or its direct parent. Prints JSON.

    python bench/lay.py                          # dictionary only, then dictionary + dense at the chosen threshold
    python bench/lay.py --sweep 0.6,0.65,0.7,0.75,0.8,0.85   # the dense threshold on dev and test
    python bench/lay.py --show test              # what was found for each test sentence
    python bench/lay.py --clinical               # read as a case report (the rare setting), not as a patient's words
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def read(path: Path) -> list[dict[str, object]]:
    with path.open(newline="") as f:
        return [
            {
                "id": r["id"],
                "split": r["split"],
                "text": r["text"],
                "present": [c for c in r["present"].split(";") if c],
                "absent": [c for c in r["absent"].split(";") if c],
            }
            for r in csv.DictReader(f, delimiter="\t")
        ]


def score(
    tagger: object,
    rows: list[dict[str, object]],
    ancestors: dict[str, set[str]],
    parents: dict[str, tuple[str, ...]],
    show: bool = False,
    lay: bool = True,
) -> dict[str, float]:
    def hits(found: str, gold: str) -> bool:
        return found == gold or gold in ancestors.get(found, set()) or found in parents.get(gold, ())

    gold_n = found_n = recalled = right = denied_wrong = denied_n = 0
    for r in rows:
        findings = tagger.tag(str(r["text"]), lay=lay)  # type: ignore[attr-defined]
        present = [f.curie for f in findings if not f.negated]
        gold = list(r["present"])  # type: ignore[arg-type]
        gold_n += len(gold)
        recalled += sum(any(hits(f, g) for f in present) for g in gold)
        found_n += len(present)
        right += sum(any(hits(f, g) for g in gold) for f in present)
        for a in r["absent"]:  # type: ignore[attr-defined]
            denied_n += 1
            denied_wrong += any(hits(f, a) for f in present)
        if show:
            print(
                json.dumps(
                    {
                        "id": r["id"],
                        "text": r["text"],
                        "gold": gold,
                        "found": [(f.text, f.curie, f.name, f.source, f.negated, f.score) for f in findings],
                    }
                ),
                file=sys.stderr,
            )
    return {
        "sentences": len(rows),
        "recall": round(100 * recalled / max(1, gold_n), 1),
        "precision": round(100 * right / max(1, found_n), 1),
        "denied_but_found": f"{denied_wrong}/{denied_n}",
    }


def main() -> None:
    from diagnosis.context import DENSE_ONE_WORD, DENSE_THRESHOLD, PhenotypeTagger
    from wiring.diagnosis import hpo_terms, use_dense_matcher
    from wiring.settings import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=Path(__file__).parent / "data" / "lay_phenotypes.tsv")
    ap.add_argument("--sweep", default="", help="comma-separated dense thresholds to score")
    ap.add_argument("--threshold", type=float, default=DENSE_THRESHOLD)
    ap.add_argument("--one-word", type=float, default=DENSE_ONE_WORD)
    ap.add_argument("--one-word-sweep", default="", help="comma-separated one-word thresholds, crossed with --sweep")
    ap.add_argument("--show", default="", help="dev or test: print what was found per sentence (stderr)")
    ap.add_argument("--no-negation", action="store_true")
    ap.add_argument(
        "--clinical",
        action="store_true",
        help="read the sentences as a case report (the rare setting: the dense matcher skips every sentence the "
        "dictionary read), not as a patient's words (the general setting: only the clauses it read)",
    )
    ap.add_argument(
        "--encoder",
        default="",
        help="name encoder for the dense matcher (default: the installed phenotype encoder, else the offline one)",
    )
    args = ap.parse_args()

    settings = load_settings()
    rows = read(args.file)
    terms = hpo_terms(settings)
    parents = {t.curie: tuple(t.parents) for t in terms}
    ancestors: dict[str, set[str]] = {}

    def up(c: str) -> set[str]:
        if c not in ancestors:
            ancestors[c] = set()
            ancestors[c] = {p for q in parents.get(c, ()) for p in (q, *up(q))}
        return ancestors[c]

    for t in terms:
        up(t.curie)
    splits = {s: [r for r in rows if r["split"] == s] for s in ("dev", "test")}
    t0 = time.perf_counter()
    tagger = PhenotypeTagger(terms, negation=not args.no_negation)
    report: dict[str, object] = {
        "read_as": "case report" if args.clinical else "lay",
        "tagger_build_s": round(time.perf_counter() - t0, 1),
    }
    report["dictionary"] = {s: score(tagger, rs, ancestors, parents) for s, rs in splits.items()}
    t0 = time.perf_counter()
    use_dense_matcher(tagger, settings, args.encoder or None, threshold=args.threshold)
    report["encoder"] = tagger.dense.encoder.name
    report["dense_build_s"] = round(time.perf_counter() - t0, 1)
    grid = [
        (float(x), float(y))
        for x in args.sweep.split(",")
        if x
        for y in (args.one_word_sweep or str(args.one_word)).split(",")
        if y
    ]
    for th, one in grid or [(args.threshold, args.one_word)]:
        assert tagger.dense is not None
        tagger.dense.threshold, tagger.dense.one_word = th, one
        t0 = time.perf_counter()
        report[f"dense@{th}/{one}"] = {
            s: score(tagger, rs, ancestors, parents, args.show == s, not args.clinical) for s, rs in splits.items()
        }
        report[f"dense@{th}/{one}"]["ms_per_sentence"] = round(1000 * (time.perf_counter() - t0) / len(rows), 1)  # type: ignore[index]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
