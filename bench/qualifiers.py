"""The no-exposure rules of the cause check on annotated pairs: of the chemical-disease pairs
co-mentioned in BioRED and BC5CDR train+dev whose chemical is named only as a qualifier
("methicillin-resistant", "insulin-dependent": ``extractors.cause_check.named_only_as_qualifier``)
or only as a qualifier, a measured level ("low HDL-cholesterol", "serum creatinine levels") or
inside a name ("National Cholesterol Education Program": ``named_without_exposure``), how many the
corpus annotates as a cause (BioRED ``Positive_Correlation``, BC5CDR ``CID``). Prints JSON;
``--show`` prints the mentions the second rule adds (stderr).

    python bench/qualifiers.py [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.cause_check import named_only_as_qualifier, named_without_exposure
from extractors.relations import _concepts
from kg.schema import entity_type
from readers import read_documents

FILES = {
    "biored": ("corpora/biored/Train.PubTator", "corpora/biored/Dev.PubTator"),
    "bc5cdr": ("corpora/bc5cdr/CDR_TrainingSet.PubTator.txt", "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt"),
}
CAUSE = {"Positive_Correlation", "CID"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--show", action="store_true", help="print what only the second rule marks (stderr)")
    args = ap.parse_args()
    counts: Counter[str] = Counter()
    for corpus, files in FILES.items():
        for f in files:
            for doc in read_documents(args.data_dir / f):
                kinds: dict[str, set[str]] = {"Chemical": set(), "Disease": set()}
                for m in doc.mentions:
                    if (label := entity_type(m.label).label) in kinds:
                        kinds[label].update(_concepts(m))
                causes = {frozenset((r.subject, r.object)) for r in doc.relations if r.predicate in CAUSE}
                for chemical in sorted(kinds["Chemical"]):
                    diseases = kinds["Disease"] - {chemical}
                    counts[f"{corpus}_pairs"] += len(diseases)
                    if not diseases:
                        continue
                    n_causes = sum(frozenset((chemical, d)) in causes for d in diseases)
                    counts[f"{corpus}_causes"] += n_causes
                    qualifier = named_only_as_qualifier(doc, chemical)
                    if qualifier:
                        counts[f"{corpus}_qualifier_pairs"] += len(diseases)
                        counts[f"{corpus}_qualifier_causes"] += n_causes
                    if not named_without_exposure(doc, chemical):
                        continue
                    counts[f"{corpus}_no_exposure_pairs"] += len(diseases)
                    counts[f"{corpus}_no_exposure_causes"] += n_causes
                    if args.show and not qualifier:
                        m = next(m for m in doc.mentions if chemical in _concepts(m))
                        print(doc.doc_id, " ".join(doc.text[m.start : m.end + 30].split()), file=sys.stderr)
    print(json.dumps(dict(sorted(counts.items())), indent=2))


if __name__ == "__main__":
    main()
