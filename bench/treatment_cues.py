"""The treatment wording rule (``ontologies.treatment.says_treatment_of``) on annotated pairs: how many
evidence spans of BioRED's chemical-disease ``Negative_Correlation`` pairs (treatments) it calls a
treatment, and how many of ``Positive_Correlation`` and BC5CDR ``CID`` pairs (causes) it would
wrongly move to ``treats``. Train and dev splits of both corpora; the evidence span is the one the
graph stores (``extractors.doc_relations.evidence_span``). Prints JSON.

    python bench/treatment_cues.py
    python bench/treatment_cues.py --extra '\\bsuppress(?:es|ed|ing)?\\b'   # a candidate cue added
    python bench/treatment_cues.py --show Positive_Correlation            # the causes it moves (stderr)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.doc_relations import evidence_span
from extractors.relations import _concepts
from extractors.text import split_sentences
from kg.schema import entity_type
from kg.types import Document
from ontologies import treatment
from readers import read_documents

FILES = {
    "biored": ("corpora/biored/Train.PubTator", "corpora/biored/Dev.PubTator"),
    "bc5cdr": ("corpora/bc5cdr/CDR_TrainingSet.PubTator.txt", "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt"),
}
KEEP = {"Positive_Correlation", "Negative_Correlation", "CID"}


def spans(path: Path) -> list[tuple[str, Document, tuple[int, int], str]]:
    """(relation type, document, evidence span, chemical) of every annotated chemical-disease
    pair of KEEP (BioRED lists a pair's two concepts in either order)."""
    out = []
    for doc in read_documents(path):
        sentences = split_sentences(doc.text) or [(0, len(doc.text))]
        kinds = {c: entity_type(m.label).label for m in doc.mentions for c in _concepts(m)}
        for r in doc.relations:
            if r.predicate in KEEP and {kinds.get(r.subject), kinds.get(r.object)} == {"Chemical", "Disease"}:
                chemical, disease = (r.subject, r.object) if kinds[r.subject] == "Chemical" else (r.object, r.subject)
                span = evidence_span(doc, sentences, chemical, disease)
                if span is not None:
                    out.append((r.predicate, doc, span, chemical))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--extra", default="", help="a regular expression added to the treatment cues")
    ap.add_argument("--show", default="", help="print the spans of this relation type the rule calls treatments")
    args = ap.parse_args()
    if args.extra:
        treatment._TREAT_CUE = re.compile(f"{treatment._TREAT_CUE.pattern}|{args.extra}", re.IGNORECASE)
    pairs = [p for files in FILES.values() for f in files for p in spans(args.data_dir / f)]
    total, moved = Counter(), Counter()
    for kind, doc, span, chemical in pairs:
        total[kind] += 1
        if treatment.says_treatment_of(doc, span, chemical):
            moved[kind] += 1
            if kind == args.show:
                print(" ".join(doc.text[span[0] : span[1]].split())[:300], file=sys.stderr)
    print(json.dumps({k: {"pairs": total[k], "said_treatment": moved[k]} for k in sorted(total)}, indent=2))


if __name__ == "__main__":
    main()
