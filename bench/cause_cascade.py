"""The cause check's threshold as the pipeline uses it: after the relation model (issue 16).

The check (``extractors.cause_check``) picks its threshold for the best F1 of the check alone over
every co-mentioned chemical-disease pair of its training corpora, but ingestion only ever asks it
about pairs the BC5CDR relation model already called causes. This reads that cascade on BioRED
train, general literature the relation model never trained on: the relation model runs on the
documents' gold chemical and disease mentions, each pair it calls CID gets the check's
out-of-fold probability (grouped 5-fold over both training corpora, as the check's training
computes it), and the pairs kept at each threshold are scored against BioRED's
Positive_Correlation pairs (recall over all of them). Prints JSON.

    python bench/cause_cascade.py --re-model ~/.cache/medkg/models/re-bc5cdr
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.cause_check import CauseCheckConfig, best_threshold, labelled_pairs, out_of_fold
from extractors.doc_relations import load_relation_model
from extractors.ensemble import relate_with
from kg.schema import predicate
from readers import read_documents

CID = predicate("CID").curie
GOLD_TYPES = {"ChemicalEntity", "DiseaseOrPhenotypicFeature"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--re-model", type=Path, default=Path.home() / ".cache/medkg/models/re-bc5cdr")
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = ap.parse_args()
    corpora_dir = args.data_dir / "corpora"
    biored = [d for d in read_documents(corpora_dir / "biored/Train.PubTator") if not d.deleted]
    bc5cdr = [d for d in read_documents(corpora_dir / "bc5cdr/CDR_TrainingSet.PubTator.txt") if not d.deleted]
    corpora = [
        ("biored_train", labelled_pairs(biored, {"Positive_Correlation"})),
        ("bc5cdr_train", labelled_pairs(bc5cdr, {"CID"})),
    ]
    keys = [(g, c, d) for g, (c, d) in zip(corpora[0][1].groups, corpora[0][1].pairs, strict=True)]
    texts = [t for _, p in corpora for t in p.texts]
    labels = np.asarray([y for _, p in corpora for y in p.labels])
    groups = [f"{name}:{g}" for name, p in corpora for g in p.groups]
    oof = out_of_fold(texts, labels, groups, CauseCheckConfig())
    alone, alone_f1 = best_threshold(labels, oof)

    bare = [replace(d, mentions=tuple(m for m in d.mentions if m.label in GOLD_TYPES), relations=()) for d in biored]
    predicted = relate_with([load_relation_model(args.re_model)], bare)
    causes = {
        (d.doc_id, r.subject, r.object) for d in predicted for r in d.relations if predicate(r.predicate).curie == CID
    }
    called = [i for i, k in enumerate(keys) if k in causes]
    positives = int(labels[: len(keys)].sum())

    def cascade(threshold: float) -> dict[str, float]:
        kept = [i for i in called if oof[i] >= threshold]
        tp = int(labels[kept].sum())
        p, r = tp / max(len(kept), 1), tp / max(positives, 1)
        return {
            "threshold": round(threshold, 4),
            "kept": len(kept),
            "right": tp,
            "precision": round(100 * p, 2),
            "recall": round(100 * r, 2),
            "f1": round(200 * p * r / max(p + r, 1e-12), 2),
        }

    best = max(sorted({round(float(oof[i]), 4) for i in called}), key=lambda t: cascade(t)["f1"])
    report = {
        "biored_train_pairs": len(keys),
        "positive_correlation": positives,
        "called_cid_by_the_relation_model": len(called),
        "check_alone": {"threshold": round(alone, 4), "oof_f1": round(100 * alone_f1, 2)},
        "no_check": cascade(0.0),
        "at_the_checks_threshold": cascade(alone),
        "best_cascade_f1": cascade(best),
        "sweep": [cascade(t) for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
