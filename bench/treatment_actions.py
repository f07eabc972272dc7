"""The treatment rule by pharmacological action (``ontologies.treatment.TreatmentKnowledge``) on
annotated pairs: of BC5CDR's ``CID`` pairs (causes) and BioRED's chemical-disease
``Positive_Correlation`` (causes) and ``Negative_Correlation`` (mostly treatments) pairs, train and
dev splits, how many it would move to ``treats``, by the chemical's own action names alone and
with the broader actions of MeSH's action tree too. Reads the pipeline's term index
(``MEDKG_HOME``). Prints JSON; the pairs only the broader actions move go to stderr.

    python bench/treatment_actions.py
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.schema import entity_type
from ontologies.treatment import TreatmentKnowledge
from readers import read_documents
from wiring.settings import load_settings

FILES = {
    "bc5cdr": ("corpora/bc5cdr/CDR_TrainingSet.PubTator.txt", "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt"),
    "biored": ("corpora/biored/Train.PubTator", "corpora/biored/Dev.PubTator"),
}
KEEP = {"CID", "Positive_Correlation", "Negative_Correlation"}


def _name(index: Any, curie: str) -> str:
    return index.names[index.by_curie[curie]] if curie in index.by_curie else curie


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    settings = load_settings()
    index = settings.term_index()
    broader = index.treatment_knowledge()
    own = TreatmentKnowledge(broader.actions, broader.trees)
    report: dict[str, dict[str, dict[str, int]]] = {}
    for corpus, files in FILES.items():
        counts: Counter[tuple[str, str]] = Counter()
        for name in files:
            for doc in read_documents(settings.data_dir / name):
                kinds = {i: entity_type(m.label).label for m in doc.mentions for i in m.ids}
                for r in doc.relations:
                    if r.predicate not in KEEP:
                        continue
                    chemical, disease = r.subject, r.object
                    if kinds.get(chemical) == "Disease" and kinds.get(disease) == "Chemical":
                        chemical, disease = disease, chemical
                    if kinds.get(chemical) != "Chemical" or kinds.get(disease) != "Disease":
                        continue
                    before = own.action_that_treats(chemical, disease)
                    after = broader.action_that_treats(chemical, disease)
                    counts[(r.predicate, "pairs")] += 1
                    counts[(r.predicate, "moved_by_own_actions")] += bool(before)
                    counts[(r.predicate, "moved_with_broader_actions")] += bool(after)
                    if after and not before:
                        names = [_name(index, c) for c in (chemical, disease)]
                        where = doc.pmid or doc.doc_id
                        print(corpus, where, r.predicate, *names, f"({after})", sep="\t", file=sys.stderr)
        report[corpus] = {}
        for (kind, what), n in sorted(counts.items()):
            report[corpus].setdefault(kind, {})[what] = n
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
