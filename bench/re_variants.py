"""What post-processing and ensembling do to a document-level relation model with gold entities:
the model's own decision, then variants over the same probabilities. Prints JSON.

    python bench/re_variants.py --model ~/.cache/medkg/models/re-bc5cdr --also /tmp/s6/re-from-ner-44 \\
        --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt \\
        --eval ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt

Variants, each over a grid of thresholds (0.10 ... 0.90). Each reports its best setting on the
evaluated split (optimistic: chosen on it) and a two-fold cross-validated F1 (settings chosen on
one half of the documents, scored on the other, both ways, pooled), the honest estimate:

- ``threshold``: one threshold for every pair (the model's own is one point of the grid);
- ``distance``: one threshold for pairs with mentions in one sentence, another for the rest;
- ``most_specific``: a pair dropped when the same chemical is predicted with a descendant of its
  disease (CDR's guideline annotates the most specific disease; ancestors from the term index);
- ``known_pairs``: a second, lower threshold for pairs annotated in ``--train`` (a prior from a
  knowledge base of known relations, here the training split);
- ``ensemble``: the mean of the probabilities of ``--model`` and ``--also`` (the same candidate
  pairs), with the variants above.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.doc_relations import THRESHOLDS as GRID
from extractors.doc_relations import DocRelationModel, load_relation_model
from extractors.relations import pair_scores
from extractors.text import split_sentences
from kg.types import Document, Relation
from readers import read_documents

Scored = list[tuple[list[tuple[str, str]], np.ndarray]]


def _distances(docs: Sequence[Document], scored: Scored) -> list[list[int]]:
    """Per candidate pair, the fewest sentences between a mention of each of its concepts."""
    out = []
    for doc, (pairs, _) in zip(docs, scored, strict=True):
        starts = [a for a, _ in split_sentences(doc.text)] or [0]
        where: dict[str, list[int]] = {}
        for m in doc.mentions:
            for c in m.ids:
                where.setdefault(c, []).append(bisect_right(starts, m.start) - 1)
        out.append([min(abs(a - b) for a in where[s] for b in where[o]) for s, o in pairs])
    return out


Keep = Callable[[int, int, float], bool]


def _predict(
    docs: Sequence[Document],
    scored: Scored,
    model: DocRelationModel,
    keep: Keep,
    specific: Callable[[str, str], bool] | None = None,
) -> list[Document]:
    """The documents with the pairs kept: pair ``k`` of document ``d`` with probability ``p``
    where ``keep(d, k, p)``, then, with ``specific``, the most specific diseases only."""
    pred = []
    for d, (doc, (pairs, probs)) in enumerate(zip(docs, scored, strict=True)):
        found = []
        for k, ((s, o), row) in enumerate(zip(pairs, probs, strict=True)):
            label = int(row[1:].argmax()) + 1
            if keep(d, k, float(row[label])):
                found.append((s, model.labels[label], o))
        if specific is not None:  # drop (s, o) when s is also predicted with a descendant of o
            found = [
                (s, p, o)
                for s, p, o in found
                if not any(s2 == s and o2 != o and specific(o, o2) for s2, _, o2 in found)
            ]
        pred.append(replace(doc, relations=tuple(Relation(s, p, o) for s, p, o in found)))
    return pred


def _best(
    docs: Sequence[Document], model: DocRelationModel, predictions: dict[str, list[Document]]
) -> dict[str, object]:
    """The setting with the best F1 on all ``docs`` (optimistic: chosen on them), and a two-fold
    cross-validated F1: the setting chosen on the even documents scored on the odd ones and the
    other way round, both halves' predictions pooled (an honest estimate of the variant)."""

    def f1(pred: Sequence[Document], part: int | None) -> dict[str, float]:
        idx = [d for d in range(len(docs)) if part is None or d % 2 == part]
        scores = pair_scores([docs[d] for d in idx], [pred[d] for d in idx], model._symmetric)
        return {k: scores[k] for k in ("precision", "recall", "f1")}

    setting = max(predictions, key=lambda k: f1(predictions[k], None)["f1"])
    pooled, chosen = [], []
    for part in (0, 1):
        pick = max(predictions, key=lambda k: f1(predictions[k], 1 - part)["f1"])
        chosen.append(pick)
        pooled.append({d: predictions[pick][d] for d in range(len(docs)) if d % 2 == part})
    cross = [pooled[d % 2][d] for d in range(len(docs))]
    return {
        "best_setting": setting,
        **f1(predictions[setting], None),
        "cross_validated": {"settings": chosen, **f1(cross, None)},
    }


