"""Score a PubTator file of predictions against a gold one, as BioCreative V CDR scored it: concept
level per document (the set of (document, type, id) of each file, ids split on `|`, `-1` left out)
and relation pairs (document, chemical, disease) of the CID lines. Prints JSON.

    bin/medkg extract ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --ner-model NER --re-model RE --out dev.pubtator
    python bench/pubtator_score.py --gold ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --pred dev.pubtator

Written from the file format alone (no medkg code), so it scores what `medkg extract` wrote and
nothing else: a mention line that lists several candidates counts each of them, as the official
scorer would.

``--missed`` adds why each gold CID pair the predictions lack is missing: its chemical or disease
concept is nowhere in the predicted document, or both are and the pair has another relation line
(a BioRED type, or ``Association`` where the cause check demoted it), or none.
"""  # noqa: E501 (examples run as printed, one line each)

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

# Other corpora's names for the two types (NCBI-disease's four disease types, BioRED's), so their
# gold files score against medkg's Chemical and Disease.
TYPE_ALIASES = {
    "SpecificDisease": "Disease",
    "DiseaseClass": "Disease",
    "Modifier": "Disease",
    "CompositeMention": "Disease",
    "DiseaseOrPhenotypicFeature": "Disease",
    "ChemicalEntity": "Chemical",
}


def read(path: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    concepts: set[tuple[str, str, str]] = set()
    relations: set[tuple[str, str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 6 and fields[1].isdigit():
            doc, kind = fields[0], TYPE_ALIASES.get(fields[4], fields[4])
            for raw in fields[5].replace(",", "|").split("|"):  # NCBI-disease joins a composite's ids with ","
                local = raw.split(":")[-1].strip()
                if local and local != "-1":
                    concepts.add((doc, kind, local))
        elif len(fields) == 4 and fields[1] == "CID":
            relations.add((fields[0], fields[2].split(":")[-1], fields[3].split(":")[-1]))
    return concepts, relations


def other_relations(path: Path) -> dict[tuple[str, str, str], str]:
    """(document, id, id) -> the type of each non-CID relation line, both orders."""
    out: dict[tuple[str, str, str], str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) in (4, 5) and not fields[1].isdigit() and fields[1] != "CID":
            a, b = fields[2].split(":")[-1], fields[3].split(":")[-1]
            out[(fields[0], a, b)] = out[(fields[0], b, a)] = fields[1]
    return out


def missed(gold_r: set, pred_c: set, pred_r: set, others: dict[tuple[str, str, str], str]) -> dict[str, int]:
    """Why each gold pair is not predicted, counted by reason."""
    found = {(doc, local) for doc, _, local in pred_c}
    reasons: dict[str, int] = defaultdict(int)
    for doc, chem, dis in sorted(gold_r - pred_r):
        has_chem, has_dis = (doc, chem) in found, (doc, dis) in found
        if not (has_chem or has_dis):
            reasons["neither concept found"] += 1
        elif not has_chem:
            reasons["chemical not found"] += 1
        elif not has_dis:
            reasons["disease not found"] += 1
        else:
            reasons[f"written as {others[(doc, chem, dis)]}" if (doc, chem, dis) in others else "no relation"] += 1
    return dict(sorted(reasons.items(), key=lambda kv: -kv[1]))


def prf(gold: set, pred: set) -> dict[str, float | int]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {
        "precision": round(100 * p, 2),
        "recall": round(100 * r, 2),
        "f1": round(200 * p * r / (p + r), 2) if p + r else 0.0,
        "tp": tp,
        "pred": len(pred),
        "gold": len(gold),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--pred", type=Path, required=True)
    ap.add_argument("--missed", action="store_true", help="why each gold CID pair the predictions lack is missing")
    args = ap.parse_args()
    (gold_c, gold_r), (pred_c, pred_r) = read(args.gold), read(args.pred)
    by_type: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for c in gold_c:
        by_type[c[1]][0].add(c)
    for c in pred_c:
        by_type[c[1]][1].add(c)
    report: dict[str, object] = {
        "concepts": {k: prf(g, p) for k, (g, p) in sorted(by_type.items())},
        "cid": prf(gold_r, pred_r),
    }
    if args.missed:
        report["cid_missed"] = missed(gold_r, pred_c, pred_r, other_relations(args.pred))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
