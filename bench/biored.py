"""BioRED dev (or any BioRED-format file) through medkg's models: per-type NER, normalization of
predicted mentions, and relations scored as BioCreative VIII track 1 scores them. Prints JSON.

    python bench/biored.py --ner-model ~/.cache/medkg/models/ner-bc5cdr --ner-model ~/.cache/medkg/models/ner-biored \
        --re-model ~/.cache/medkg/models/re-bc5cdr --re-model ~/.cache/medkg/models/re-biored \
        --eval ../shared/data/corpora/biored/Dev.PubTator

- ``ner``: strict span + type P/R/F1 per type (medkg's types: Gene, Disease, Chemical, Species,
  Variant, CellLine) of the models combined as the pipeline combines them (``extractors.ensemble``).
- ``concepts``: per document, the set of (type, id) of the predicted mentions after normalization
  against the gold set, per type.
- ``relations_gold_entities``: the relation models on the gold mentions and ids; ``relations_end_to_end``:
  on the predicted, normalized mentions. Each: entity pair F1 (unordered concept pairs), pair +
  type F1, and pair + type + novelty F1 (a relation from a model without novelty counts as wrong).
  Every model's relations as the pipeline keeps them (BC5CDR's CID beside BioRED's type of the same
  pair); the ``..._one_type_per_pair`` entries: one BioRED type per pair, as a BioCreative VIII
  submission (``extractors.ensemble.one_type_per_pair``, ``medkg extract --one-type-per-pair``: the
  relations of the models of BioRED's types alone, ``for_one_type``).
The relation models' own thresholds (chosen on BioRED dev by training) apply.
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
from extractors.ensemble import for_one_type, one_type_per_pair, relate_with, tag_with
from extractors.ner import NerModel
from extractors.scores import prf
from kg.schema import entity_type, predicate
from kg.types import Document
from readers import read_documents


def _kind(label: str) -> str:
    return entity_type(label).label


def ner_scores(gold: list[Document], pred: list[Document]) -> dict[str, object]:
    counts: dict[str, Counter[str]] = {}
    for g, p in zip(gold, pred, strict=True):
        gs = {(m.start, m.end, _kind(m.label)) for m in g.mentions}
        ps = {(m.start, m.end, _kind(m.label)) for m in p.mentions}
        for kind in {k for *_, k in gs | ps}:
            c = counts.setdefault(kind, Counter())
            gk, pk = {x for x in gs if x[2] == kind}, {x for x in ps if x[2] == kind}
            c.update(tp=len(gk & pk), fp=len(pk - gk), fn=len(gk - pk))
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    return {
        "micro": prf(total["tp"], total["fp"], total["fn"]),
        **{k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(counts.items())},
    }


def concept_scores(gold: list[Document], pred: list[Document]) -> dict[str, object]:
    counts: dict[str, Counter[str]] = {}
    for g, p in zip(gold, pred, strict=True):
        gc = {(_kind(m.label), c) for m in g.mentions for c in m.ids}
        pc = {(_kind(m.label), c) for m in p.mentions for c in m.concepts()}
        for kind in {k for k, _ in gc | pc}:
            c = counts.setdefault(kind, Counter())
            gk, pk = {x for x in gc if x[0] == kind}, {x for x in pc if x[0] == kind}
            c.update(tp=len(gk & pk), fp=len(pk - gk), fn=len(gk - pk))
    return {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(counts.items())}


def relation_scores(
    gold: list[Document], pred: list[Document], canonical: dict[str, str] | None = None
) -> dict[str, object]:
    """Entity-pair and pair + type F1 over unordered concept pairs (BioCreative VIII track 1);
    ``canonical`` maps a gold id to the id the index knows it by (a MONDO id to its MeSH concept)."""
    canon = canonical or {}

    def keys(docs: list[Document], typed: bool | str) -> set[tuple[str, ...]]:
        out = set()
        for d in docs:
            for r in d.relations:
                a, b = sorted((canon.get(r.subject, r.subject), canon.get(r.object, r.object)))
                key: tuple[str, ...] = (d.doc_id, a, b)
                if typed:
                    key += (predicate(r.predicate).curie,)
                if typed == "novelty":
                    key += (str(r.novel),)  # a model without novelty (None) never matches
                out.add(key)
        return out

    result = {}
    for name, typed in (("pair", False), ("pair_type", True), ("pair_type_novelty", "novelty")):
        g, p = keys(gold, typed), keys(pred, typed)
        result[name] = prf(len(g & p), len(p - g), len(g - p))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ner-model", type=Path, action="append", required=True, help="repeat: the pipeline's order")
    ap.add_argument(
        "--re-model", type=Path, action="append", default=[], help="repeat: every model's relations are kept"
    )
    ap.add_argument("--eval", type=Path, required=True)
    args = ap.parse_args()
    from wiring.settings import load_settings

    gold = [d for d in read_documents(args.eval) if not d.deleted]
    normalizer = load_settings().normalizer(progress=True).load_encoder()
    ners = [NerModel.load(p) for p in args.ner_model]
    rels = [load_relation_model(p) for p in args.re_model]
    bare = [replace(d, mentions=(), relations=()) for d in gold]
    t0 = time.perf_counter()
    tagged = tag_with(ners, bare, normalizer.fills_gap)
    ner_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    normalized = normalizer.normalize_predicted(tagged)
    norm_s = time.perf_counter() - t0
    result: dict[str, object] = {
        "eval": str(args.eval),
        "documents": len(gold),
        "ner_models": [str(p) for p in args.ner_model],
        "re_models": [str(p) for p in args.re_model],
        "ner": ner_scores(gold, tagged),
        "ner_after_normalization": ner_scores(gold, normalized),
        "concepts": concept_scores(gold, normalized),
        "seconds": {"ner": round(ner_s, 1), "normalize": round(norm_s, 1)},
    }
    if rels:
        canonical = {c: normalizer.index.canonical(c) or c for d in gold for m in d.mentions for c in m.ids}
        gold_input = [replace(d, relations=()) for d in gold]
        t0 = time.perf_counter()
        with_gold = relate_with(rels, gold_input)
        result["relations_gold_entities"] = relation_scores(gold, with_gold)
        end_to_end = relate_with(rels, normalized)
        result["relations_end_to_end"] = relation_scores(gold, end_to_end, canonical)
        # As a BioCreative VIII submission: one BioRED type per pair (medkg extract --one-type-per-pair),
        # from the models of BioRED's types alone where there is one.
        typed = for_one_type(rels)
        typed_gold, typed_end = (
            (relate_with(typed, gold_input), relate_with(typed, normalized))
            if len(typed) < len(rels)
            else (with_gold, end_to_end)
        )
        result["relations_gold_entities_one_type_per_pair"] = relation_scores(gold, one_type_per_pair(typed_gold))
        result["relations_end_to_end_one_type_per_pair"] = relation_scores(
            gold, one_type_per_pair(typed_end), canonical
        )
        result["seconds"]["relations"] = round(time.perf_counter() - t0, 1)  # type: ignore[index]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
