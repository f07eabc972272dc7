"""Out-of-domain check: the BC5CDR-trained pipeline on BioRED text, scored against BioRED's own
chemical and disease annotations. Prints JSON.

    python bench/ood.py --ner-model ~/.cache/medkg/models/ner-bc5cdr --re-model ~/.cache/medkg/models/re-bc5cdr \
        --eval ../shared/data/corpora/biored/Dev.PubTator

BioRED (general biomedical abstracts, annotated for six entity types and eight relation types)
is the closest thing here to "literature nobody tuned to". The pipeline runs as the ingest flow
runs it (NER, normalization with its type checks, document-level relations, treatments moved out
of ``causes``) on the bare text; then:

- mentions: strict span and type F1 of Chemical / Disease against BioRED's ChemicalEntity /
  DiseaseOrPhenotypicFeature (BioRED also annotates phenotypes, BC5CDR does not: recall is low by
  design), and concept-level precision/recall per document (MeSH ids);
With BioRED's models beside BC5CDR's (``--ner-model`` and ``--re-model`` repeated, as the
pipeline runs them), a ``causes`` pair BioRED's model calls a negative correlation is moved to
``treats`` too; the BioRED models learned from BioRED train only, so BioRED dev stays unseen text
for them (their thresholds were chosen on it).

- pairs: of the chemical -> disease pairs the pipeline stores as ``causes``, the share BioRED
  relates at all (any type), the share it marks Positive_Correlation (the closest to CID), and the
  share it marks Negative_Correlation (mostly treatment: these are the wrong-way edges); the same
  for the pairs moved to ``treats``. ``--no-treatment-filter`` shows the pipeline without the move.
  Then the cause check (``extractors.cause_check``, as ingestion applies it unless
  MEDKG_CAUSE_CHECK=false): ``causes`` pairs whose evidence states no cause become associations,
  scored under ``associated``; ``--no-cause-check`` shows the pipeline without it.

--eval may be any BioRED-format file, a withheld test split included.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.doc_relations import load_relation_model
from extractors.ensemble import reads_correlations, relate_with, tag_with
from extractors.ner import NerModel
from extractors.scores import prf
from kg.schema import predicate
from kg.types import Document
from ontologies.treatment import CAUSES, TREATS, separate_treatments
from readers import read_documents

TYPES = {"ChemicalEntity": "Chemical", "DiseaseOrPhenotypicFeature": "Disease"}


def mention_scores(gold: list[Document], pred: list[Document]) -> dict[str, object]:
    spans: dict[str, Counter[str]] = {t: Counter() for t in TYPES.values()}
    concepts: dict[str, Counter[str]] = {t: Counter() for t in TYPES.values()}
    for g, p in zip(gold, pred, strict=True):
        for kind in TYPES.values():
            gs = {(m.start, m.end) for m in g.mentions if TYPES.get(m.label) == kind}
            ps = {(m.start, m.end) for m in p.mentions if m.label == kind}
            spans[kind].update(tp=len(gs & ps), fp=len(ps - gs), fn=len(gs - ps))
            gc = {c for m in g.mentions if TYPES.get(m.label) == kind for c in m.ids}
            pc = {c for m in p.mentions if m.label == kind for c in m.concepts()}
            concepts[kind].update(tp=len(gc & pc), fp=len(pc - gc), fn=len(gc - pc))
    return {
        "strict_spans": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in spans.items()},
        "concepts_per_document": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in concepts.items()},
    }


def gold_pairs(doc: Document) -> dict[tuple[str, str], str]:
    """BioRED's chemical-disease relations of a document as (chemical, disease) -> type."""
    kinds = {c: TYPES.get(m.label) for m in doc.mentions for c in m.ids}
    out = {}
    for r in doc.relations:
        a, b = kinds.get(r.subject), kinds.get(r.object)
        if {a, b} == {"Chemical", "Disease"}:
            out[(r.subject, r.object) if a == "Chemical" else (r.object, r.subject)] = r.predicate
    return out


def pair_scores(gold: list[Document], pred: list[Document], wanted: str) -> dict[str, object]:
    """The chemical-disease pairs related by ``wanted`` (either way round; BioRED's model relates
    genes, variants and species too, and those pairs are not counted), by BioRED's type for them."""
    by_type: Counter[str] = Counter()
    n = 0
    for g, p in zip(gold, pred, strict=True):
        annotated = gold_pairs(g)
        kinds = {c: m.label for m in p.mentions for c in m.concepts()}
        for r in p.relations:
            if predicate(r.predicate).curie != wanted:
                continue
            a, b = kinds.get(r.subject), kinds.get(r.object)
            if {a, b} != {"Chemical", "Disease"}:
                continue
            n += 1
            pair = (r.subject, r.object) if a == "Chemical" else (r.object, r.subject)
            by_type[annotated.get(pair, "not related")] += 1

    def share(k: str) -> float:
        return round(100 * by_type[k] / n, 2) if n else 0.0

    related = n - by_type["not related"]
    return {
        "pairs": n,
        "related_in_biored": round(100 * related / n, 2) if n else 0.0,
        "positive_correlation": share("Positive_Correlation"),
        "negative_correlation": share("Negative_Correlation"),
        "association": share("Association"),
        "by_type": dict(by_type),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--ner-model", type=Path, action="append", required=True, help="repeat for several, in the pipeline's order"
    )
    ap.add_argument(
        "--re-model", type=Path, action="append", required=True, help="repeat for several (BC5CDR's, then BioRED's)"
    )
    ap.add_argument("--eval", type=Path, required=True)
    ap.add_argument("--no-treatment-filter", action="store_true")
    ap.add_argument("--no-cause-check", action="store_true")
    args = ap.parse_args()
    from wiring.settings import load_settings

    gold = [d for d in read_documents(args.eval) if not d.deleted]
    normalizer = load_settings().normalizer(progress=True).load_encoder()
    ners, rels = [NerModel.load(p) for p in args.ner_model], [load_relation_model(p) for p in args.re_model]
    t0 = time.perf_counter()
    bare = [replace(d, mentions=(), relations=()) for d in gold]
    pred = relate_with(rels, normalizer.normalize_predicted(tag_with(ners, bare, normalizer.fills_gap)))
    if not args.no_treatment_filter:
        pred = separate_treatments(pred, normalizer.index.treatment_knowledge())
    check = None if args.no_cause_check else load_settings().cause_checker()
    if check is not None:
        pred = check.apply(pred, correlated=reads_correlations(rels))
    seconds = time.perf_counter() - t0
    gold_cd = sum(len(gold_pairs(d)) for d in gold)
    print(
        json.dumps(
            {
                "eval": str(args.eval),
                "documents": len(gold),
                "treatment_filter": not args.no_treatment_filter,
                "cause_check": check.card if check is not None else None,
                "mentions": mention_scores(gold, pred),
                "causes": pair_scores(gold, pred, CAUSES),
                "treats": pair_scores(gold, pred, TREATS),
                "associated": pair_scores(gold, pred, predicate("Association").curie),
                "biored_chemical_disease_pairs": gold_cd,
                "abstracts_per_s": round(len(gold) / seconds, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
