"""The cause check's threshold where BioRED's relation model must also relate the pair as a
Positive_Correlation (``extractors.cause_check``'s agreement), chosen by grouped cross-validation.

The check's own threshold is the best F1 cut of its out-of-fold probabilities over BioRED's and
BC5CDR's training pairs, for the check alone. With the agreement, a pair also needs BioRED's model
to say Positive_Correlation, so a lower cut pays. This scores ``check >= t and Positive_Correlation``
over BC5CDR train's co-mentioned chemical-disease pairs (label: CID), with the check's out-of-fold
probabilities (the same grouped folds as its training) and BioRED's model run on BC5CDR train's
gold mentions (never trained on BC5CDR: out of sample there; BioRED train's pairs are its training
pairs, so they are left out). Prints JSON: the best cut with and without the agreement, and a grid.
The pipeline's cut with the agreement, ``extractors.cause_check.AGREED_THRESHOLD``, is the one
this finds (BENCHMARKS.md, session 53).

    python bench/cause_agreement.py --re-model ~/.cache/medkg/models/re-biored
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from extractors import scores
from extractors.cause_check import (
    AGREED_THRESHOLD,
    CORRELATED,
    TRAINING_CORPORA,
    CauseCheckConfig,
    best_threshold,
    labelled_pairs,
    out_of_fold,
)
from extractors.doc_relations import load_relation_model
from kg.schema import predicate
from readers import read_documents

SCORED = "bc5cdr_train"


def prf(selected: np.ndarray, labels: np.ndarray) -> dict[str, float | int]:
    """``extractors.scores.prf`` of the pairs ``selected`` against those labelled CID."""
    tp = int((selected & (labels == 1)).sum())
    return scores.prf(tp, int(selected.sum()) - tp, int(labels.sum()) - tp)


def main() -> None:
    from wiring.settings import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--re-model", type=Path, required=True, help="BioRED's relation model folder")
    args = ap.parse_args()

    layout = load_settings().layout
    docs = {name: [d for d in read_documents(layout.corpus(name)) if not d.deleted] for name, _ in TRAINING_CORPORA}
    corpora = [(name, labelled_pairs(docs[name], set(positive))) for name, positive in TRAINING_CORPORA]
    texts = [t for _, p in corpora for t in p.texts]
    labels = np.asarray([y for _, p in corpora for y in p.labels])
    groups = [f"{name}:{g}" for name, p in corpora for g in p.groups]
    oof = out_of_fold(texts, labels, groups, CauseCheckConfig())  # as ``train_cause_check`` folds them
    trained, _ = best_threshold(labels, oof)

    pairs = dict(corpora)[SCORED]
    rows = np.asarray([i for i, g in enumerate(groups) if g.startswith(f"{SCORED}:")])
    y, p = labels[rows], oof[rows]
    model = load_relation_model(args.re_model)
    predicted = model.predict([replace(d, relations=()) for d in docs[SCORED]])
    said = {
        (d.doc_id, frozenset((r.subject, r.object)))
        for d in predicted
        for r in d.relations
        if predicate(r.predicate).curie == CORRELATED
    }
    agreed = np.asarray([(g, frozenset(pair)) in said for g, pair in zip(pairs.groups, pairs.pairs, strict=True)])
    alone, _ = best_threshold(y, p)
    both, _ = best_threshold(y, np.where(agreed, p, -1.0))
    print(
        json.dumps(
            {
                "pairs": len(y),
                "cid": int(y.sum()),
                "positive_correlation": int(agreed.sum()),
                "cid_with_positive_correlation": int(agreed[y == 1].sum()),
                "threshold_by_cv": round(
                    trained, 4
                ),  # what training the check now picks (the installed one may differ a little)
                "check_alone": {"best_threshold": round(alone, 4), **prf(p >= alone, y)},
                "check_and_agreement": {
                    "best_threshold": round(both, 4),
                    **prf((p >= both) & agreed, y),
                    "at_threshold_by_cv": prf((p >= trained) & agreed, y),
                    "at_agreed_threshold": {"threshold": AGREED_THRESHOLD, **prf((p >= AGREED_THRESHOLD) & agreed, y)},
                },
                "grid": {
                    str(t): {"alone": prf(p >= t, y)["f1"], "with_agreement": prf((p >= t) & agreed, y)["f1"]}
                    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
