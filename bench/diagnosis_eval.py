"""Diagnosis benchmark: the three systems on the held-out simulated cases saved by
``medkg train diagnosis``, plus single-request latency; optionally re-trains the text-only
baseline with a bigger budget first (to check that its gap is not a matter of training time).

    python bench/diagnosis_eval.py                                   # evaluate the cached models
    python bench/diagnosis_eval.py --text-epochs 12 --text-minutes 40 --text-out /tmp/text-long
    python bench/diagnosis_eval.py --rerank 5 --quantize int8                 # the serving trade-off
    python bench/diagnosis_eval.py --no-prune                  # re-rank every candidate (ignore the margin)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from diagnosis.cases import CaseSplits
from diagnosis.diagnoser import evaluate
from diagnosis.model import TextClassifier
from diagnosis.training import DiagnosisConfig, train_text_classifier
from wiring.diagnosis import build_context, build_diagnoser, diagnosis_folder
from wiring.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="diagnosis folder (default: ~/.cache/medkg/models/diagnosis)")
    parser.add_argument("--text-out", type=Path, help="re-train the text-only baseline into this folder first")
    parser.add_argument("--text-epochs", type=int, default=12)
    parser.add_argument("--text-minutes", type=float, default=40.0)
    parser.add_argument("--quantize", choices=["int8", "bf16"])
    parser.add_argument("--rerank", type=int, help="re-rank this many candidates instead of the trained setting")
    parser.add_argument("--no-prune", action="store_true", help="ignore the model card's pruning margin")
    parser.add_argument("--latency-cases", type=int, default=100)
    parser.add_argument("--skip-accuracy", action="store_true", help="only measure latency")
    args = parser.parse_args()
    settings = load_settings()
    folder = args.model or diagnosis_folder(settings)
    splits = CaseSplits.load(folder / "cases")
    text_folder = folder / "text-only"
    out: dict = {"model": str(folder)}
    if args.text_out:
        cfg = DiagnosisConfig(text_epochs=args.text_epochs, text_max_minutes=args.text_minutes)
        out["text_only_training"] = train_text_classifier(splits.train, splits.dev, args.text_out, cfg)
        text_folder = args.text_out
    # A model trained with --skip-text-only has no baseline: the other systems are still scored.
    text = TextClassifier.load(text_folder) if (text_folder / "medkg.json").is_file() else None
    with settings.open_store(read_only=True) as store:
        builder = build_context(store, settings)
    diagnoser = build_diagnoser(builder, folder, quantize=args.quantize)
    if args.rerank:
        diagnoser.rerank = args.rerank
    if args.no_prune:
        diagnoser.margin = None
    for name in ("test_seen", "test_unseen") if not args.skip_accuracy else ():
        out[name] = evaluate(diagnoser, [(c.text, c.label) for c in getattr(splits, name)], text)
    times = []
    for case in splits.test_seen[: args.latency_cases]:
        t0 = time.perf_counter()
        diagnoser.diagnose(case.text, 5)
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1000
    out["latency_ms"] = {
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
        "rerank": diagnoser.rerank,
        "margin": diagnoser.margin,
        "quantize": args.quantize,
        "dense_matcher": builder.tagger.dense is not None,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
