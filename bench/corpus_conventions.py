"""Names the training corpora's annotators gave a concept other than the one whose own name it is
(issue 16): the term index ranks the annotators' concept first for such a name everywhere
("hepatitis" -> Chemical and Drug Induced Liver Injury, as BC5CDR's drug-induced abstracts call
it), which is right in documents like theirs and may be wrong in general literature. Prints JSON:
each name with its annotation count, the annotators' concept and the concept the name is the
preferred name of, most annotated first.

    MEDKG_HOME=<home with a term index> python bench/corpus_conventions.py [--top 60]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.schema import entity_type
from ontologies.text import normalize
from readers import read_documents
from wiring.settings import load_settings

CORPORA = (
    "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt",
    "corpora/ncbi-disease/NCBItrainset_corpus.txt",
    "corpora/biored/Train.PubTator",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=60)
    args = ap.parse_args()
    settings = load_settings()
    index = settings.term_index(progress=True)  # built on first use: minutes
    owners: dict[tuple[str, str], int] = {}
    for i, (name, category) in enumerate(zip(index.names, index.categories, strict=True)):
        owners.setdefault((category, normalize(name)), i)
    given: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for corpus in CORPORA:
        for doc in read_documents(settings.data_dir / corpus, on_error="skip"):
            for m in doc.mentions:
                category = entity_type(m.label).label
                ids = list(m.ids)
                if category in ("Chemical", "Disease") and len(ids) == 1:
                    given[(category, normalize(m.text))][ids[0]] += 1
    rows = []
    for (category, form), counts in given.items():
        curie, n = counts.most_common(1)[0]
        chosen, owner = index.by_curie.get(curie), owners.get((category, form))
        if chosen is None or owner is None or owner == chosen or normalize(index.names[chosen]) == form:
            continue
        rows.append(
            {
                "name": form,
                "type": category,
                "annotated": n,
                "annotators_concept": f"{index.curies[chosen]} {index.names[chosen]}",
                "name_is_preferred_name_of": f"{index.curies[owner]} {index.names[owner]}",
            }
        )
    rows.sort(key=lambda r: (-r["annotated"], r["name"]))
    print(
        json.dumps(
            {"names": len(rows), "annotations": sum(r["annotated"] for r in rows), "top": rows[: args.top]}, indent=2
        )
    )


if __name__ == "__main__":
    main()
