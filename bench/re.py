"""Benchmark relation extraction with gold entities: train (or reuse) a model, score document-level
pair F1 on any split, measure speed. Prints JSON.

    python bench/re.py --train TRAIN --dev DEV --eval EVAL [--architecture doc|pair] [--max-minutes M]
    python bench/re.py --model ~/.cache/medkg/models/re-bc5cdr --eval DEV
    python bench/re.py --model ~/.cache/medkg/models/re-bc5cdr --eval DEV --ner-model ~/.cache/medkg/models/ner-bc5cdr

With --ner-model it also scores end to end: entities predicted by the NER model and grounded by
the normalizer (the cached term index) instead of the gold ones.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from extractors.configs import relation_config
from extractors.doc_relations import DocRelationModel, load_relation_model, train_relation_model
from extractors.relations import pair_scores
from kg.encoders import OFFLINE_ENCODER
from readers import read_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path)
    ap.add_argument("--dev", type=Path)
    ap.add_argument("--eval", type=Path, required=True)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--base-model", default=OFFLINE_ENCODER)
    ap.add_argument("--max-minutes", type=float, help="safety cap (default: the architecture's config)")
    ap.add_argument("--architecture", choices=["doc", "pair"], default="doc")
    ap.add_argument("--context-pooling", action="store_true", help="doc: ATLOP's localized context pooling")
    ap.add_argument("--ner-model", type=Path, help="also score end to end from predicted, normalized entities")
    ap.add_argument("--threshold", type=float, help="default: the model's own (0.5 for a pair classifier)")
    ap.add_argument(
        "--no-treatment-filter",
        action="store_true",
        help="end to end: score CID without moving treatment-worded or -acting pairs to treats",
    )
    ap.add_argument(
        "--no-known-pairs",
        action="store_true",
        help="doc: ignore the model's known pairs (the training split's relations)",
    )
    args = ap.parse_args()
    result: dict[str, object] = {"eval": str(args.eval), "device": "cuda" if torch.cuda.is_available() else "cpu"}
    folder = args.model
    if folder is None:
        if not (args.train and args.dev):
            ap.error("--train and --dev are needed unless --model is given")
        folder = Path(tempfile.mkdtemp(prefix="medkg-re-"))
        t0 = time.perf_counter()
        fields = {"base_model": args.base_model, "max_minutes": args.max_minutes}
        config = relation_config(
            args.architecture,
            {**fields, "context_pooling": args.context_pooling} if args.architecture == "doc" else fields,
        )
        card = train_relation_model(
            list(read_documents(args.train)),
            list(read_documents(args.dev)),
            folder,
            config,
            data_files=[args.train, args.dev],
        )
        result["train_minutes"] = round((time.perf_counter() - t0) / 60, 2)
        result["history"] = card["history"]
    rm = load_relation_model(folder)
    gold = [d for d in read_documents(args.eval) if not d.deleted]
    t0 = time.perf_counter()
    if isinstance(rm, DocRelationModel):
        result["threshold"] = (
            args.threshold
            if args.threshold is not None
            else rm.threshold_alone
            if args.no_known_pairs
            else rm.threshold
        )
        result["known_pairs"] = 0 if args.no_known_pairs else len(rm.known_pairs)
        result["known_threshold"] = None if args.no_known_pairs else rm.known_threshold

    def predict(docs: list) -> list:
        if isinstance(rm, DocRelationModel):
            return rm.predict(docs, args.threshold, known_pairs=not args.no_known_pairs)
        return rm.predict(docs, 0.5 if args.threshold is None else args.threshold)

    pred = predict(gold)
    dt = time.perf_counter() - t0
    result["scores"] = pair_scores(gold, pred, rm._symmetric)
    result["abstracts_per_s"] = round(len(gold) / dt, 1)
    if args.ner_model:
        from dataclasses import replace

        from extractors.ner import NerModel
        from wiring.settings import load_settings

        bare = [replace(d, mentions=(), relations=()) for d in gold]
        # The term index (built and cached on first use) and the models load before the clock.
        normalizer, ner = load_settings().normalizer(progress=True).load_encoder(), NerModel.load(args.ner_model)
        t0 = time.perf_counter()
        found = normalizer.normalize_predicted(ner.predict(bare))  # as the ingest flow does
        pipeline = predict(found)
        seconds = time.perf_counter() - t0
        result["end_to_end"] = {
            **pair_scores(gold, pipeline, rm._symmetric),
            "abstracts_per_s": round(len(gold) / seconds, 1),
        }
        if not args.no_treatment_filter:  # as the ingest flow does: pairs worded or acting as treatments leave CID
            from kg.schema import predicate
            from ontologies.treatment import CAUSES, separate_treatments

            separated = separate_treatments(pipeline, normalizer.index.treatment_knowledge())
            causes = [
                replace(d, relations=tuple(r for r in d.relations if predicate(r.predicate).curie == CAUSES))
                for d in separated
            ]
            result["end_to_end_without_treatments"] = {
                **pair_scores(gold, causes, rm._symmetric),
                "moved_to_treats": sum(len(a.relations) - len(b.relations) for a, b in zip(separated, causes)),
            }
            check = load_settings().cause_checker()
            if check is not None:  # as the ingest flow does: a cause the evidence does not state is an association
                stated = [
                    replace(d, relations=tuple(r for r in d.relations if predicate(r.predicate).curie == CAUSES))
                    for d in check.apply(causes)
                ]
                result["end_to_end_stated_causes"] = {
                    **pair_scores(gold, stated, rm._symmetric),
                    "moved_to_associated": sum(len(a.relations) - len(b.relations) for a, b in zip(causes, stated)),
                    "cause_check": check.card,
                }
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
