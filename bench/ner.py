"""Benchmark NER: fine-tune on a train split (or reuse a trained model), score on any split passed in,
and measure inference speed. Prints JSON.

    python bench/ner.py --train TRAIN --dev DEV --eval EVAL [--base-model ID_OR_PATH] [--max-minutes 45]
    python bench/ner.py --model ~/.cache/medkg/models/ner-bc5cdr --eval DEV   # score a trained model

--eval may be a withheld test split kept elsewhere. Speed is measured for the default weights (bf16
where the CPU has native bf16; --weights fp32 for fp32 weights under bf16 autocast) and for int8
dynamic quantization.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from extractors.ner import NerConfig, NerModel, canonical_labels, strict_scores, train_ner
from extractors.text import split_sentences
from ontologies.normalizer import RETYPE
from readers import read_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path)
    ap.add_argument("--dev", type=Path)
    ap.add_argument("--eval", type=Path, required=True)
    ap.add_argument("--model", type=Path, help="score this trained model instead of training one")
    ap.add_argument("--base-model", default="all-minilm-l6-v2")
    ap.add_argument("--max-minutes", type=float, default=45.0)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--no-abbreviations", action="store_true", help="score the raw predictions, without abbreviation harmonization"
    )
    ap.add_argument(
        "--no-tidy", action="store_true", help="score the raw predicted spans, without extractors.spans.tidy_spans"
    )
    ap.add_argument("--no-gazetteer", action="store_true", help="without the model's gazetteer (extractors.gazetteer)")
    ap.add_argument(
        "--greedy",
        action="store_true",
        help="each word's most probable label, read leniently (before session 38), not the BIO-constrained decoding",
    )
    ap.add_argument(
        "--no-retype",
        action="store_true",
        help="with --drop-ungrounded: keep predicted chemicals that name only a disease or a gene as chemicals",
    )
    ap.add_argument(
        "--weights",
        choices=["int8", "bf16", "fp32"],
        help="the default model's weights (default: bf16 where the CPU has native bf16)",
    )
    ap.add_argument(
        "--no-int8", action="store_true", help="score the default model only, not also its int8-quantized copy"
    )
    ap.add_argument(
        "--canonical-gold",
        action="store_true",
        help="map the gold labels to medkg's types first (a BC5CDR model scored on BioRED's chemicals and diseases)",
    )
    ap.add_argument(
        "--drop-ungrounded",
        action="store_true",
        help="as the pipeline does: predicted diseases checked against the vocabularies "
        "(Normalizer.normalize_predicted; its time counts)",
    )
    args = ap.parse_args()

    result: dict[str, object] = {
        "eval": str(args.eval),
        "abbreviations": not args.no_abbreviations,
        "tidy": not args.no_tidy,
        "gazetteer": not args.no_gazetteer,
        "constrained": not args.greedy,
        "retype": not args.no_retype,
        "drop_ungrounded": args.drop_ungrounded,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
    }
    folder = args.model
    if folder is None:
        if not (args.train and args.dev):
            ap.error("--train and --dev are needed unless --model is given")
        folder = args.out or Path(tempfile.mkdtemp(prefix="medkg-ner-"))
        t0 = time.perf_counter()
        card = train_ner(
            list(read_documents(args.train)),
            list(read_documents(args.dev)),
            folder,
            NerConfig(base_model=args.base_model, max_minutes=args.max_minutes, epochs=args.epochs),
            data_files=[args.train, args.dev],
        )
        result["train_minutes"] = round((time.perf_counter() - t0) / 60, 2)
        result["history"] = card["history"]
    gold = [d for d in read_documents(args.eval) if not d.deleted]
    if args.canonical_gold or NerModel.load(folder).card.get("config", {}).get("canonical_types"):
        gold = canonical_labels(gold)
    sentences = sum(len(split_sentences(d.text)) for d in gold)
    normalizer = None
    if args.drop_ungrounded:
        from wiring.settings import load_settings

        normalizer = load_settings().normalizer(progress=True).load_encoder()
    for variant in (args.weights,) if args.no_int8 else (args.weights, "int8"):
        model = NerModel.load(folder, quantize=variant)
        model.predict(gold[:8])  # warm up
        t0 = time.perf_counter()
        pred = model.predict(
            gold,
            abbreviations=not args.no_abbreviations,
            tidy=not args.no_tidy,
            gazetteer=not args.no_gazetteer,
            constrained=not args.greedy,
        )
        if normalizer is not None:
            pred = normalizer.normalize_predicted(pred, retype={} if args.no_retype else RETYPE)
        dt = time.perf_counter() - t0
        name = f"{model.weights}-weights" + ("-bf16-autocast" if model.bf16 else "")
        result[name] = {
            "scores": strict_scores(gold, pred, model.types),
            "abstracts_per_s": round(len(gold) / dt, 1),
            "sentences_per_s": round(sentences / dt, 1),
        }
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