def variants(
    docs: Sequence[Document],
    scored: Scored,
    model: DocRelationModel,
    known: set[tuple[str, str]],
    specific: Callable[[str, str], bool],
) -> dict[str, object]:
    dist = _distances(docs, scored)
    pairs = [ps for ps, _ in scored]

    def run(keep: Keep, filt: Callable[[str, str], bool] | None = None) -> list[Document]:
        return _predict(docs, scored, model, keep, filt)

    own = pair_scores(docs, run(lambda d, k, p: p >= model.threshold_alone), model._symmetric)
    out: dict[str, object] = {  # the model's own threshold: the one chosen on dev without known pairs
        "own_threshold": {"threshold": model.threshold_alone, **{k: own[k] for k in ("precision", "recall", "f1")}},
        "threshold": _best(docs, model, {f"{t}": run(lambda d, k, p, t=t: p >= t) for t in GRID}),
        "distance": _best(
            docs,
            model,
            {
                f"same sentence {a}, else {b}": run(lambda d, k, p, a=a, b=b: p >= (a if dist[d][k] == 0 else b))
                for a, b in itertools.product(GRID, GRID)
            },
        ),
        "most_specific": _best(docs, model, {f"{t}": run(lambda d, k, p, t=t: p >= t, specific) for t in GRID}),
    }
    for name, filt in (("known_pairs", None), ("known_pairs_most_specific", specific)):
        out[name] = _best(
            docs,
            model,
            {
                f"{t}, known {u}": run(lambda d, k, p, t=t, u=u: p >= (u if pairs[d][k] in known else t), filt)
                for t in GRID
                for u in GRID
                if u <= t
            },
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--also", type=Path, help="a second model of the same kind and labels, for the ensemble")
    ap.add_argument(
        "--train", type=Path, required=True, help="the training split: its annotated pairs are the known ones"
    )
    ap.add_argument("--eval", type=Path, required=True)
    args = ap.parse_args()
    from wiring.settings import load_settings

    index = load_settings().term_index(progress=True)

    @cache
    def ancestors(curie: str) -> frozenset[str]:
        i = index.by_curie.get(curie)
        seen: set[str] = set()
        todo = list(index.parents[i]) if i is not None else []
        while todo:
            j = index.by_curie.get(todo.pop())
            if j is not None and index.curies[j] not in seen:
                seen.add(index.curies[j])
                todo.extend(index.parents[j])
        return frozenset(seen)

    def specific(general: str, narrow: str) -> bool:
        return (index.canonical(general) or general) in ancestors(narrow)

    docs = [d for d in read_documents(args.eval) if not d.deleted]
    known = {(r.subject, r.object) for d in read_documents(args.train) for r in d.relations}
    model = load_relation_model(args.model)
    if not isinstance(model, DocRelationModel):
        ap.error("--model: a document-level relation model is needed")
    scored = model.probabilities(docs)
    result: dict[str, object] = {
        "eval": str(args.eval),
        "model": str(args.model),
        "gold_pairs": sum(len(d.relations) for d in docs),
        "gold_pairs_known_from_train": sum((r.subject, r.object) in known for d in docs for r in d.relations),
        "single": variants(docs, scored, model, known, specific),
    }
    if args.also:
        other = load_relation_model(args.also)
        if not isinstance(other, DocRelationModel) or other.labels != model.labels:
            ap.error("--also: a document-level relation model with the same labels is needed")
        second = other.probabilities(docs)
        if [pa for pa, _ in scored] != [pb for pb, _ in second]:
            ap.error("the two models differ in candidate pairs")
        both = [(pa, (p + q) / 2) for (pa, p), (_, q) in zip(scored, second, strict=True)]
        result["also"] = str(args.also)
        result["also_alone"] = variants(docs, second, other, known, specific)["threshold"]
        result["ensemble"] = variants(docs, both, model, known, specific)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
