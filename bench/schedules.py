"""Shorter training schedules on BC5CDR: NER and the document-level relation model (from that NER
model's encoder) trained by the epochs given, with dev scored from the epoch given; prints each
model's card metrics as JSON lines. Used to decide the default epochs (BENCHMARKS.md, session 9).

    python bench/schedules.py --out /tmp/schedules --ner-epochs 4 --ner-score-from 3 --re-epochs 3 --re-score-from 2 [--threads 1]
"""  # noqa: E501 (examples run as printed, one line each)

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/corpora/bc5cdr")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--ner-epochs", type=int, default=6)
    ap.add_argument("--ner-score-from", type=int, default=4)
    ap.add_argument("--re-epochs", type=int, default=5)
    ap.add_argument("--re-score-from", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()

    import torch

    from extractors.configs import DocRelationConfig, NerConfig
    from extractors.doc_relations import train_doc_relations
    from extractors.ner import train_ner
    from readers import read_documents

    if args.threads:
        torch.set_num_threads(args.threads)
    train, dev = args.data / "CDR_TrainingSet.PubTator.txt", args.data / "CDR_DevelopmentSet.PubTator.txt"
    train_docs, dev_docs = list(read_documents(train)), list(read_documents(dev))
    t0 = time.perf_counter()
    ner = train_ner(
        train_docs,
        dev_docs,
        args.out / "ner",
        NerConfig(epochs=args.ner_epochs, score_from=args.ner_score_from, max_minutes=1e4),
        data_files=[train, dev],
    )
    print(
        json.dumps({"model": "ner", "minutes": round((time.perf_counter() - t0) / 60, 1), "metrics": ner["metrics"]}),
        flush=True,
    )
    t0 = time.perf_counter()
    rel = train_doc_relations(
        train_docs,
        dev_docs,
        args.out / "re",
        DocRelationConfig(
            base_model=str(args.out / "ner"), epochs=args.re_epochs, score_from=args.re_score_from, max_minutes=1e4
        ),
        data_files=[train, dev],
    )
    print(
        json.dumps({"model": "re", "minutes": round((time.perf_counter() - t0) / 60, 1), "metrics": rel["metrics"]}),
        flush=True,
    )


if __name__ == "__main__":
    main()
