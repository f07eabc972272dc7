"""The normalizer: mention text + entity type -> ranked ontology groundings, or none (NIL).

In order: abbreviations defined in the same document are expanded; a name that annotators of a
training corpus gave several concepts at once gives all of them; an exact match on the
normalized form (case, punctuation, Greek letters, plurals, inverted "X, Y" names) or on the
unordered words wins; a composite mention ("breast and ovarian cancers") is split into its parts;
otherwise character 3-gram TF-IDF nearest neighbours are ranked by cosine, and below ``threshold``
the mention is NIL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from kg.schema import entity_type
from kg.types import Document, Grounding
from extractors.abbreviations import find_abbreviations
from ontologies.index import TermIndex
from ontologies.text import normalize, sorted_key

_COORD = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and/or\s+|\s+and\s+|\s+or\s+|,\s*|/)\s*", re.I)


def _top(vals: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best scores, best first, ties by name row (deterministic; a
    partial sort, not a full one, over the thousands of names sharing a 3-gram)."""
    if len(vals) > k:
        keep = np.argpartition(-vals, k - 1)[:k]
        return keep[np.lexsort((cols[keep], -vals[keep]))]
    return np.lexsort((cols, -vals))


class Normalizer:
    """Type-aware normalization over one ``TermIndex`` (injected: nothing is downloaded).

    >>> normalizer = Normalizer(index)  # doctest: +SKIP
    >>> normalizer.normalize("breast and ovarian cancers", "Disease")  # doctest: +SKIP
    [Grounding(curie='MESH:D001943', ...), Grounding(curie='MESH:D010051', ...)]
    """

    def __init__(self, index: TermIndex, *, threshold: float = 0.55, top_k: int = 5) -> None:
        self.index = index
        self.threshold = threshold
        self.top_k = top_k

    @staticmethod
    def _category(label: str) -> str:
        return entity_type(label).label

    def _grounding(self, i: int, score: float) -> Grounding:
        return Grounding(self.index.curies[i], self.index.names[i], round(float(score), 4), "medkg")

    def _exact(self, text: str, category: str, form: str | None = None) -> list[Grounding]:
        """``form``: ``normalize(text)`` when the caller has it already."""
        hits = self.index.exact.get((category, form if form is not None else normalize(text)))
        if hits:
            return [self._grounding(i, 1.0) for i in hits[: self.top_k]]
        hits = self.index.unordered.get((category, sorted_key(text)))
        return [self._grounding(i, 0.95) for i in hits[: self.top_k]] if hits else []

    def _composite(self, text: str, category: str) -> list[Grounding]:
        parts = [p for p in _COORD.split(text) if p]
        if len(parts) < 2:
            return []
        # Distribute the shared head or modifier: "breast and ovarian cancers" -> "breast cancers",
        # "ovarian cancers"; "colon or rectal cancer" likewise.
        head = parts[-1].split()
        tail = " ".join(head[1:]) if len(head) > 1 else ""
        out: list[Grounding] = []
        for p in parts:
            found = self._exact(p, category)
            if not found and tail and not p.endswith(tail):
                found = self._exact(f"{p} {tail}", category)
            if not found:
                return []
            if found[0].curie not in {g.curie for g in out}:
                out.append(found[0])
        return out if len(out) > 1 else []

    def _fuzzy(self, texts: Sequence[str], category: str) -> list[list[Grounding]]:
        vec = self.index.vectorizers.get(category)
        if vec is None or not texts:
            return [[] for _ in texts]
        queries = vec.transform([normalize(t) for t in texts])
        sims = (queries @ self.index.matrices[category]).tocsr()
        rows = self.index.row_concepts[category]
        out = []
        for r in range(sims.shape[0]):
            start, end = sims.indptr[r], sims.indptr[r + 1]
            cols, vals = sims.indices[start:end], sims.data[start:end]
            ranked: list[Grounding] = []
            seen: set[int] = set()
            for j in _top(vals, cols, 4 * self.top_k):
                concept = int(rows[cols[j]])
                if concept in seen or vals[j] < self.threshold:
                    continue
                seen.add(concept)
                ranked.append(self._grounding(concept, vals[j]))
                if len(ranked) == self.top_k:
                    break
            out.append(ranked)
        return out

    def normalize_many(
        self, items: Sequence[tuple[str, str]], abbreviations: dict[str, str] | Sequence[dict[str, str]] | None = None
    ) -> list[tuple[list[Grounding], bool]]:
        """For each ``(text, label)``: the groundings, best first, and whether they are the parts
        of a composite mention. An empty list means NIL. ``abbreviations`` is one short -> long
        form table for all items, or one table per item."""
        tables = abbreviations if isinstance(abbreviations, Sequence) else [abbreviations or {}] * len(items)
        results: list[tuple[list[Grounding], bool] | None] = [None] * len(items)
        misses: dict[str, list[tuple[int, str]]] = {}
        for n, ((text, label), table) in enumerate(zip(items, tables, strict=True)):
            category = self._category(label)
            long_form = table.get(text.strip())
            first = long_form or text
            form = normalize(first)
            named = self.index.composites.get((category, form))
            if named:
                results[n] = ([self._grounding(i, 1.0) for i in named], True)
                continue
            found = self._exact(first, category, form) or (self._exact(text, category) if long_form else [])
            if found:
                results[n] = (found, False)
                continue
            parts = self._composite(long_form or text, category)
            if parts:
                results[n] = (parts, True)
                continue
            misses.setdefault(category, []).append((n, long_form or text))
        for category, pending in misses.items():
            for (n, _), ranked in zip(pending, self._fuzzy([t for _, t in pending], category), strict=True):
                results[n] = (ranked, False)
        return [r if r is not None else ([], False) for r in results]

    def normalize(self, text: str, label: str, abbreviations: dict[str, str] | None = None) -> list[Grounding]:
        """Groundings of one mention, best first; [] when NIL."""
        return self.normalize_many([(text, label)], abbreviations)[0][0]

    def normalize_documents(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with every mention's ``groundings`` filled in (``composite`` set for split
        ones); all mentions go through one batched lookup."""
        items: list[tuple[str, str]] = []
        tables: list[dict[str, str]] = []
        for doc in docs:
            abbreviations = find_abbreviations(doc.text) if doc.mentions else {}
            items.extend((m.text, m.label) for m in doc.mentions)
            tables.extend([abbreviations] * len(doc.mentions))
        results = iter(self.normalize_many(items, tables))
        out = []
        for doc in docs:
            mentions = []
            for m in doc.mentions:
                groundings, composite = next(results)
                mentions.append(replace(m, groundings=tuple(groundings), composite=composite or m.composite))
            out.append(replace(doc, mentions=tuple(mentions)))
        return out


def evaluate(normalizer: Normalizer, docs: Sequence[Document], *, label_filter: str | None = None) -> dict[str, object]:
    """Accuracy@1 and @5 on gold mentions with ids; the ceiling (gold ids absent from the index).

    A gold mention with alternatives (``a|b``) is right when any matches; a composite one when
    each of its concepts is among the predicted groundings.
    """
    import time

    index = normalizer.index
    total = hit1 = hit5 = absent = 0
    t0 = time.perf_counter()
    normalized = normalizer.normalize_documents(docs)
    seconds = time.perf_counter() - t0
    for doc in normalized:
        for m in doc.mentions:
            if not m.ids or (label_filter and entity_type(m.label).label != label_filter):
                continue
            total += 1
            gold = [index.canonical(c) or c for c in m.ids]
            if not any(index.canonical(c) for c in m.ids):
                absent += 1
            predicted = [g.curie for g in m.groundings]
            if m.composite and len(gold) > 1:
                ok1 = ok5 = set(gold) <= set(predicted)
            else:
                ok1 = bool(predicted) and predicted[0] in gold
                ok5 = any(p in gold for p in predicted[:5])
            hit1 += ok1
            hit5 += ok5
    mentions = sum(len(d.mentions) for d in docs)
    return {
        "mentions_with_ids": total,
        "accuracy_at_1": round(100 * hit1 / total, 2) if total else 0.0,
        "accuracy_at_5": round(100 * hit5 / total, 2) if total else 0.0,
        "absent_from_index": round(100 * absent / total, 2) if total else 0.0,
        "ceiling": round(100 * (total - absent) / total, 2) if total else 0.0,
        "mentions_per_s": round(mentions / seconds) if seconds else None,
    }
